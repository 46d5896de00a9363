#include "twopc/twopc_client.hpp"

#include <algorithm>

#include "sim/simulation.hpp"

namespace faultline::twopc {

void BankClient::run(sim::Context& ctx) {
  FAULTLINE_ASSERT(!w_.coordinators.empty() && !w_.participants.empty() && w_.accounts > 0,
                   "a bank has a coordinator, a participant and an account");
  // Above every earlier life's numbers: a Begun still in flight to an earlier life of this
  // client must not answer a Begin of this one.
  client_seq_ = ctx.incarnation() << 40;
  for (int op = 0; w_.txns == 0 || op < w_.txns; ++op) {
    ctx.sleep(ctx.random_between(0, w_.think_max_ns));
    busy_since_ = ctx.now();
    run_one(ctx);
    busy_since_ = sim::kTimeNever;
    phase_ = "idle";
  }
  finished_ = true;
  // Done: keep acknowledging outcomes the coordinator resends (its ack may have been lost).
  for (;;) {
    if (std::optional<sim::Envelope> m = ctx.recv()) handle_stray(ctx, *m);
  }
}

void BankClient::run_one(sim::Context& ctx) {
  const Plan plan = draw_txn_plan(w_, [&](std::uint64_t n) { return ctx.random(n); });
  phase_ = "begin";
  const TxnId txn = begin(ctx);
  // One lock request per participant touched, in participant order.
  std::vector<ShardLock> shards;
  for (int account : plan.accounts) {
    const NodeId owner = w_.owner(account);
    auto it = std::find_if(shards.begin(), shards.end(),
                           [&](const ShardLock& s) { return s.participant == owner; });
    if (it == shards.end()) it = shards.insert(shards.end(), ShardLock{.participant = owner});
    it->items.push_back(LockItem{account_key(account), !plan.read_all});
  }
  std::sort(shards.begin(), shards.end(),
            [](const ShardLock& a, const ShardLock& b) { return a.participant < b.participant; });
  phase_ = "lock";
  if (!lock_all(ctx, txn, shards)) {
    rollback(ctx, txn, shards);
    return;
  }
  // The values read, per account.
  std::vector<std::int64_t> read(static_cast<std::size_t>(w_.accounts), 0);
  for (const ShardLock& s : shards) {
    for (std::size_t i = 0; i < s.items.size(); ++i) {
      read[static_cast<std::size_t>(account_number(s.items[i].key))] = s.values[i];
    }
  }
  nlohmann::json ops = nlohmann::json::array();
  for (int account : plan.accounts) ops.push_back(micro_op("read", account, read[account]));
  CommitRequest request{txn, false, {}};
  for (const ShardLock& s : shards) request.shards.push_back(Shard{s.participant, s.grant, {}});
  std::int64_t total = 0;
  if (plan.read_all) {
    for (int account : plan.accounts) total += read[account];
  } else {
    const int from = plan.accounts[0];
    const int to = plan.accounts[1];
    const std::int64_t amount = w_.overdraft ? plan.amount : std::min(plan.amount, read[from]);
    const std::pair<int, std::int64_t> writes[] = {{from, read[from] - amount},
                                                   {to, read[to] + amount}};
    FAULTLINE_ASSERT(writes[0].second + writes[1].second == read[from] + read[to],
                     "a transfer moves money; it neither makes nor loses any");
    FAULTLINE_ASSERT(w_.overdraft || writes[0].second >= 0,
                     "without overdrafts a transfer never takes a balance below zero");
    for (const auto& [account, value] : writes) {
      ops.push_back(micro_op("write", account, value));
      for (Shard& s : request.shards) {
        if (s.participant == w_.owner(account)) s.writes.push_back({account_key(account), value});
      }
    }
  }
  phase_ = "commit";
  const sim::OpHandle handle = ctx.invoke("txn", std::nullopt, ops);
  in_use_ = {txn, {}};
  for (const Shard& s : request.shards) in_use_.second.push_back(s.grant);
  const bool committed = await_outcome(ctx, request);
  in_use_ = {};
  ctx.complete(handle, committed ? sim::OpType::ok : sim::OpType::fail, ops);
  ++(committed ? stats_.committed : stats_.aborted);
  if (committed) ++(plan.read_all ? stats_.read_alls_committed : stats_.transfers_committed);
  if (committed && plan.read_all && observer_ != nullptr) {
    observer_->read_all_committed(ctx.self(), txn, total);
  }
}

TxnId BankClient::begin(sim::Context& ctx) {
  const std::uint64_t seq = ++client_seq_;
  for (;;) {
    ctx.send(coordinator(), Begin{seq});
    const Time deadline = ctx.deadline_after(w_.request_timeout_ns);
    while (std::optional<sim::Envelope> m = ctx.recv_until(deadline, "begin timeout")) {
      const Begun* begun = m->get<Begun>();
      if (begun != nullptr && begun->client_seq == seq) {
        ++stats_.begun;
        return begun->txn;
      }
      handle_stray(ctx, *m);
    }
  }
}

// All locks at once; false on a refusal or when some participant never answered.
bool BankClient::lock_all(sim::Context& ctx, TxnId txn, std::vector<ShardLock>& shards) {
  for (int attempt = 0; attempt < w_.lock_attempts; ++attempt) {
    for (const ShardLock& s : shards) {
      if (!s.granted) ctx.send(s.participant, Lock{txn, s.items});
    }
    const Time deadline = ctx.deadline_after(w_.request_timeout_ns);
    std::size_t pending = 0;
    for (const ShardLock& s : shards) pending += s.granted ? 0 : 1;
    while (pending > 0) {
      std::optional<sim::Envelope> m = ctx.recv_until(deadline, "lock timeout");
      if (!m) break;
      const LockReply* reply = m->get<LockReply>();
      auto it = std::find_if(shards.begin(), shards.end(),
                             [&](const ShardLock& s) { return s.participant == m->from; });
      if (reply == nullptr || reply->txn != txn || it == shards.end()) {
        handle_stray(ctx, *m);
        continue;
      }
      if (!reply->granted) {
        ++stats_.lock_refused;
        return false;
      }
      if (it->granted) continue;  // a duplicated reply
      FAULTLINE_ASSERT(reply->values.size() == it->items.size(),
                       "a granted lock reads every key it locks");
      it->granted = true;
      it->grant = reply->grant;
      it->values = reply->values;
      --pending;
    }
    if (pending == 0) return true;
  }
  ++stats_.lock_timeouts;
  return false;
}

void BankClient::rollback(sim::Context& ctx, TxnId txn, const std::vector<ShardLock>& shards) {
  ctx.send(coordinator(), CommitRequest{txn, true, {}});
  for (const ShardLock& s : shards) {
    if (s.granted) ctx.send(s.participant, Release{txn, s.grant});
  }
}

bool BankClient::await_outcome(sim::Context& ctx, const CommitRequest& request) {
  for (bool first = true;; first = false) {
    if (!first) ++stats_.commit_resends;
    ctx.send(coordinator(), request);
    const Time deadline = ctx.deadline_after(w_.request_timeout_ns);
    while (std::optional<sim::Envelope> m = ctx.recv_until(deadline, "outcome timeout")) {
      const Outcome* outcome = m->get<Outcome>();
      if (outcome == nullptr || outcome->txn != request.txn) {
        handle_stray(ctx, *m);
        continue;
      }
      if (outcome->commit) ctx.send(m->from, OutcomeAck{request.txn});
      return outcome->commit;
    }
  }
}

void BankClient::handle_stray(sim::Context& ctx, const sim::Envelope& m) {
  if (const Outcome* outcome = m.get<Outcome>(); outcome != nullptr && outcome->commit) {
    ctx.send(m.from, OutcomeAck{outcome->txn});  // its first acknowledgement was lost
    return;
  }
  if (const LockReply* reply = m.get<LockReply>(); reply != nullptr && reply->granted) {
    const auto& [txn, grants] = in_use_;
    if (reply->txn == txn &&
        std::find(grants.begin(), grants.end(), reply->grant) != grants.end()) {
      ctx.ignore(m, "a duplicated grant of the transaction being committed");
      return;
    }
    ctx.send(m.from, Release{reply->txn, reply->grant});  // a grant given after we gave up
    return;
  }
  ctx.ignore(m, "about a transaction this client is no longer running");
}

ClientStats total_client_stats(const sim::Simulation& sim, const std::vector<NodeId>& clients) {
  ClientStats total;
  for (NodeId c : clients) {
    const auto* client = dynamic_cast<const BankClient*>(sim.actor(c));
    if (client == nullptr) continue;
    const ClientStats& s = client->stats();
    total.begun += s.begun;
    total.lock_refused += s.lock_refused;
    total.lock_timeouts += s.lock_timeouts;
    total.committed += s.committed;
    total.aborted += s.aborted;
    total.transfers_committed += s.transfers_committed;
    total.read_alls_committed += s.read_alls_committed;
    total.commit_resends += s.commit_resends;
  }
  return total;
}

}  // namespace faultline::twopc
