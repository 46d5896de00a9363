#pragma once
// BankClient (twopc_client.hpp) as a state machine, for the explorer's pure world
// (twopc_explore.cpp). BankClient is a blocking fiber — sleep, send, recv_until with a
// deadline, retry — and a fiber cannot be copied; this model makes the same calls in the
// same order, one input (a message or its deadline) at a time, with random(n) = n - 1 as
// the simulator's explore mode draws it. It is the slow twin's opposite: a second copy of
// the client's logic, kept honest by the lockstep test (tests/explorer), which walks
// random paths in the pure world and in the simulator and compares every enabled event.
//
// Where the fiber waits:
//   sleep    the pause before a transaction; messages delivered meanwhile queue in the
//            mailbox, as in the simulator, and are received in order after it
//   begin    Begin sent; a timeout resends it
//   lock     Lock sent to every participant not yet granted; a timeout starts the next
//            attempt, and after lock_attempts the transaction rolls back
//   outcome  CommitRequest sent; a timeout resends it
//   idle     every transaction done; it keeps acknowledging resent commit outcomes
//
// Invariants: a deadline is set exactly in the waits that have one (all but idle); the
// mailbox is empty unless the client sleeps; an operation is open in the history exactly
// while it waits for an outcome.
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/node_driver.hpp"
#include "twopc/twopc_client.hpp"
#include "twopc/twopc_messages.hpp"

namespace faultline::twopc {

class SymmetricParts;

struct ClientEffects {
  struct Op {
    bool invoke = false;                     // else the completion of the open operation
    sim::OpType type = sim::OpType::invoke;  // completion: ok or fail
    nlohmann::json value;
  };
  std::vector<protocols::Outgoing> messages = {};
  std::vector<Op> history = {};  // in order
  // A read-all committed: its transaction and the total it read (for the invariants).
  std::optional<std::pair<TxnId, std::int64_t>> read_all = {};
};

class ClientModel {
 public:
  enum class Wait : std::uint8_t { sleep, begin, lock, outcome, idle };

  ClientModel(BankWorkload workload, int index);
  // run() up to its first wait (a fresh node: incarnation 0).
  void start(Time now);
  // Its deadline came; `now` is the deadline.
  void wake(Time now);
  void deliver(Time now, sim::Envelope m);
  // The local time it waits until, or kTimeNever.
  Time deadline() const { return deadline_; }
  Wait wait() const { return wait_; }
  ClientEffects& effects() { return effects_; }
  // Everything that decides its future; deadlines relative to `local`, its clock.
  std::uint64_t fingerprint(Time local) const;
  // The same up to a renaming of the participants (twopc_symmetry.hpp): its lock on
  // participant p and p's messages in its mailbox into p's part, the rest into the rest.
  // Keep it in step with fingerprint().
  void symmetric_fingerprint(Time local, SymmetricParts& parts) const;

 private:
  using ShardLock = ClientShardLock;

  void think(Time now);
  void begin_txn(Time now);
  void send_begin(Time now);
  void start_locks(Time now);
  void send_locks(Time now);
  void on_lock_reply(Time now, const sim::Envelope& m);
  void lock_timeout(Time now);
  void rollback(Time now);
  void commit(Time now);
  void send_request(Time now);
  void on_outcome(Time now, const Outcome& outcome, NodeId from);
  void receive(Time now, const sim::Envelope& m);
  void handle_stray(const sim::Envelope& m);
  void drain_mailbox(Time now);
  NodeId coordinator() const {
    return w_.coordinators[static_cast<std::size_t>(index_) % w_.coordinators.size()];
  }
  template <class M>
  void send(NodeId to, M message) {
    effects_.messages.push_back(protocols::Outgoing{to, sim::Payload(std::move(message))});
  }

  BankWorkload w_;
  int index_;
  Wait wait_ = Wait::sleep;
  Time deadline_ = sim::kTimeNever;
  int done_ = 0;  // transactions finished (committed, aborted or rolled back)
  std::uint64_t client_seq_ = 0;
  std::uint64_t seq_ = 0;  // the current Begin's
  bool read_all_ = false;
  std::vector<int> accounts_ = {};  // the plan: read order; a transfer: from, to
  std::int64_t amount_ = 0;
  TxnId txn_;
  std::vector<ShardLock> shards_ = {};
  int attempt_ = 0;
  std::size_t pending_ = 0;
  CommitRequest request_ = {};
  nlohmann::json ops_ = nullptr;
  std::int64_t total_ = 0;
  std::pair<TxnId, std::vector<Grant>> in_use_ = {};
  std::vector<sim::Envelope> mailbox_ = {};
  ClientEffects effects_;
};

}  // namespace faultline::twopc
