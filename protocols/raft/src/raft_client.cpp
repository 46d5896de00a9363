#include "raft/raft_client.hpp"

#include <algorithm>

namespace faultline::raft {

namespace {
nlohmann::json json_of(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

void RaftClient::run(sim::Context& ctx) {
  known_.assign(static_cast<std::size_t>(w_.keys), std::nullopt);
  leader_guess_ = w_.servers[ctx.random(w_.servers.size())];
  for (int op = 0; w_.count == 0 || op < w_.count; ++op) {
    ctx.sleep(ctx.random_between(0, w_.think_max_ns));
    const Command c = next_command(ctx);
    nlohmann::json value;
    switch (c.op) {
      case OpKind::get:
        value = nullptr;
        break;
      case OpKind::put:
      case OpKind::append:
        value = c.value;
        break;
      case OpKind::cas:
        value = nlohmann::json::array({json_of(c.expected), c.value});
        break;
    }
    const sim::OpHandle handle = ctx.invoke(op_name(c.op), c.key, value);
    const Result r = execute(ctx, c);
    ctx.complete(handle, r.type, r.value);
    if (r.type == sim::OpType::ok)
      ++stats_.ok;
    else if (r.type == sim::OpType::fail)
      ++stats_.fail;
    else
      ++stats_.info;
  }
  finished_ = true;
}

Command RaftClient::next_command(sim::Context& ctx) {
  Command c;
  c.client = ctx.self();
  c.seq = ++seq_;
  const int total = w_.weights[0] + w_.weights[1] + w_.weights[2] + w_.weights[3];
  auto pick = static_cast<int>(ctx.random(static_cast<std::uint64_t>(total)));
  int kind = 0;
  while (pick >= w_.weights[kind]) pick -= w_.weights[kind++];
  c.op = static_cast<OpKind>(kind);
  const auto key = static_cast<std::size_t>(ctx.random(static_cast<std::uint64_t>(w_.keys)));
  c.key = "k" + std::to_string(key);
  // Values are unique per client and operation, so the checker can tell writes apart.
  const std::string token = std::to_string(index_) + "." + std::to_string(c.seq);
  if (c.op == OpKind::put || c.op == OpKind::cas) c.value = token;
  if (c.op == OpKind::append) c.value = token + " ";
  if (c.op == OpKind::cas) c.expected = known_[key];
  return c;
}

NodeId RaftClient::next_server(NodeId after) const {
  auto it = std::find(w_.servers.begin(), w_.servers.end(), after);
  if (it == w_.servers.end() || ++it == w_.servers.end()) return w_.servers.front();
  return *it;
}

std::optional<ClientReply> RaftClient::await_reply(sim::Context& ctx, std::uint64_t seq,
                                                   Time deadline, NodeId& from) {
  while (std::optional<sim::Envelope> m = ctx.recv_until(deadline)) {
    const ClientReply* reply = m->get<ClientReply>();
    if (reply == nullptr || reply->seq != seq) {
      ctx.ignore(*m, "a reply to an earlier operation or attempt");
      continue;
    }
    from = m->from;
    return *reply;
  }
  return std::nullopt;
}

RaftClient::Result RaftClient::execute(sim::Context& ctx, const Command& c) {
  const Time op_deadline = ctx.deadline_after(w_.op_timeout_ns);
  int redirects = 0;
  NodeId target = leader_guess_;
  for (;;) {
    const Time now = ctx.now();
    if (now >= op_deadline) break;
    ++stats_.attempts;
    ctx.send(target, ClientRequest{c});
    NodeId from = kNoNode;
    const std::optional<ClientReply> reply =
        await_reply(ctx, c.seq, std::min(op_deadline, now + w_.request_timeout_ns), from);
    if (!reply) {
      ++stats_.timeouts;
      target = next_server(target);  // retry elsewhere
      continue;
    }
    if (reply->status == ReplyStatus::ok) {
      leader_guess_ = from;
      const std::size_t key = static_cast<std::size_t>(std::stoul(c.key.substr(1)));
      if (c.op == OpKind::get) {
        known_[key] = reply->outcome.value;
        return {sim::OpType::ok, json_of(reply->outcome.value)};
      }
      if (c.op == OpKind::cas && !reply->outcome.ok) {
        known_[key] = reply->outcome.value;
        return {sim::OpType::fail, nlohmann::json::array({json_of(c.expected), c.value})};
      }
      if (c.op == OpKind::put || c.op == OpKind::cas)
        known_[key] = c.value;
      else
        known_[key].reset();  // after an append we no longer know the whole value
      if (c.op == OpKind::cas)
        return {sim::OpType::ok, nlohmann::json::array({json_of(c.expected), c.value})};
      return {sim::OpType::ok, c.value};
    }
    // not_leader: this attempt was certainly not applied.
    ++stats_.redirects;
    const bool hinted = reply->leader_hint != kNoNode && reply->leader_hint != target;
    target = hinted ? reply->leader_hint : next_server(target);
    if (!hinted || ++redirects % 3 == 0) {
      // No leader known (an election is on), or redirects go round: wait a little.
      ctx.sleep(ctx.random_between(5 * sim::kMillisecond, 25 * sim::kMillisecond));
    }
  }
  leader_guess_ = target;
  // Even when every attempt was refused, a copy of one may still be in the network (a
  // duplicated or delayed message) and reach a leader later: the outcome is unknown.
  return {sim::OpType::info, nullptr};
}

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
