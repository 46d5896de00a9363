#include "twopc/twopc_coordinator.hpp"

#include <algorithm>

#include "twopc/twopc_symmetry.hpp"

namespace faultline::twopc {

std::string_view coordinator_phase_name(Coordinator::Phase phase) {
  switch (phase) {
    case Coordinator::Phase::begun:
      return "begun";
    case Coordinator::Phase::preparing:
      return "preparing";
    case Coordinator::Phase::committed:
      return "committed";
  }
  return "?";
}

Coordinator::Coordinator(CoordinatorConfig config, const Stored<CoordinatorRecord>& stored,
                         Time now)
    : cfg_(std::move(config)) {
  FAULTLINE_ASSERT(stored.epoch < kMaxEpoch, "a coordinator's epoch fits its 24 bits");
  FAULTLINE_ASSERT(cfg_.index <= kMaxCoordinators, "a coordinator's index fits its 8 bits");
  // A new epoch, durable before any id of it is handed out (the driver syncs before the
  // first send): ids of earlier incarnations are never allocated again.
  epoch_ = stored.epoch + 1;
  effects_.epoch_dirty = true;
  // Recovery (Gray 1978; Mohan et al. 1986 §2): finish what the log says was decided.
  for (const CoordinatorRecord& r : stored.records) {
    if (r.kind == CoordinatorRecord::Kind::done) {
      txns_.erase(r.txn);
      continue;
    }
    ++commits_made_;
    Txn t;
    t.phase = Phase::committed;
    t.client = r.client;
    t.participants = r.participants;
    t.logged = true;
    t.resend_at = now;
    txns_[r.txn] = std::move(t);
  }
  stats_.recovered_commits = txns_.size();
  for (const auto& [txn, t] : txns_) mark(txn);
}

std::string_view Coordinator::step(Time now, const sim::Envelope& e) {
  if (const auto* m = e.get<Vote>()) return on_vote(now, e.from, *m);
  if (const auto* m = e.get<DecisionAck>()) return on_decision_ack(now, e.from, *m);
  if (const auto* m = e.get<Begin>()) return on_begin(now, e.from, *m);
  if (const auto* m = e.get<CommitRequest>()) return on_commit_request(now, e.from, *m);
  if (const auto* m = e.get<OutcomeAck>()) return on_outcome_ack(now, e.from, *m);
  if (const auto* m = e.get<Inquiry>()) return on_inquiry(now, e.from, *m);
  return "not a coordinator's message";
}

std::string_view Coordinator::on_begin(Time now, NodeId from, const Begin& m) {
  if (auto it = last_begin_.find(from); it != last_begin_.end()) {
    if (m.client_seq < it->second.first) return "an older begin of this client";
    if (m.client_seq == it->second.first) {
      send(from, Begun{m.client_seq, it->second.second});  // a retried begin: the same id
      return {};
    }
  }
  become_begun(now, from, m.client_seq);
  return {};
}

// The client's request to commit (or roll back) what it locked and read. Phase 1 starts
// here; a request about a transaction this coordinator does not hold is answered abort
// (presumed abort), which also answers a client whose coordinator restarted meanwhile.
std::string_view Coordinator::on_commit_request(Time now, NodeId from, const CommitRequest& m) {
  if (const std::string_view why = foreign(m.txn); !why.empty()) return why;
  auto it = txns_.find(m.txn);
  if (it == txns_.end()) {
    if (m.rollback) return "a rollback of a transaction already forgotten";
    ++stats_.presumed_aborts;
    send(from, Outcome{m.txn, false});
    return {};
  }
  Txn& t = it->second;
  if (t.client != from) return "a commit request from another client";
  if (t.phase == Phase::committed) {
    send(from, Outcome{m.txn, true});
    return {};
  }
  if (t.phase == Phase::preparing) return "already preparing";
  if (m.rollback) {
    ++stats_.rollbacks;
    forget(m.txn);
    return {};
  }
  become_preparing(now, m.txn, m.shards);
  return {};
}

// Counts voters, not replies (a duplicated vote is the same participant's).
std::string_view Coordinator::on_vote(Time now, NodeId from, const Vote& m) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end() || it->second.phase != Phase::preparing) {
    return "not collecting votes for this transaction";
  }
  Txn& t = it->second;
  if (!is_participant(t, from)) return "not a participant of this transaction";
  if (!m.yes) {
    ++stats_.aborted_by_no;
    become_decided(now, m.txn, false);
    return {};
  }
  t.yes.add(from);
  mark(m.txn);
  if (t.yes.size() == t.participants.size()) become_decided(now, m.txn, true);
  return {};
}

