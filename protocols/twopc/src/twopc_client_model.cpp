// BankClient as a state machine (twopc_client_model.hpp). Each function names the part
// of BankClient (twopc_client.cpp) it stands for; the order of sends, history records and
// deadlines is the fiber's.
#include "twopc_client_model.hpp"

#include <algorithm>

#include "protocols/explore.hpp"
#include "twopc/twopc_symmetry.hpp"
#include "twopc/twopc_types.hpp"

namespace faultline::twopc {
namespace {

// Context::deadline_after.
Time after(Time now, Duration d) {
  if (d == sim::kTimeNever) return sim::kTimeNever;
  return now > 0 && d >= sim::kTimeNever - now ? sim::kTimeNever : now + d;  // now < 0: no overflow
}

// Context::random_between(lo, hi) with random(n) = n - 1, as explore mode draws it.
Duration largest_between(Duration lo, Duration hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi - lo);
  FAULTLINE_ASSERT(span < 0xffffffffULL, "a client's pause fits the narrow range of random_between");
  return lo + static_cast<Duration>(span);
}

}  // namespace

ClientModel::ClientModel(BankWorkload workload, int index) : w_(std::move(workload)), index_(index) {
  FAULTLINE_ASSERT(!w_.coordinators.empty() && !w_.participants.empty() && w_.accounts > 0,
                   "a bank has a coordinator, a participant and an account");
}

// run(): a fresh node's sequence numbers start at 0 (incarnation 0), then the first pause.
void ClientModel::start(Time now) {
  client_seq_ = 0;
  think(now);
}

// The loop of run(): pause before the next transaction, or, when all are done, receive
// forever (handle_stray).
void ClientModel::think(Time now) {
  shards_.clear();
  txn_ = TxnId{};
  attempt_ = 0;
  pending_ = 0;
  request_ = CommitRequest{};
  ops_ = nullptr;
  total_ = 0;
  accounts_.clear();
  if (w_.txns == 0 || done_ < w_.txns) {
    wait_ = Wait::sleep;
    deadline_ = after(now, largest_between(0, w_.think_max_ns));
    return;
  }
  wait_ = Wait::idle;
  deadline_ = sim::kTimeNever;
  drain_mailbox(now);
}

void ClientModel::wake(Time now) {
  switch (wait_) {
    case Wait::sleep:
      begin_txn(now);
      drain_mailbox(now);
      return;
    case Wait::begin:
      send_begin(now);  // begin(): the same Begin again
      return;
    case Wait::lock:
      lock_timeout(now);
      return;
    case Wait::outcome:
      send_request(now);  // await_outcome(): the same request again
      return;
    case Wait::idle:
      break;
  }
  FAULTLINE_ASSERT(false, "a client waiting without a deadline is not woken by one");
}

void ClientModel::deliver(Time now, sim::Envelope m) {
  if (wait_ == Wait::sleep) {
    mailbox_.push_back(std::move(m));  // received after the pause, in order
    return;
  }
  FAULTLINE_ASSERT(mailbox_.empty(), "a client in a receive has no queued message");
  receive(now, m);
}

void ClientModel::drain_mailbox(Time now) {
  while (!mailbox_.empty() && wait_ != Wait::sleep) {
    const sim::Envelope m = std::move(mailbox_.front());
    mailbox_.erase(mailbox_.begin());
    receive(now, m);
  }
}

void ClientModel::receive(Time now, const sim::Envelope& m) {
  switch (wait_) {
    case Wait::begin:
      if (const Begun* begun = m.get<Begun>(); begun != nullptr && begun->client_seq == seq_) {
        txn_ = begun->txn;
        start_locks(now);
        return;
      }
      return handle_stray(m);
    case Wait::lock:
      return on_lock_reply(now, m);
    case Wait::outcome:
      if (const Outcome* outcome = m.get<Outcome>(); outcome != nullptr && outcome->txn == request_.txn) {
        return on_outcome(now, *outcome, m.from);
      }
      return handle_stray(m);
    case Wait::idle:
      return handle_stray(m);
    case Wait::sleep:
      break;
  }
  FAULTLINE_ASSERT(false, "a sleeping client receives nothing");
}

// run_one(): the same plan, drawn with random(n) = n - 1 (explore mode), then begin().
void ClientModel::begin_txn(Time now) {
  TxnPlan plan = draw_txn_plan(w_, [](std::uint64_t n) { return n - 1; });
  read_all_ = plan.read_all;
  accounts_ = std::move(plan.accounts);
  if (!read_all_) amount_ = plan.amount;
  seq_ = ++client_seq_;
  send_begin(now);
}

