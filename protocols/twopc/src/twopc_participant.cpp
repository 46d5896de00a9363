#include "twopc/twopc_participant.hpp"

#include <algorithm>

#include "protocols/explore.hpp"
#include "twopc/twopc_symmetry.hpp"

namespace faultline::twopc {

namespace {

bool has_key(const std::vector<LockItem>& items, std::string_view key, bool exclusive) {
  return std::any_of(items.begin(), items.end(), [&](const LockItem& i) {
    return i.key == key && (i.exclusive || !exclusive);
  });
}

}  // namespace

Participant::Participant(ParticipantConfig config, const Stored<ParticipantRecord>& stored,
                         Time now)
    : cfg_(std::move(config)) {
  FAULTLINE_ASSERT(stored.epoch < kMaxEpoch, "a participant's epoch fits its 24 bits");
  // A new epoch before anything is granted: grants of an earlier incarnation (whose
  // working state the crash destroyed) can never match a grant of this one.
  epoch_ = stored.epoch + 1;
  effects_.epoch_dirty = true;
  for (const std::string& key : cfg_.keys) balances_[key] = cfg_.initial_balance;
  apply_stored(stored.records);
  // Recovery (Gray 1978; BHG 7.4): a transaction prepared and undecided is in doubt. It
  // keeps its locks and asks its coordinator at once; it may never decide alone.
  for (auto& [txn, t] : txns_) {
    if (!cfg_.bugs.release_locks_at_prepare) acquire(txn, t.locks);
    t.state = TxnState::in_doubt;
    t.since = now;
    t.deadline = now;
    ++stats_.recovered_in_doubt;
    mark(txn);
  }
}

// Replays the log: a prepared record makes a transaction prepared, its decided record
// applies (commit) or drops (abort) it. Records are a valid prefix in append order.
void Participant::apply_stored(const std::vector<ParticipantRecord>& records) {
  for (const ParticipantRecord& r : records) {
    if (r.kind == ParticipantRecord::Kind::prepared) {
      ++prepared_records_;
      Txn t;
      t.state = TxnState::prepared;
      t.grant = r.grant;
      t.locks = r.locks;
      t.writes = r.writes;
      t.coordinator = r.coordinator;
      t.participants = r.participants;
      txns_[r.txn] = std::move(t);
      continue;
    }
    ++decided_records_;
    auto it = txns_.find(r.txn);
    // A decided record follows its prepared record — unless a prepared record was lost
    // (only the planted bug forget-prepared votes on one that is not durable). Skipped,
    // the loss shows where it should: the ledger and the durability check see a
    // restart without a prepared record the node had voted on.
    if (it == txns_.end()) continue;
    if (r.commit) {
      for (const Write& w : it->second.writes) balances_.at(w.key) = w.value;
    }
    decided_[r.txn] = r.commit;
    txns_.erase(it);
  }
}

std::string_view Participant::step(Time now, const sim::Envelope& e) {
  if (const auto* m = e.get<Lock>()) return on_lock(now, e.from, *m);
  if (const auto* m = e.get<Prepare>()) return on_prepare(now, e.from, *m);
  if (const auto* m = e.get<Decision>()) return on_decision(now, e.from, *m);
  if (const auto* m = e.get<Release>()) return on_release(now, e.from, *m);
  if (const auto* m = e.get<PeerInquiry>()) return on_peer_inquiry(now, e.from, *m);
  if (const auto* m = e.get<PeerAnswer>()) return on_peer_answer(now, e.from, *m);
  return "not a participant's message";
}

// Strict two-phase locking with no waiting (BHG 3.2, and 3.7's no-waiting deadlock
// prevention): every lock a transaction needs is taken at once, or none and the request
// is refused; the values are read under the locks. A retried request gets the same grant.
std::string_view Participant::on_lock(Time now, NodeId from, const Lock& m) {
  if (decided_.count(m.txn) > 0) return "the transaction is already decided here";
  if (auto it = txns_.find(m.txn); it != txns_.end()) {
    if (it->second.state != TxnState::working) return "the transaction is already prepared here";
    if (it->second.locks != m.items) return "a different lock request for a working transaction";
    reply_granted(from, m.txn, it->second);
    return {};
  }
  FAULTLINE_ASSERT(!m.items.empty(), "a lock request names at least one key");
  for (const LockItem& item : m.items) {
    FAULTLINE_ASSERT(balances_.count(item.key) > 0, "clients lock only keys this participant owns");
  }
  if (const std::optional<TxnId> holder = conflict(m.items)) {
    ++stats_.locks_refused;
    send(from, LockReply{m.txn, false, 0, {}, *holder});
    return {};
  }
  become_working(now, m.txn, m.items);
  reply_granted(from, m.txn, txns_.at(m.txn));
  return {};
}

std::string_view Participant::on_release(Time /*now*/, NodeId /*from*/, const Release& m) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end() || it->second.state != TxnState::working || it->second.grant != m.grant) {
    return "no working transaction with this grant";
  }
  drop_working(m.txn);
  return {};
}

