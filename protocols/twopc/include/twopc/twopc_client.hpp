#pragma once
// The bank's clients: each runs one transaction at a time over accounts spread across the
// participants (shards), in the blocking style (docs/protocols.md): a transfer between
// two accounts on different shards, or a read of every balance.
//
// One transaction, as the client drives it:
//   1. Begin at its coordinator (retried until answered): a transaction id.
//   2. Lock and read at every participant it touches, all at once (no waiting: a
//      participant refuses a conflicting lock). A refusal, or no answer after
//      lock_attempts tries, rolls the transaction back — Release the grants, tell the
//      coordinator — and it never enters the history: nothing was invoked yet.
//   3. Compute the writes (a transfer moves min(amount, balance) unless overdrafts are
//      allowed), record the invocation, and ask the coordinator to commit; the request
//      is resent until an Outcome comes (the coordinator answers abort about what it does
//      not hold). The completion is ok (committed) or fail (aborted); a transaction still
//      waiting when the run ends stays open (unknown) in the history.
//
// History: each transaction is one operation `txn` of the checker's multi-register model,
// its value the micro-ops [["read", "a3", 100], ["write", "a3", 70], ...]. The invocation
// is recorded after the reads, while every lock is still held: a transaction that
// commits held its locks continuously from its reads to its decision (its grant was never
// given up, or its participants would have voted no), so it takes effect at the moment
// of its invocation, inside its interval — strict serializability is then
// linearizability of these operations.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/actor.hpp"
#include "twopc/twopc_messages.hpp"
#include "twopc/twopc_observer.hpp"

namespace faultline::twopc {

struct BankWorkload {
  std::vector<NodeId> coordinators = {};
  std::vector<NodeId> participants = {};  // account i lives on participants[i % size]
  int accounts = 6;
  std::int64_t initial_balance = 100;
  std::int64_t max_transfer = 50;
  int read_all_percent = 20;
  bool overdraft = false;  // transfers may take a balance below zero
  int txns = 0;            // per client; 0: until the run ends
  Duration think_max_ns = 400 * sim::kMillisecond;
  Duration request_timeout_ns = 100 * sim::kMillisecond;
  int lock_attempts = 3;
  std::int64_t total() const { return accounts * initial_balance; }
  NodeId owner(int account) const {
    return participants[static_cast<std::size_t>(account) % participants.size()];
  }
};

struct ClientStats {
  std::uint64_t begun = 0;
  std::uint64_t lock_refused = 0;
  std::uint64_t lock_timeouts = 0;
  std::uint64_t committed = 0;
  std::uint64_t aborted = 0;
  std::uint64_t transfers_committed = 0;
  std::uint64_t read_alls_committed = 0;
  std::uint64_t commit_resends = 0;
};

// One transaction's plan: read every account, or move `amount` from accounts[0] to
// accounts[1], preferring an account on another shard (a distributed transaction).
// `random(n)` draws in [0, n): the client's random numbers in a run; the largest value in
// explore mode, where ClientModel (the explorer's pure copy of the client) draws with it.
struct TxnPlan {
  bool read_all = false;
  std::vector<int> accounts = {};  // read order; a transfer: from, to
  std::int64_t amount = 0;
};
template <class Random>
TxnPlan draw_txn_plan(const BankWorkload& w, Random&& random) {
  TxnPlan plan;
  if (w.accounts < 2 || random(100) < static_cast<std::uint64_t>(w.read_all_percent)) {
    plan.read_all = true;
    for (int a = 0; a < w.accounts; ++a) plan.accounts.push_back(a);
    return plan;
  }
  const int from = static_cast<int>(random(static_cast<std::uint64_t>(w.accounts)));
  std::vector<int> to;
  for (int a = 0; a < w.accounts; ++a) {
    if (a != from && w.owner(a) != w.owner(from)) to.push_back(a);
  }
  if (to.empty()) {
    for (int a = 0; a < w.accounts; ++a) {
      if (a != from) to.push_back(a);
    }
  }
  plan.accounts = {from, to[random(to.size())]};
  plan.amount = 1 + static_cast<std::int64_t>(random(static_cast<std::uint64_t>(w.max_transfer)));
  return plan;
}

// What a client holds of one participant's share of a transaction.
struct ClientShardLock {
  NodeId participant = kNoNode;
  std::vector<LockItem> items = {};
  bool granted = false;
  Grant grant = 0;
  std::vector<std::int64_t> values = {};
};

class BankClient final : public sim::Actor {
 public:
  BankClient(BankWorkload workload, int index, TwopcObserver* observer)
      : w_(std::move(workload)), index_(index), observer_(observer) {}
  void run(sim::Context& ctx) override;

  const ClientStats& stats() const { return stats_; }
  bool finished() const { return finished_; }
  // The local time (a client's clock is never faulted: true time) its current
  // transaction began, or kTimeNever between transactions.
  Time busy_since() const { return busy_since_; }
  std::string_view phase() const { return phase_; }

 private:
  using Plan = TxnPlan;
  using ShardLock = ClientShardLock;

  void run_one(sim::Context& ctx);
  TxnId begin(sim::Context& ctx);
  bool lock_all(sim::Context& ctx, TxnId txn, std::vector<ShardLock>& shards);
  void rollback(sim::Context& ctx, TxnId txn, const std::vector<ShardLock>& shards);
  bool await_outcome(sim::Context& ctx, const CommitRequest& request);
  // A message about another transaction: acknowledge a commit outcome, release a late
  // grant; otherwise ignored with a reason.
  void handle_stray(sim::Context& ctx, const sim::Envelope& m);
  NodeId coordinator() const {
    return w_.coordinators[static_cast<std::size_t>(index_) % w_.coordinators.size()];
  }

  BankWorkload w_;
  int index_;
  TwopcObserver* observer_;
  std::uint64_t client_seq_ = 0;
  // The transaction being committed and its grants: late copies of them are not released.
  std::pair<TxnId, std::vector<Grant>> in_use_ = {};
  ClientStats stats_;
  bool finished_ = false;
  Time busy_since_ = sim::kTimeNever;
  std::string_view phase_ = "idle";
};

// The clients' totals, for a run's summary.
ClientStats total_client_stats(const sim::Simulation& sim, const std::vector<NodeId>& clients);

}  // namespace faultline::twopc