std::string_view Coordinator::on_decision_ack(Time /*now*/, NodeId from, const DecisionAck& m) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end() || it->second.phase != Phase::committed) {
    return "no commit awaiting acknowledgement";
  }
  if (!is_participant(it->second, from)) return "not a participant of this transaction";
  it->second.acked.add(from);
  mark(m.txn);
  maybe_forget(m.txn, it->second);
  return {};
}

std::string_view Coordinator::on_outcome_ack(Time /*now*/, NodeId from, const OutcomeAck& m) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end() || it->second.phase != Phase::committed) {
    return "no commit awaiting acknowledgement";
  }
  if (it->second.client != from) return "not this transaction's client";
  it->second.client_acked = true;
  maybe_forget(m.txn, it->second);
  return {};
}

// An in-doubt participant asks (Gray 1978's recovery; presumed abort answers what the
// coordinator does not hold).
std::string_view Coordinator::on_inquiry(Time /*now*/, NodeId from, const Inquiry& m) {
  if (const std::string_view why = foreign(m.txn); !why.empty()) return why;
  auto it = txns_.find(m.txn);
  if (it == txns_.end()) {
    ++stats_.presumed_aborts;
    send(from, Decision{m.txn, false});
    return {};
  }
  if (it->second.phase == Phase::committed) {
    send(from, Decision{m.txn, true});
    return {};
  }
  return "not decided yet";
}

void Coordinator::tick(Time now) {
  std::vector<TxnId> due;
  for (const auto& [txn, t] : txns_) {
    if (t.deadline <= now || t.resend_at <= now) due.push_back(txn);
  }
  for (TxnId txn : due) {
    Txn& t = txns_.at(txn);
    if (t.phase == Phase::begun) {
      ++stats_.begin_timeouts;
      forget(txn);
    } else if (t.phase == Phase::preparing && t.deadline <= now) {
      ++stats_.vote_timeouts;
      // Planted bug commit-without-all-votes: missing votes are counted as yes.
      become_decided(now, txn, cfg_.bugs.commit_without_all_votes);
    } else if (t.phase == Phase::preparing) {
      send_prepares(now, txn, t);
    } else {
      send_decisions(now, txn, t);
    }
  }
}

Time Coordinator::next_deadline() const {
  Time next = sim::kTimeNever;
  for (const auto& [txn, t] : txns_) next = std::min({next, t.deadline, t.resend_at});
  return next;
}

std::string_view Coordinator::next_deadline_name() const {
  Time next = sim::kTimeNever;
  std::string_view name;
  for (const auto& [txn, t] : txns_) {
    if (t.deadline < next) {
      next = t.deadline;
      name = t.phase == Phase::begun ? "begin timeout" : "vote timeout";
    }
    if (t.resend_at < next) {
      next = t.resend_at;
      name = t.phase == Phase::preparing ? "resend prepare" : "resend decision";
    }
  }
  return name;
}

// ---------------------------------------------------------------- phase changes