// Phase 1 (Gray 1978; BHG 7.4): vote yes only for the working state the client was
// granted — its locks held since the values were read — and only once the prepared record
// with the writes is durable (the driver syncs it before the vote leaves). Any other
// working state of the transaction (a stale Lock made it after the granted one was given
// up) means the reads may be stale: vote no.
std::string_view Participant::on_prepare(Time now, NodeId from, const Prepare& m) {
  if (auto d = decided_.find(m.txn); d != decided_.end()) {
    vote(from, m.txn, d->second);  // a resent prepare after the decision: the same answer
    return {};
  }
  auto it = txns_.find(m.txn);
  if (it != txns_.end() && it->second.state != TxnState::working) {
    FAULTLINE_ASSERT(it->second.grant == m.grant, "a transaction is prepared for one grant");
    vote(from, m.txn, true);  // a resent prepare: the same vote
    return {};
  }
  if (it == txns_.end() || it->second.grant != m.grant) {
    if (it != txns_.end()) drop_working(m.txn);
    vote(from, m.txn, false);
    return {};
  }
  for (const Write& w : m.writes) {
    FAULTLINE_ASSERT(has_key(it->second.locks, w.key, true),
                     "a transaction writes only keys it locked exclusively");
  }
  become_prepared(now, m.txn, from, m);
  vote(from, m.txn, true);
  return {};
}

// Phase 2: the coordinator's decision, applied and logged; a commit is acknowledged once
// its decided record is durable (presumed abort: aborts are not acknowledged).
std::string_view Participant::on_decision(Time now, NodeId from, const Decision& m) {
  auto it = txns_.find(m.txn);
  if (it != txns_.end() && it->second.state != TxnState::working) {
    become_decided(now, m.txn, m.commit);
    if (m.commit) send(from, DecisionAck{m.txn});
    return {};
  }
  if (auto d = decided_.find(m.txn); d != decided_.end()) {
    // A presumed abort answering a stale inquiry about a commit the coordinator forgot.
    if (d->second != m.commit) return "contradicts the decision taken here";
    if (m.commit) send(from, DecisionAck{m.txn});  // a resent decision: acknowledge again
    return {};
  }
  if (it == txns_.end()) return "a decision about a transaction not prepared here";
  if (m.commit) return "commit for a transaction not prepared here";
  drop_working(m.txn);
  return {};
}

// Cooperative termination (BHG 7.4): an in-doubt peer asks. A participant that knows the
// decision tells it; one that has not voted yes may abort alone and says so — it will
// then vote no, since its grant is gone; one that is in doubt itself cannot help.
std::string_view Participant::on_peer_inquiry(Time /*now*/, NodeId from, const PeerInquiry& m) {
  if (auto d = decided_.find(m.txn); d != decided_.end()) {
    send(from, PeerAnswer{m.txn, d->second});
    return {};
  }
  auto it = txns_.find(m.txn);
  if (it != txns_.end() && it->second.state != TxnState::working) return "in doubt itself";
  if (it != txns_.end()) drop_working(m.txn);
  send(from, PeerAnswer{m.txn, false});
  return {};
}

