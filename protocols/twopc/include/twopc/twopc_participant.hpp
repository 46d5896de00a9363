#pragma once
// A 2PC participant as a state machine that never does I/O (etcd-raft's shape): each
// handler reads one message and the node's state and records effects — messages, log
// records to append, reports for the invariants. Whoever drives it (ParticipantServer in
// the simulator, or a unit test) appends the records, syncs, and only then sends, so a
// yes vote never leaves before its prepared record is durable (Gray 1978, "the
// participant must be able to commit or abort even after a crash").
//
// The participant owns a shard of the bank's accounts and runs strict two-phase locking
// with no waiting: a Lock request that meets a conflicting lock is refused at once
// (no deadlock can form), and every lock is held until the transaction is decided.
//
// State changes happen only in become_working / become_prepared / become_in_doubt /
// become_decided / drop_working (the "role changes" of a transaction).
//
// Invariants (asserted where cheap; checked across nodes by TwopcInvariants):
//  - a prepared or in-doubt transaction has a durable prepared record, holds its locks
//    (unless the planted bug release-locks-at-prepare) and is decided only by a Decision
//    or a PeerAnswer, never alone (unless the bug unilateral-abort-after-yes);
//  - a decided transaction is never decided again the other way;
//  - the lock table holds, per key, one exclusive holder or any number of shared ones,
//    and every holder is a live (working or prepared) transaction of this node.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/node_driver.hpp"
#include "sim/message.hpp"
#include "twopc/twopc_messages.hpp"
#include "twopc/twopc_observer.hpp"
#include "twopc/twopc_storage.hpp"

namespace faultline::twopc {

class SymmetricParts;

struct ParticipantEffects {
  std::vector<protocols::Outgoing> messages = {};
  std::vector<ParticipantRecord> records = {};  // append in order, then sync
  std::vector<Report> reports = {};
  bool epoch_dirty = false;
  bool empty() const {
    return messages.empty() && records.empty() && reports.empty() && !epoch_dirty;
  }
};

struct ParticipantStats {
  std::uint64_t locks_granted = 0;
  std::uint64_t locks_refused = 0;
  std::uint64_t votes_yes = 0;
  std::uint64_t votes_no = 0;
  std::uint64_t committed = 0;
  std::uint64_t aborted = 0;
  std::uint64_t working_timeouts = 0;    // unprepared locks given up alone
  std::uint64_t inquiries = 0;           // to the coordinator, while in doubt
  std::uint64_t recovered_in_doubt = 0;  // prepared and undecided at a boot
  std::uint64_t peer_decisions = 0;      // decided by a peer's answer (cooperative)
  std::uint64_t unilateral_aborts = 0;   // planted bug only
};

class Participant {
 public:
  struct Txn {
    TxnState state = TxnState::working;
    Grant grant = 0;
    std::vector<LockItem> locks = {};
    std::vector<Write> writes = {};  // prepared
    NodeId coordinator = kNoNode;
    std::vector<NodeId> participants = {};
    Time since = 0;     // local time it entered working or prepared (boot time if recovered)
    Time deadline = 0;  // working: give up; prepared / in doubt: next inquiry
  };
  struct LockEntry {
    TxnId exclusive;  // invalid: none
    std::vector<TxnId> shared = {};
  };

  // Rebuilds the node from what its disk held: the store from the initial balances and
  // the committed transactions' writes, the decisions, and the transactions in doubt
  // (their locks taken again).
  Participant(ParticipantConfig config, const Stored<ParticipantRecord>& stored, Time now);

  std::string_view step(Time now, const sim::Envelope& envelope);
  std::string_view on_lock(Time now, NodeId from, const Lock& m);
  std::string_view on_release(Time now, NodeId from, const Release& m);
  std::string_view on_prepare(Time now, NodeId from, const Prepare& m);
  std::string_view on_decision(Time now, NodeId from, const Decision& m);
  std::string_view on_peer_inquiry(Time now, NodeId from, const PeerInquiry& m);
  std::string_view on_peer_answer(Time now, NodeId from, const PeerAnswer& m);

  void tick(Time now);
  Time next_deadline() const;
  std::string_view next_deadline_name() const;

  ParticipantEffects& effects() { return effects_; }
  const ParticipantEffects& effects() const { return effects_; }
  const ParticipantConfig& config() const { return cfg_; }
  std::uint32_t epoch() const { return epoch_; }
  const std::map<std::string, std::int64_t, std::less<>>& balances() const { return balances_; }
  const std::map<TxnId, Txn>& txns() const { return txns_; }
  const std::map<TxnId, bool>& decided() const { return decided_; }
  const std::map<std::string, LockEntry, std::less<>>& locks() const { return locks_; }
  const ParticipantStats& stats() const { return stats_; }
  // Log records this node has emitted (prepared, decided): the durable facts' source.
  std::uint64_t prepared_records() const { return prepared_records_; }
  std::uint64_t decided_records() const { return decided_records_; }
  // Transactions whose state changed since the last call (for the annotations).
  std::vector<TxnId> take_changed();
  bool locks_changed() const { return locks_changed_; }
  void clear_locks_changed() { locks_changed_ = false; }
  // A hash of the protocol state (not statistics, not absolute deadlines).
  std::uint64_t fingerprint() const;
  // The same state up to a renaming of the participants (twopc_symmetry.hpp): accounts by
  // their index among this node's, a transaction's participants by their number. Keep it
  // in step with fingerprint().
  std::uint64_t symmetric_fingerprint(const SymmetricParts& names) const;
  // "a0=x:0.1.3 a1=s:0.1.4,0.1.5"
  std::string locks_text() const;

 private:
  // Transaction state changes.
  void become_working(Time now, TxnId txn, std::vector<LockItem> items);
  void become_prepared(Time now, TxnId txn, NodeId coordinator, const Prepare& m);
  void become_in_doubt(Time now, TxnId txn);
  void become_decided(Time now, TxnId txn, bool commit);
  void drop_working(TxnId txn);

  std::optional<TxnId> conflict(const std::vector<LockItem>& items) const;
  void acquire(TxnId txn, const std::vector<LockItem>& items);
  void release(TxnId txn, const std::vector<LockItem>& items);
  void reply_granted(NodeId to, TxnId txn, const Txn& t);
  void vote(NodeId coordinator, TxnId txn, bool yes);
  void inquire(Time now, TxnId txn, Txn& t);
  void apply_stored(const std::vector<ParticipantRecord>& records);
  void mark(TxnId txn);

  template <class M>
  void send(NodeId to, M message) {
    effects_.messages.push_back(protocols::Outgoing{to, sim::Payload(std::move(message))});
  }

  ParticipantConfig cfg_;
  ParticipantEffects effects_;
  std::uint32_t epoch_ = 0;
  std::uint32_t next_grant_ = 1;
  std::map<std::string, std::int64_t, std::less<>> balances_;
  std::map<std::string, LockEntry, std::less<>> locks_;
  std::map<TxnId, Txn> txns_;      // working, prepared, in doubt
  std::map<TxnId, bool> decided_;  // prepared here, then decided (from the log)
  std::uint64_t prepared_records_ = 0;
  std::uint64_t decided_records_ = 0;
  std::vector<TxnId> changed_;
  bool locks_changed_ = true;
  ParticipantStats stats_;
};

}  // namespace faultline::twopc
