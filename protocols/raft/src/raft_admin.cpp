#include "raft/raft_admin.hpp"

#include <algorithm>

namespace faultline::raft {

// ---------------------------------------------------------------- the administrator

void RaftAdmin::run(sim::Context& ctx) {
  const std::size_t min_voters = std::min<std::size_t>(3, servers_.size());
  for (;;) {
    ctx.sleep(ctx.random_between(interval_ns_ / 2, interval_ns_ * 3 / 2));
    if (ctx.now() >= stop_at_ns_) return;
    ConfigChange request{.id = ++next_id_};
    const bool can_remove = config_.size() > min_voters;
    const bool can_add = config_.size() < servers_.size();
    request.add = !can_remove || (can_add && ctx.random(2) == 0);
    std::vector<NodeId> candidates;
    for (NodeId s : servers_) {
      if (config_contains(config_, s) != request.add) candidates.push_back(s);
    }
    if (candidates.empty()) continue;
    request.server = candidates[ctx.random(candidates.size())];
    if (change(ctx, request)) ++changes_ok_;
  }
}

bool RaftAdmin::change(sim::Context& ctx, const ConfigChange& request) {
  const Time deadline = ctx.deadline_after(timeout_ns_);
  NodeId target = leader_guess_;
  int unanswered = 0;
  while (ctx.now() < deadline) {
    ctx.send(target, request);
    const Time attempt_deadline = std::min(deadline, ctx.now() + attempt_timeout_ns_);
    std::optional<ConfigChangeReply> reply;
    NodeId from = kNoNode;
    while (std::optional<sim::Envelope> m = ctx.recv_until(attempt_deadline)) {
      const ConfigChangeReply* r = m->get<ConfigChangeReply>();
      if (r == nullptr || r->id != request.id) {
        ctx.ignore(*m, "a reply to an earlier change");
        continue;
      }
      reply = *r;
      from = m->from;
      break;
    }
    if (!reply) {
      target = servers_[(target + 1) % servers_.size()];
      // Three servers did not answer: give this change up and plan another later (it
      // may still happen: the configuration is learnt from the next answer).
      if (++unanswered == 3) break;
      continue;
    }
    if (reply->status == ReplyStatus::ok) {
      leader_guess_ = from;
      config_ = reply->config;
      return true;
    }
    if (reply->status == ReplyStatus::not_leader && reply->leader_hint != kNoNode) {
      target = reply->leader_hint;
    } else if (reply->status == ReplyStatus::not_leader) {
      target = servers_[(target + 1) % servers_.size()];
    } else {
      config_ = reply->config;  // busy: learn the configuration, try later
      return false;
    }
    ctx.sleep(ctx.random_between(5 * sim::kMillisecond, 25 * sim::kMillisecond));
  }
  leader_guess_ = target;
  return false;
}

}  // namespace faultline::raft
