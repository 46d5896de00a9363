#include "twopc/twopc_servers.hpp"

#include <string>

namespace faultline::twopc {

namespace {

std::string locks_of(const std::vector<LockItem>& locks) {
  std::string text;
  for (const LockItem& l : locks) text += " " + l.key + (l.exclusive ? "(x)" : "(s)");
  return text;
}

std::string participant_txn_text(const Participant& n, TxnId txn) {
  if (auto it = n.txns().find(txn); it != n.txns().end()) {
    const Participant::Txn& t = it->second;
    std::string text(txn_state_name(t.state));
    if (!t.locks.empty()) text += ", locks" + locks_of(t.locks);
    return text;
  }
  if (auto d = n.decided().find(txn); d != n.decided().end()) {
    return std::string(txn_state_name(d->second ? TxnState::committed : TxnState::aborted));
  }
  return std::string(txn_state_name(TxnState::aborted));  // working, given up
}

}  // namespace

// ---------------------------------------------------------------- participant

void ParticipantServer::boot(sim::Context& ctx) {
  storage_.emplace(ctx.disk(), "txlog");
  const Stored<ParticipantRecord> stored = storage_->load();
  node_.emplace(config_, stored, ctx.now());
  if (observer_ != nullptr) {
    std::vector<TxnId> in_doubt;
    for (const auto& [txn, t] : node_->txns()) in_doubt.push_back(txn);
    observer_->participant_restored(ctx.self(), in_doubt, node_->decided());
  }
}

// Appends the records and the new epoch; true when they must be synced before the round's
// messages go out.
bool ParticipantServer::persist(sim::DiskHandle& /*disk*/) {
  ParticipantEffects& fx = node_->effects();
  bool sync = false;
  if (fx.epoch_dirty) {
    storage_->store_epoch(node_->epoch());
    fx.epoch_dirty = false;
    sync = true;
  }
  for (const ParticipantRecord& r : fx.records) {
    storage_->append(r);
    // Planted bug forget-prepared: a prepared record is written but not synced; it
    // becomes durable only with the next record that is.
    if (r.kind == ParticipantRecord::Kind::decided || !config_.bugs.forget_prepared) sync = true;
  }
  fx.records.clear();
  // Paired with the replay at boot: the log holds exactly the records the node counts.
  FAULTLINE_ASSERT(storage_->records() == node_->prepared_records() + node_->decided_records(),
                   "the participant's log holds every record it emitted, and no other");
  return sync;
}

void ParticipantServer::publish(sim::Context& ctx) {
  Participant& n = *node_;
  ParticipantEffects& fx = n.effects();
  if (observer_ != nullptr) {
    for (const Report& r : fx.reports) observer_->report(ctx.self(), r);
  }
  fx.reports.clear();
  if (!published_role_) {
    ctx.annotate("role", "participant");
    published_role_ = true;
  }
  for (TxnId txn : n.take_changed()) {
    ctx.annotate("txn " + txn.text(), participant_txn_text(n, txn));
  }
  if (n.locks_changed()) {
    std::string locks = n.locks_text();
    if (locks != published_locks_) ctx.annotate("locks", locks.empty() ? "none" : locks);
    published_locks_ = std::move(locks);
    n.clear_locks_changed();
  }
  std::int64_t in_doubt = 0;
  for (const auto& [txn, t] : n.txns()) in_doubt += t.state != TxnState::working ? 1 : 0;
  if (in_doubt != published_in_doubt_) ctx.annotate("in_doubt", in_doubt);
  published_in_doubt_ = in_doubt;
}

void ParticipantServer::durable_facts(protocols::DurableFacts& out) const {
  out.add("prepared records", node_->prepared_records());
  out.add("decided records", node_->decided_records());
}

// ---------------------------------------------------------------- coordinator

void CoordinatorServer::boot(sim::Context& ctx) {
  storage_.emplace(ctx.disk(), "decisions");
  const Stored<CoordinatorRecord> stored = storage_->load();
  node_.emplace(config_, stored, ctx.now());
  if (observer_ != nullptr) {
    std::vector<TxnId> commits;
    for (const auto& [txn, t] : node_->txns()) commits.push_back(txn);
    observer_->coordinator_restored(ctx.self(), commits);
  }
}

// Appends the records and the new epoch; true when they must be synced before the round's
// messages go out. A done record is not forced (Mohan et al. 1986 §2: the end record is
// written lazily): lost in a crash, it only makes the coordinator resend a commit that
// every participant and the client acknowledge again.
bool CoordinatorServer::persist(sim::DiskHandle& /*disk*/) {
  CoordinatorEffects& fx = node_->effects();
  bool sync = false;
  if (fx.epoch_dirty) {
    storage_->store_epoch(node_->epoch());
    fx.epoch_dirty = false;
    sync = true;
  }
  for (const CoordinatorRecord& r : fx.records) {
    storage_->append(r);
    if (r.kind == CoordinatorRecord::Kind::commit) sync = true;
  }
  fx.records.clear();
  return sync;
}

void CoordinatorServer::publish(sim::Context& ctx) {
  Coordinator& n = *node_;
  CoordinatorEffects& fx = n.effects();
  // Why a transaction left the table this round: decided abort, or forgotten after its
  // commit was acknowledged; otherwise abandoned (no commit request, or a rollback).
  std::map<TxnId, std::string_view> gone;
  for (const Report& r : fx.reports) {
    if (observer_ != nullptr) observer_->report(ctx.self(), r);
    if (r.kind == Report::Kind::forgotten) gone[r.txn] = "done";
    if (r.kind == Report::Kind::coordinator_decided && !r.flag) gone[r.txn] = "aborted";
  }
  fx.reports.clear();
  if (!published_role_) {
    ctx.annotate("role", "coordinator");
    ctx.annotate("epoch", static_cast<std::int64_t>(n.epoch()));
    published_role_ = true;
  }
  for (TxnId txn : n.take_changed()) {
    std::string text;
    if (auto it = n.txns().find(txn); it != n.txns().end()) {
      const Coordinator::Txn& t = it->second;
      text = coordinator_phase_name(t.phase);
      const std::size_t count =
          t.phase == Coordinator::Phase::preparing ? t.yes.size() : t.acked.size();
      if (t.phase != Coordinator::Phase::begun) {
        text += t.phase == Coordinator::Phase::preparing ? ", votes " : ", acks ";
        text += std::to_string(count) + "/" + std::to_string(t.participants.size());
      }
    } else {
      auto g = gone.find(txn);
      text = g != gone.end() ? std::string(g->second) : std::string("abandoned");
    }
    ctx.annotate("txn " + txn.text(), text);
  }
}

void CoordinatorServer::durable_facts(protocols::DurableFacts& out) const {
  out.add("epoch", node_->epoch());
  out.add("commit decisions", node_->commits_made());
}

}  // namespace faultline::twopc