std::string_view Participant::on_peer_answer(Time now, NodeId /*from*/, const PeerAnswer& m) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end() || it->second.state == TxnState::working) {
    return "not in doubt about this transaction";
  }
  const NodeId coordinator = it->second.coordinator;
  become_decided(now, m.txn, m.commit);
  effects_.reports.back().by_peer = true;
  ++stats_.peer_decisions;
  if (m.commit) send(coordinator, DecisionAck{m.txn});
  return {};
}

// Working transactions past their deadline are given up (nothing was promised); prepared
// ones ask their coordinator (and, cooperatively, their peers) until they hear.
void Participant::tick(Time now) {
  std::vector<TxnId> due;
  for (const auto& [txn, t] : txns_) {
    if (t.deadline <= now) due.push_back(txn);
  }
  for (TxnId txn : due) {
    Txn& t = txns_.at(txn);
    if (t.state == TxnState::working) {
      ++stats_.working_timeouts;
      drop_working(txn);
    } else if (cfg_.bugs.unilateral_abort_after_yes && now - t.since >= cfg_.working_timeout_ns) {
      // Planted bug: a prepared participant treats its promise like a working lock.
      ++stats_.unilateral_aborts;
      become_decided(now, txn, false);
    } else {
      inquire(now, txn, t);
    }
  }
}

Time Participant::next_deadline() const {
  Time next = sim::kTimeNever;
  for (const auto& [txn, t] : txns_) next = std::min(next, t.deadline);
  return next;
}

std::string_view Participant::next_deadline_name() const {
  const Txn* first = nullptr;
  for (const auto& [txn, t] : txns_) {
    if (first == nullptr || t.deadline < first->deadline) first = &t;
  }
  if (first == nullptr) return {};
  return first->state == TxnState::working ? "working timeout" : "in-doubt inquiry";
}

// ---------------------------------------------------------------- state changes

void Participant::become_working(Time now, TxnId txn, std::vector<LockItem> items) {
  FAULTLINE_ASSERT(txns_.count(txn) == 0, "a transaction starts working once per grant");
  FAULTLINE_ASSERT(next_grant_ < 0xFFFFFFFFu, "a participant's grants fit their counter");
  Txn t;
  t.state = TxnState::working;
  t.grant = make_grant(epoch_, next_grant_++);
  t.locks = std::move(items);
  t.since = now;
  t.deadline = now + cfg_.working_timeout_ns;
  acquire(txn, t.locks);
  txns_[txn] = std::move(t);
  ++stats_.locks_granted;
  mark(txn);
}

void Participant::become_prepared(Time now, TxnId txn, NodeId coordinator, const Prepare& m) {
  Txn& t = txns_.at(txn);
  FAULTLINE_ASSERT(t.state == TxnState::working, "only a working transaction prepares");
  t.state = TxnState::prepared;
  t.writes = m.writes;
  t.coordinator = coordinator;
  t.participants = m.participants;
  t.since = now;
  t.deadline = now + cfg_.retry_ns;
  effects_.records.push_back(ParticipantRecord{.kind = ParticipantRecord::Kind::prepared,
                                               .txn = txn,
                                               .coordinator = coordinator,
                                               .grant = t.grant,
                                               .participants = t.participants,
                                               .locks = t.locks,
                                               .writes = t.writes});
  ++prepared_records_;
  // Planted bug: the locks go with the vote, long before the decision.
  if (cfg_.bugs.release_locks_at_prepare) release(txn, t.locks);
  mark(txn);
}