void Coordinator::become_begun(Time now, NodeId client, std::uint64_t client_seq) {
  FAULTLINE_ASSERT(next_seq_ < 0xFFFFFFFFu, "a coordinator's ids fit their counter");
  const TxnId txn = TxnId::make(cfg_.index, epoch_, next_seq_++);
  Txn t;
  t.client = client;
  t.client_seq = client_seq;
  t.deadline = now + cfg_.begin_timeout_ns;
  txns_[txn] = std::move(t);
  last_begin_[client] = {client_seq, txn};
  ++stats_.begun;
  send(client, Begun{client_seq, txn});
  mark(txn);
}

void Coordinator::become_preparing(Time now, TxnId txn, const std::vector<Shard>& shards) {
  Txn& t = txns_.at(txn);
  FAULTLINE_ASSERT(t.phase == Phase::begun, "a transaction prepares once");
  FAULTLINE_ASSERT(!shards.empty(), "a transaction has at least one participant");
  t.phase = Phase::preparing;
  t.shards = shards;
  for (const Shard& s : shards) t.participants.push_back(s.participant);
  std::sort(t.participants.begin(), t.participants.end());
  FAULTLINE_ASSERT(
      std::adjacent_find(t.participants.begin(), t.participants.end()) == t.participants.end(),
      "a transaction has one shard per participant");
  t.deadline = now + cfg_.vote_timeout_ns;
  send_prepares(now, txn, t);
  mark(txn);
}

// The decision (Gray 1978; BHG 7.4): commit only if every participant voted yes. A commit
// is logged before anyone hears it (the driver syncs the record before sending) and resent
// until every participant and the client acknowledged. Presumed abort (Mohan et al. 1986
// §2): an abort is neither logged nor acknowledged — told once to every participant, so
// that they release their locks at once; whoever asks later is told abort.
void Coordinator::become_decided(Time now, TxnId txn, bool commit) {
  Txn& t = txns_.at(txn);
  FAULTLINE_ASSERT(t.phase == Phase::preparing, "a transaction is decided once");
  FAULTLINE_ASSERT(
      !commit || t.yes.size() == t.participants.size() || cfg_.bugs.commit_without_all_votes,
      "a commit needs every participant's yes vote");
  effects_.reports.push_back(Report{.kind = Report::Kind::coordinator_decided,
                                    .txn = txn,
                                    .flag = commit,
                                    .participants = t.participants});
  if (!commit) {
    for (NodeId p : t.participants) send(p, Decision{txn, false});
    send(t.client, Outcome{txn, false});
    ++stats_.aborted;
    forget(txn);
    return;
  }
  // Planted bug forget-decision: the decision lives in memory only.
  if (!cfg_.bugs.forget_decision) {
    effects_.records.push_back(CoordinatorRecord{.kind = CoordinatorRecord::Kind::commit,
                                                 .txn = txn,
                                                 .client = t.client,
                                                 .participants = t.participants});
    t.logged = true;
  }
  ++commits_made_;
  ++stats_.committed;
  t.phase = Phase::committed;
  t.deadline = sim::kTimeNever;
  t.shards.clear();
  send_decisions(now, txn, t);
  mark(txn);
}

void Coordinator::forget(TxnId txn) {
  FAULTLINE_ASSERT(txns_.count(txn) == 1, "only a held transaction is forgotten");
  txns_.erase(txn);
  mark(txn);
}

// ---------------------------------------------------------------- helpers

std::string_view Coordinator::foreign(TxnId txn) const {
  if (txn.coordinator() != cfg_.index) return "another coordinator's transaction";
  if (txn.epoch() > epoch_ || (txn.epoch() == epoch_ && txn.seq() >= next_seq_)) {
    return "a transaction this coordinator never began";
  }
  return {};
}

void Coordinator::send_prepares(Time now, TxnId txn, Txn& t) {
  for (const Shard& s : t.shards) {
    if (t.yes.contains(s.participant)) continue;
    send(s.participant, Prepare{txn, s.grant, s.writes, t.participants});
  }
  t.resend_at = now + cfg_.retry_ns;
}

