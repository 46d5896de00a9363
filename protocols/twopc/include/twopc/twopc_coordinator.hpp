#pragma once
// A 2PC coordinator with presumed abort (Mohan, Lindsay & Obermarck 1986) as a state
// machine that never does I/O. Its driver (CoordinatorServer) appends the log records the
// handlers ask for, syncs, and only then sends: a commit decision is durable before any
// participant or the client hears it.
//
// A transaction at the coordinator goes begun -> preparing -> (committed -> forgotten) or
// (aborted = forgotten at once). Phase changes happen only in become_begun /
// become_preparing / become_decided / forget.
//
//   begun      an id was handed to a client, which is locking and reading; forgotten if
//              no commit request comes within begin_timeout
//   preparing  Prepare sent to every participant (resent to those that have not voted);
//              a no vote or the vote timeout aborts, all yes votes commit
//   committed  the commit record is durable; Decision resent to every participant and
//              Outcome to the client until each acknowledged; then a done record, and
//              the transaction is forgotten
//
// Presumed abort: aborts are neither logged nor acknowledged. A coordinator asked about a
// transaction it does not hold answers abort — safe because ids are never reused (TxnId:
// the epoch is durable and incremented at every boot) and a transaction it holds no
// commit record for was never committed, or every participant and the client have
// acknowledged its commit and will not ask again.
//
// Invariants (asserted): a commit decision needs a yes vote from every participant
// (unless the planted bug commit-without-all-votes); a transaction is decided once; a
// committed transaction stays held until every participant and the client acknowledged.
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/node_driver.hpp"
#include "protocols/quorum.hpp"
#include "sim/message.hpp"
#include "twopc/twopc_messages.hpp"
#include "twopc/twopc_observer.hpp"
#include "twopc/twopc_storage.hpp"

namespace faultline::twopc {

class SymmetricParts;

struct CoordinatorEffects {
  std::vector<protocols::Outgoing> messages = {};
  std::vector<CoordinatorRecord> records = {};
  std::vector<Report> reports = {};
  bool epoch_dirty = false;
  bool empty() const {
    return messages.empty() && records.empty() && reports.empty() && !epoch_dirty;
  }
};

struct CoordinatorStats {
  std::uint64_t begun = 0;
  std::uint64_t committed = 0;
  std::uint64_t aborted = 0;
  std::uint64_t aborted_by_no = 0;
  std::uint64_t vote_timeouts = 0;
  std::uint64_t begin_timeouts = 0;
  std::uint64_t rollbacks = 0;
  std::uint64_t presumed_aborts = 0;    // answers about transactions it does not hold
  std::uint64_t recovered_commits = 0;  // commit records to finish at a boot
  std::uint64_t forgotten = 0;
};

class Coordinator {
 public:
  enum class Phase : std::uint8_t { begun, preparing, committed };
  struct Txn {
    Phase phase = Phase::begun;
    NodeId client = kNoNode;
    std::uint64_t client_seq = 0;
    std::vector<Shard> shards = {};         // preparing
    std::vector<NodeId> participants = {};  // sorted, distinct
    protocols::VoteSet yes;                 // distinct participants that voted yes
    protocols::VoteSet acked;               // committed: participants that acknowledged
    bool client_acked = false;
    bool logged = false;               // the commit record was written
    Time deadline = sim::kTimeNever;   // begun: give up; preparing: vote timeout
    Time resend_at = sim::kTimeNever;  // preparing: prepares; committed: decisions
  };

  // Rebuilds the coordinator from its log: every commit without a done record is
  // finished — its decision resent until acknowledged.
  Coordinator(CoordinatorConfig config, const Stored<CoordinatorRecord>& stored, Time now);

  std::string_view step(Time now, const sim::Envelope& envelope);
  std::string_view on_begin(Time now, NodeId from, const Begin& m);
  std::string_view on_commit_request(Time now, NodeId from, const CommitRequest& m);
  std::string_view on_vote(Time now, NodeId from, const Vote& m);
  std::string_view on_decision_ack(Time now, NodeId from, const DecisionAck& m);
  std::string_view on_outcome_ack(Time now, NodeId from, const OutcomeAck& m);
  std::string_view on_inquiry(Time now, NodeId from, const Inquiry& m);

  void tick(Time now);
  Time next_deadline() const;
  std::string_view next_deadline_name() const;

  CoordinatorEffects& effects() { return effects_; }
  const CoordinatorEffects& effects() const { return effects_; }
  const CoordinatorConfig& config() const { return cfg_; }
  std::uint32_t epoch() const { return epoch_; }
  const std::map<TxnId, Txn>& txns() const { return txns_; }
  const CoordinatorStats& stats() const { return stats_; }
  std::uint64_t commits_made() const { return commits_made_; }
  std::vector<TxnId> take_changed();
  std::uint64_t fingerprint() const;
  // The same state up to a renaming of the participants (twopc_symmetry.hpp): what
  // concerns participant p (its vote, its acknowledgement, its shard) into p's part, the
  // rest into the rest. Keep it in step with fingerprint().
  void symmetric_fingerprint(SymmetricParts& parts) const;

 private:
  void become_begun(Time now, NodeId client, std::uint64_t client_seq);
  void become_preparing(Time now, TxnId txn, const std::vector<Shard>& shards);
  void become_decided(Time now, TxnId txn, bool commit);
  void forget(TxnId txn);

  // Why a transaction id cannot be this coordinator's, or empty.
  std::string_view foreign(TxnId txn) const;
  void send_prepares(Time now, TxnId txn, Txn& t);
  void send_decisions(Time now, TxnId txn, Txn& t);
  void maybe_forget(TxnId txn, Txn& t);
  bool is_participant(const Txn& t, NodeId node) const;
  void mark(TxnId txn);

  template <class M>
  void send(NodeId to, M message) {
    effects_.messages.push_back(protocols::Outgoing{to, sim::Payload(std::move(message))});
  }

  CoordinatorConfig cfg_;
  CoordinatorEffects effects_;
  std::uint32_t epoch_ = 0;
  std::uint32_t next_seq_ = 1;
  std::map<TxnId, Txn> txns_;
  // Per client, its latest Begin: a retried Begin gets the same id.
  std::map<NodeId, std::pair<std::uint64_t, TxnId>> last_begin_;
  std::uint64_t commits_made_ = 0;  // commit decisions taken (logged, unless the bug)
  std::vector<TxnId> changed_;
  CoordinatorStats stats_;
};

std::string_view coordinator_phase_name(Coordinator::Phase phase);

}  // namespace faultline::twopc