void Participant::become_in_doubt(Time /*now*/, TxnId txn) {
  Txn& t = txns_.at(txn);
  FAULTLINE_ASSERT(t.state == TxnState::prepared || t.state == TxnState::in_doubt,
                   "only a prepared transaction is in doubt");
  if (t.state == TxnState::in_doubt) return;
  t.state = TxnState::in_doubt;
  mark(txn);
}

void Participant::become_decided(Time /*now*/, TxnId txn, bool commit) {
  auto it = txns_.find(txn);
  FAULTLINE_ASSERT(it != txns_.end() && it->second.state != TxnState::working,
                   "only a prepared transaction is decided");
  FAULTLINE_ASSERT(decided_.count(txn) == 0, "a transaction is decided once");
  Txn& t = it->second;
  if (commit) {
    for (const Write& w : t.writes) balances_.at(w.key) = w.value;
  }
  release(txn, t.locks);
  effects_.records.push_back(
      ParticipantRecord{.kind = ParticipantRecord::Kind::decided, .txn = txn, .commit = commit});
  ++decided_records_;
  decided_[txn] = commit;
  effects_.reports.push_back(
      Report{.kind = Report::Kind::decided, .txn = txn, .flag = commit, .logged = true});
  ++(commit ? stats_.committed : stats_.aborted);
  txns_.erase(it);
  mark(txn);
}

void Participant::drop_working(TxnId txn) {
  auto it = txns_.find(txn);
  FAULTLINE_ASSERT(it != txns_.end() && it->second.state == TxnState::working,
                   "only a working transaction is given up alone");
  release(txn, it->second.locks);
  effects_.reports.push_back(
      Report{.kind = Report::Kind::decided, .txn = txn, .flag = false, .logged = false});
  txns_.erase(it);
  mark(txn);
}

// ---------------------------------------------------------------- helpers

std::optional<TxnId> Participant::conflict(const std::vector<LockItem>& items) const {
  for (const LockItem& item : items) {
    auto it = locks_.find(item.key);
    if (it == locks_.end()) continue;
    if (it->second.exclusive.valid()) return it->second.exclusive;
    if (item.exclusive && !it->second.shared.empty()) return it->second.shared.front();
  }
  return std::nullopt;
}

void Participant::acquire(TxnId txn, const std::vector<LockItem>& items) {
  for (const LockItem& item : items) {
    LockEntry& e = locks_[item.key];
    FAULTLINE_ASSERT(!e.exclusive.valid(), "an exclusive lock has one holder");
    if (item.exclusive) {
      FAULTLINE_ASSERT(e.shared.empty(), "an exclusive lock excludes shared ones");
      e.exclusive = txn;
    } else {
      e.shared.push_back(txn);
    }
  }
  locks_changed_ = true;
}

void Participant::release(TxnId txn, const std::vector<LockItem>& items) {
  for (const LockItem& item : items) {
    auto it = locks_.find(item.key);
    if (it == locks_.end()) continue;  // released already (release-locks-at-prepare)
    LockEntry& e = it->second;
    if (e.exclusive == txn) e.exclusive = TxnId{};
    e.shared.erase(std::remove(e.shared.begin(), e.shared.end(), txn), e.shared.end());
    if (!e.exclusive.valid() && e.shared.empty()) locks_.erase(it);
  }
  locks_changed_ = true;
}

void Participant::reply_granted(NodeId to, TxnId txn, const Txn& t) {
  LockReply reply{txn, true, t.grant, {}, {}};
  for (const LockItem& item : t.locks) reply.values.push_back(balances_.at(item.key));
  send(to, std::move(reply));
}

void Participant::vote(NodeId coordinator, TxnId txn, bool yes) {
  send(coordinator, Vote{txn, yes});
  Report r{.kind = Report::Kind::voted, .txn = txn, .flag = yes};
  if (auto it = txns_.find(txn); yes && it != txns_.end()) r.writes = it->second.writes;
  effects_.reports.push_back(std::move(r));
  ++(yes ? stats_.votes_yes : stats_.votes_no);
}

