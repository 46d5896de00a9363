#include "raft/raft_server.hpp"

#include <string>

namespace faultline::raft {

void RaftServer::run(sim::Context& ctx) {
  random_.emplace(ctx);
  RaftStorage storage(ctx.disk());
  node_.emplace(config_, storage.load(), *random_, observer_);
  node_->start(ctx.now());
  perform_effects(ctx, storage);
  for (;;) {
    const std::optional<sim::Envelope> first = ctx.recv_until(node_->next_deadline());
    if (first) {
      feed(ctx, *first);
      // Everything else already waiting joins the batch (one sync for all of it).
      while (const std::optional<sim::Envelope> more = ctx.recv_until(kTimeNone)) feed(ctx, *more);
    }
    const Time now = ctx.now();
    node_->tick(now);
    node_->flush(now);
    perform_effects(ctx, storage);
  }
}

void RaftServer::feed(sim::Context& ctx, const sim::Envelope& message) {
  const std::string_view ignored = node_->step(ctx.now(), message);
  if (!ignored.empty()) ctx.ignore(message, ignored);
}

// Writes what the node changed; true if anything was written.
bool RaftServer::write(RaftStorage& storage) {
  Effects& fx = node_->effects();
  bool wrote = false;
  if (fx.snapshot_dirty) {
    storage.write_generation(*node_->snapshot(), node_->log());
    fx.snapshot_dirty = false;
    wrote = true;
  } else if (node_->log().has_unstable()) {
    storage.write_log(node_->log());
    wrote = true;
  }
  if (fx.hard_state_dirty) {
    // Planted bug `no-persist-vote`: currentTerm and votedFor live in memory only.
    if (!config_.bugs.no_persist_vote) {
      storage.write_hard_state(node_->term(), node_->voted_for());
      wrote = true;
    }
    fx.hard_state_dirty = false;
  }
  return wrote;
}

void RaftServer::perform_effects(sim::Context& ctx, RaftStorage& storage) {
  // Bounded: each round either syncs new writes or sends what the last sync released;
  // a node produces new effects after on_persisted only when the sync moved it on.
  for (int round = 0; round < 8; ++round) {
    const bool hard_state = node_->effects().hard_state_dirty;
    const bool wrote = write(storage);
    // Swap rather than move: both vectors keep their capacity from batch to batch.
    outbox_.clear();
    outbox_.swap(node_->effects().messages);
    std::vector<Outgoing>& messages = outbox_;
    if (wrote && config_.bugs.no_persist_log && !hard_state) {
      // Planted bug `no-persist-log`: acknowledges appended entries, then syncs.
      send_all(ctx, messages);
      ctx.disk().sync();
    } else {
      if (wrote) ctx.disk().sync();
      send_all(ctx, messages);
    }
    if (wrote) storage.collect_garbage();
    node_->on_persisted(ctx.now(), node_->log().last_index());
    if (node_->effects().empty() && !node_->log().has_unstable()) break;
  }
  annotate(ctx);
}

void RaftServer::send_all(sim::Context& ctx, std::vector<Outgoing>& messages) {
  for (Outgoing& out : messages) {
    ctx.send_payload(out.to, std::move(out.message));
  }
}

// The node's state for the trace viewer, published when it changes.
void RaftServer::annotate(sim::Context& ctx) {
  const RaftNode& n = *node_;
  Published& p = published_;
  const bool all = !p.any;
  if (all || p.role != n.role()) ctx.annotate("role", role_name(n.role()));
  if (all || p.term != n.term()) ctx.annotate("term", static_cast<std::int64_t>(n.term()));
  if (all || p.voted_for != n.voted_for()) {
    ctx.annotate("voted_for",
                 n.voted_for() == kNoNode ? -1 : static_cast<std::int64_t>(n.voted_for()));
  }
  if (all || p.commit != n.commit_index())
    ctx.annotate("commit", static_cast<std::int64_t>(n.commit_index()));
  if (all || p.last_index != n.log().last_index()) {
    ctx.annotate("last_index", static_cast<std::int64_t>(n.log().last_index()));
  }
  if (all || p.last_term != n.log().last_term()) {
    ctx.annotate("last_term", static_cast<std::int64_t>(n.log().last_term()));
  }
  if (all || p.config != n.config()) {
    std::string text;
    for (NodeId id : n.config()) text += (text.empty() ? "" : " ") + std::to_string(id);
    ctx.annotate("config", text);
  }
  if (all || p.config != n.config()) p.config = n.config();
  p.role = n.role();
  p.term = n.term();
  p.voted_for = n.voted_for();
  p.commit = n.commit_index();
  p.last_index = n.log().last_index();
  p.last_term = n.log().last_term();
  p.any = true;
}

}  // namespace faultline::raft