void ClientModel::send_begin(Time now) {
  send(coordinator(), Begin{seq_});
  wait_ = Wait::begin;
  deadline_ = after(now, w_.request_timeout_ns);
}

// run_one(): one lock request per participant touched, in participant order.
void ClientModel::start_locks(Time now) {
  shards_.clear();
  for (int account : accounts_) {
    const NodeId owner = w_.owner(account);
    auto it = std::find_if(shards_.begin(), shards_.end(),
                           [&](const ShardLock& s) { return s.participant == owner; });
    if (it == shards_.end()) it = shards_.insert(shards_.end(), ShardLock{.participant = owner});
    it->items.push_back(LockItem{account_key(account), !read_all_});
  }
  std::sort(shards_.begin(), shards_.end(),
            [](const ShardLock& a, const ShardLock& b) { return a.participant < b.participant; });
  attempt_ = 0;
  send_locks(now);
}

// lock_all(): one attempt.
void ClientModel::send_locks(Time now) {
  for (const ShardLock& s : shards_) {
    if (!s.granted) send(s.participant, Lock{txn_, s.items});
  }
  deadline_ = after(now, w_.request_timeout_ns);
  pending_ = 0;
  for (const ShardLock& s : shards_) pending_ += s.granted ? 0 : 1;
  FAULTLINE_ASSERT(pending_ > 0, "an attempt asks at least one participant");
  wait_ = Wait::lock;
}

void ClientModel::on_lock_reply(Time now, const sim::Envelope& m) {
  const LockReply* reply = m.get<LockReply>();
  auto it = std::find_if(shards_.begin(), shards_.end(),
                         [&](const ShardLock& s) { return s.participant == m.from; });
  if (reply == nullptr || reply->txn != txn_ || it == shards_.end()) return handle_stray(m);
  if (!reply->granted) return rollback(now);
  if (it->granted) return;  // a duplicated reply
  FAULTLINE_ASSERT(reply->values.size() == it->items.size(), "a granted lock reads every key it locks");
  it->granted = true;
  it->grant = reply->grant;
  it->values = reply->values;
  if (--pending_ == 0) commit(now);
}

// lock_all(): the attempt's deadline passed with participants silent.
void ClientModel::lock_timeout(Time now) {
  FAULTLINE_ASSERT(pending_ > 0, "a lock attempt times out only while waiting");
  if (++attempt_ < w_.lock_attempts) return send_locks(now);
  rollback(now);
}

// rollback(), and the end of run_one().
void ClientModel::rollback(Time now) {
  send(coordinator(), CommitRequest{txn_, true, {}});
  for (const ShardLock& s : shards_) {
    if (s.granted) send(s.participant, Release{txn_, s.grant});
  }
  ++done_;
  think(now);
}

// run_one() after lock_all(): the reads, the writes, the invocation, then await_outcome().
void ClientModel::commit(Time now) {
  std::vector<std::int64_t> read(static_cast<std::size_t>(w_.accounts), 0);
  for (const ShardLock& s : shards_) {
    for (std::size_t i = 0; i < s.items.size(); ++i) {
      read[static_cast<std::size_t>(account_number(s.items[i].key))] = s.values[i];
    }
  }
  ops_ = nlohmann::json::array();
  for (int account : accounts_) ops_.push_back(micro_op("read", account, read[account]));
  request_ = CommitRequest{txn_, false, {}};
  for (const ShardLock& s : shards_) request_.shards.push_back(Shard{s.participant, s.grant, {}});
  total_ = 0;
  if (read_all_) {
    for (int account : accounts_) total_ += read[account];
  } else {
    const int from = accounts_[0];
    const int to = accounts_[1];
    const std::int64_t amount = w_.overdraft ? amount_ : std::min(amount_, read[from]);
    const std::pair<int, std::int64_t> writes[] = {{from, read[from] - amount}, {to, read[to] + amount}};
    for (const auto& [account, value] : writes) {
      ops_.push_back(micro_op("write", account, value));
      for (Shard& s : request_.shards) {
        if (s.participant == w_.owner(account)) s.writes.push_back({account_key(account), value});
      }
    }
  }
  effects_.history.push_back(ClientEffects::Op{true, sim::OpType::invoke, ops_});
  in_use_ = {txn_, {}};
  for (const Shard& s : request_.shards) in_use_.second.push_back(s.grant);
  send_request(now);
}

void ClientModel::send_request(Time now) {
  send(coordinator(), request_);
  wait_ = Wait::outcome;
  deadline_ = after(now, w_.request_timeout_ns);
}