void Participant::inquire(Time now, TxnId txn, Txn& t) {
  become_in_doubt(now, txn);
  send(t.coordinator, Inquiry{txn});
  if (cfg_.cooperative) {
    for (NodeId peer : t.participants) {
      if (peer != cfg_.id) send(peer, PeerInquiry{txn});
    }
  }
  t.deadline = now + cfg_.retry_ns;
  ++stats_.inquiries;
}

void Participant::mark(TxnId txn) {
  if (changed_.empty() || changed_.back() != txn) changed_.push_back(txn);
}

std::vector<TxnId> Participant::take_changed() {
  std::vector<TxnId> out;
  out.swap(changed_);
  return out;
}

std::string Participant::locks_text() const {
  std::string text;
  for (const auto& [key, e] : locks_) {
    text += (text.empty() ? "" : " ") + key + (e.exclusive.valid() ? "=x:" : "=s:");
    if (e.exclusive.valid()) text += e.exclusive.text();
    for (std::size_t i = 0; i < e.shared.size(); ++i) {
      text += (i == 0 ? "" : ",") + e.shared[i].text();
    }
  }
  return text;
}

std::uint64_t Participant::fingerprint() const {
  Fingerprint f;
  f.u64(epoch_).u64(next_grant_);
  for (const auto& [key, value] : balances_) f.str(key).i64(value);
  for (const auto& [key, e] : locks_) {
    f.str(key).u64(e.exclusive.value).u64(e.shared.size());
    for (TxnId s : e.shared) f.u64(s.value);
  }
  for (const auto& [txn, t] : txns_) {
    f.u64(txn.value).u64(static_cast<std::uint64_t>(t.state)).u64(t.grant).u64(t.coordinator);
    for (const LockItem& l : t.locks) f.str(l.key).u64(l.exclusive ? 1 : 0);
    for (const Write& w : t.writes) f.str(w.key).i64(w.value);
    for (NodeId p : t.participants) f.u64(p);
  }
  for (const auto& [txn, commit] : decided_) f.u64(txn.value).u64(commit ? 1 : 0);
  return f.value();
}

// Balances and locks are sums over the accounts: key order ("a10" < "a2") is not the
// accounts' order, which a renaming keeps.
std::uint64_t Participant::symmetric_fingerprint(const SymmetricParts& names) const {
  Fingerprint f;
  f.u64(epoch_).u64(next_grant_);
  std::uint64_t balances = 0;
  for (const auto& [key, value] : balances_) {
    balances += protocols::explore_element(Fingerprint{}.u64(names.account(cfg_.id, key)).i64(value).value());
  }
  f.u64(balances_.size()).u64(balances);
  std::uint64_t locks = 0;
  for (const auto& [key, e] : locks_) {
    Fingerprint l;
    l.u64(names.account(cfg_.id, key)).u64(e.exclusive.value).u64(e.shared.size());
    for (TxnId s : e.shared) l.u64(s.value);
    locks += protocols::explore_element(l.value());
  }
  f.u64(locks_.size()).u64(locks);
  for (const auto& [txn, t] : txns_) {
    f.u64(txn.value).u64(static_cast<std::uint64_t>(t.state)).u64(t.grant).u64(t.coordinator);
    f.u64(t.locks.size());
    for (const LockItem& l : t.locks) f.u64(names.account(cfg_.id, l.key)).u64(l.exclusive ? 1 : 0);
    f.u64(t.writes.size());
    for (const Write& w : t.writes) f.u64(names.account(cfg_.id, w.key)).i64(w.value);
    f.u64(names.all(t.participants));
  }
  f.u64(decided_.size());
  for (const auto& [txn, commit] : decided_) f.u64(txn.value).u64(commit ? 1 : 0);
  return f.value();
}

}  // namespace faultline::twopc