void Coordinator::send_decisions(Time now, TxnId txn, Txn& t) {
  for (NodeId p : t.participants) {
    if (!t.acked.contains(p)) send(p, Decision{txn, true});
  }
  if (!t.client_acked) send(t.client, Outcome{txn, true});
  t.resend_at = now + cfg_.retry_ns;
}

// Every participant has the commit durably and the client knows it: nobody will ask
// again, so the coordinator may forget it (a done record; presumed abort answers after).
void Coordinator::maybe_forget(TxnId txn, Txn& t) {
  if (t.acked.size() < t.participants.size() || !t.client_acked) return;
  if (t.logged) {
    effects_.records.push_back(
        CoordinatorRecord{.kind = CoordinatorRecord::Kind::done, .txn = txn});
  }
  effects_.reports.push_back(Report{.kind = Report::Kind::forgotten, .txn = txn});
  ++stats_.forgotten;
  forget(txn);
}

bool Coordinator::is_participant(const Txn& t, NodeId node) const {
  return std::binary_search(t.participants.begin(), t.participants.end(), node);
}

void Coordinator::mark(TxnId txn) {
  if (changed_.empty() || changed_.back() != txn) changed_.push_back(txn);
}

std::vector<TxnId> Coordinator::take_changed() {
  std::vector<TxnId> out;
  out.swap(changed_);
  return out;
}

std::uint64_t Coordinator::fingerprint() const {
  Fingerprint f;
  f.u64(epoch_).u64(next_seq_).u64(commits_made_);
  for (const auto& [txn, t] : txns_) {
    f.u64(txn.value).u64(static_cast<std::uint64_t>(t.phase)).u64(t.client).u64(t.client_seq);
    f.u64(t.client_acked ? 1 : 0).u64(t.logged ? 1 : 0);
    for (NodeId p : t.participants) {
      f.u64(p).u64(t.yes.contains(p) ? 1 : 0).u64(t.acked.contains(p) ? 1 : 0);
    }
    for (const Shard& s : t.shards) {
      f.u64(s.participant).u64(s.grant);
      for (const Write& w : s.writes) f.str(w.key).i64(w.value);
    }
  }
  for (const auto& [client, begin] : last_begin_) {
    f.u64(client).u64(begin.first).u64(begin.second.value);
  }
  return f.value();
}

void Coordinator::symmetric_fingerprint(SymmetricParts& parts) const {
  // A tag per kind of word in a participant's part, the transaction in each: a part is
  // then read the same way whatever else the coordinator holds.
  constexpr std::uint64_t kVotes = 0x41, kShard = 0x42;
  Fingerprint& f = parts.rest();
  f.u64(epoch_).u64(next_seq_).u64(commits_made_).u64(txns_.size());
  for (const auto& [txn, t] : txns_) {
    f.u64(txn.value).u64(static_cast<std::uint64_t>(t.phase)).u64(t.client).u64(t.client_seq);
    f.u64(t.client_acked ? 1 : 0).u64(t.logged ? 1 : 0);
    f.u64(parts.all(t.participants)).u64(t.shards.size());
    for (NodeId p : t.participants) {
      parts.part(p).u64(kVotes).u64(txn.value).u64(t.yes.contains(p) ? 1 : 0).u64(t.acked.contains(p) ? 1 : 0);
    }
    for (const Shard& s : t.shards) {
      Fingerprint& g = parts.part(s.participant);
      g.u64(kShard).u64(txn.value).u64(s.grant).u64(s.writes.size());
      for (const Write& w : s.writes) g.u64(parts.account(s.participant, w.key)).i64(w.value);
    }
  }
  f.u64(last_begin_.size());
  for (const auto& [client, begin] : last_begin_) {
    f.u64(client).u64(begin.first).u64(begin.second.value);
  }
}

}  // namespace faultline::twopc
