#include "raft/raft_server.hpp"

#include <string>

namespace faultline::raft {

void RaftServer::boot(sim::Context& ctx) {
  random_.emplace(ctx);
  storage_.emplace(ctx.disk());
  node_.emplace(config_, storage_->load(), *random_, observer_);
  node_->start(ctx.now());
}

// Writes what the node changed; true if anything was written.
bool RaftServer::persist(sim::DiskHandle& /*disk*/) {
  Effects& fx = node_->effects();
  bool wrote = false;
  hard_state_written_ = false;
  if (fx.snapshot_dirty) {
    storage_->write_generation(*node_->snapshot(), node_->log());
    fx.snapshot_dirty = false;
    wrote = true;
  } else if (node_->log().has_unstable()) {
    storage_->write_log(node_->log());
    wrote = true;
  }
  if (fx.hard_state_dirty) {
    // Planted bug `no-persist-vote`: currentTerm and votedFor live in memory only.
    if (!config_.bugs.no_persist_vote) {
      storage_->write_hard_state(node_->term(), node_->voted_for());
      wrote = true;
      hard_state_written_ = true;
    }
    fx.hard_state_dirty = false;
  }
  wrote_ = wrote;
  return wrote;
}

void RaftServer::persisted(sim::DiskHandle& /*disk*/, Time now) {
  if (wrote_) storage_->collect_garbage();
  node_->on_persisted(now, node_->log().last_index());
}

void RaftServer::durable_facts(protocols::DurableFacts& out) const {
  out.add("term", node_->term());
  // Within a term, a vote once cast stays cast (none < a vote).
  out.add("term and vote", node_->term(),
          node_->voted_for() == kNoNode ? 0 : std::uint64_t{node_->voted_for()} + 1);
}

// The node's state for the trace viewer, published when it changes.
void RaftServer::publish(sim::Context& ctx) {
  const RaftNode& n = *node_;
  Published& p = published_;
  const bool all = !p.any;
  if (all || p.role != n.role()) ctx.annotate("role", role_name(n.role()));
  if (all || p.term != n.term()) ctx.annotate("term", static_cast<std::int64_t>(n.term()));
  if (all || p.voted_for != n.voted_for()) {
    ctx.annotate("voted_for", n.voted_for() == kNoNode ? std::string("none")
                                                       : "s" + std::to_string(n.voted_for()));
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
    for (NodeId id : n.config()) text += (text.empty() ? "s" : " s") + std::to_string(id);
    ctx.annotate("config", text);
    p.config = n.config();
  }
  p.role = n.role();
  p.term = n.term();
  p.voted_for = n.voted_for();
  p.commit = n.commit_index();
  p.last_index = n.log().last_index();
  p.last_term = n.log().last_term();
  p.any = true;
}

}  // namespace faultline::raft