void ClientModel::on_outcome(Time now, const Outcome& outcome, NodeId from) {
  if (outcome.commit) send(from, OutcomeAck{request_.txn});
  in_use_ = {};
  effects_.history.push_back(
      ClientEffects::Op{false, outcome.commit ? sim::OpType::ok : sim::OpType::fail, ops_});
  if (outcome.commit && read_all_) effects_.read_all = std::make_pair(txn_, total_);
  ++done_;
  think(now);
}

void ClientModel::handle_stray(const sim::Envelope& m) {
  if (const Outcome* outcome = m.get<Outcome>(); outcome != nullptr && outcome->commit) {
    send(m.from, OutcomeAck{outcome->txn});
    return;
  }
  if (const LockReply* reply = m.get<LockReply>(); reply != nullptr && reply->granted) {
    const auto& [txn, grants] = in_use_;
    if (reply->txn == txn && std::find(grants.begin(), grants.end(), reply->grant) != grants.end()) {
      return;  // a duplicated grant of the transaction being committed
    }
    send(m.from, Release{reply->txn, reply->grant});
  }
}

std::uint64_t ClientModel::fingerprint(Time local) const {
  Fingerprint f;
  f.u64(static_cast<std::uint64_t>(wait_));
  f.u64(deadline_ == sim::kTimeNever ? ~0ULL : static_cast<std::uint64_t>(deadline_ - local));
  f.u64(static_cast<std::uint64_t>(done_)).u64(client_seq_).u64(seq_).u64(txn_.value);
  f.u64(read_all_ ? 1 : 0).u64(static_cast<std::uint64_t>(attempt_)).u64(pending_);
  for (int a : accounts_) f.u64(static_cast<std::uint64_t>(a));
  for (const ShardLock& s : shards_) {
    f.u64(s.participant).u64(s.granted ? 1 : 0).u64(s.grant).u64(s.values.size());
    for (std::int64_t v : s.values) f.i64(v);
  }
  f.u64(in_use_.first.value).u64(in_use_.second.size());
  for (Grant g : in_use_.second) f.u64(g);
  f.u64(mailbox_.size());
  for (const sim::Envelope& m : mailbox_) f.u64(m.from).u64(sim::message_content_hash(m.payload));
  return f.value();
}

// A symmetric configuration's transactions read every account, so the plan is "all of
// them" (its order is the accounts', which no renaming changes); the grants in use are
// asked only whether they hold a grant, so they are a multiset; a shard and a message in
// the mailbox go to their participant's part, the message with its place in the mailbox.
void ClientModel::symmetric_fingerprint(Time local, SymmetricParts& parts) const {
  constexpr std::uint64_t kShard = 0x61, kMailbox = 0x62;
  Fingerprint& f = parts.rest();
  f.u64(static_cast<std::uint64_t>(wait_));
  f.u64(deadline_ == sim::kTimeNever ? ~0ULL : static_cast<std::uint64_t>(deadline_ - local));
  f.u64(static_cast<std::uint64_t>(done_)).u64(client_seq_).u64(seq_).u64(txn_.value);
  f.u64(read_all_ ? 1 : 0).u64(static_cast<std::uint64_t>(attempt_)).u64(pending_);
  FAULTLINE_ASSERT(
      accounts_.empty() || (read_all_ && accounts_.size() == static_cast<std::size_t>(w_.accounts)),
      "a symmetric configuration's transactions read every account");
  f.u64(accounts_.size()).u64(shards_.size());
  for (const ShardLock& s : shards_) {
    Fingerprint& g = parts.part(s.participant);
    g.u64(kShard).u64(static_cast<std::uint64_t>(index_)).u64(s.items.size());
    for (const LockItem& i : s.items) g.u64(parts.account(s.participant, i.key)).u64(i.exclusive ? 1 : 0);
    g.u64(s.granted ? 1 : 0).u64(s.grant).u64(s.values.size());
    for (std::int64_t v : s.values) g.i64(v);
  }
  std::uint64_t in_use = 0;  // a multiset: the sum of its elements
  for (Grant g : in_use_.second) in_use += protocols::explore_element(g);
  f.u64(in_use_.first.value).u64(in_use_.second.size()).u64(in_use);
  f.u64(mailbox_.size());
  for (std::size_t k = 0; k < mailbox_.size(); ++k) {
    const sim::Envelope& m = mailbox_[k];
    const std::uint64_t content = sim::message_content_hash(m.payload);
    if (!parts.is_participant(m.from)) {
      f.u64(k).u64(m.from).u64(content);
      continue;
    }
    f.u64(k).u64(~0ULL);  // from a participant, whose part says which message
    parts.part(m.from).u64(kMailbox).u64(static_cast<std::uint64_t>(index_)).u64(k);
    parts.part(m.from).u64(symmetric_content(m.payload, content, m.from, parts));
  }
}

}  // namespace faultline::twopc
