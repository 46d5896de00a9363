#include "kv/kv_client.hpp"

#include <algorithm>
#include <sstream>

namespace faultline::kv {
using protocols::BadInput;

namespace {

nlohmann::json json_of(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

void parse_mix(const std::string& text, const std::string& where, Workload& w) {
  static const char* kOps[] = {"get", "put", "append", "cas"};
  int weights[4] = {0, 0, 0, 0};
  bool seen[4] = {false, false, false, false};
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    const std::string op = item.substr(0, colon);
    int k = 0;
    while (k < 4 && op != kOps[k]) ++k;
    if (colon == std::string::npos || k == 4) {
      throw BadInput(where, "expected op:weight pairs such as get:40,put:20,append:30,cas:10, got '" +
                                text + "'");
    }
    const std::string number = item.substr(colon + 1);
    if (number.empty() || number.size() > 6 ||
        !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw BadInput(where, "the weight of " + op +
                                " must be a whole number from 0 to 999999, got '" + number + "'");
    }
    if (seen[k]) throw BadInput(where, "the weight of " + op + " is given twice in '" + text + "'");
    seen[k] = true;
    weights[k] = std::stoi(number);
  }
  if (weights[0] + weights[1] + weights[2] + weights[3] == 0) {
    throw BadInput(where, "at least one operation needs a weight above 0");
  }
  std::copy(std::begin(weights), std::end(weights), std::begin(w.weights));
}

}  // namespace

void add_workload_options(protocols::OptionTable& t) {
  t.integer("clients", 5, 0, 1000, "number of key-value clients");
  t.integer("keys", 3, 1, 1000, "number of keys the clients use").swarm({"3", "1", "5"});
  t.text("mix", "get:40,put:20,append:30,cas:10", "operation mix, as weights");
  t.integer("rate", 10, 1, 100000, "operations per second per client, at most (a pause before each)")
      .swarm({"10", "2", "40"});
  t.integer("count", 0, 0, 100000000, "operations per client; 0: until the run ends")
      .shrink({"1", "2", "4", "8"});
  t.duration("request_timeout", 100 * sim::kMillisecond, sim::kMillisecond, 60 * sim::kSecond,
             "a client's wait for one attempt's reply");
  t.duration("op_timeout", sim::kSecond, sim::kMillisecond, 600 * sim::kSecond,
             "a client's limit for one operation, then info (unknown outcome)");
}

Workload read_workload(const protocols::OptionValues& v, std::vector<NodeId> servers) {
  Workload w;
  w.servers = std::move(servers);
  w.clients = static_cast<int>(v.integer("clients"));
  w.keys = static_cast<int>(v.integer("keys"));
  parse_mix(v.text("mix"), v.where("mix"), w);
  w.think_max_ns = 2 * sim::kSecond / v.integer("rate");
  w.count = static_cast<int>(v.integer("count"));
  w.request_timeout_ns = v.duration("request_timeout");
  w.op_timeout_ns = v.duration("op_timeout");
  return w;
}

void ClientStats::add(const ClientStats& o) {
  ok += o.ok;
  fail += o.fail;
  info += o.info;
  attempts += o.attempts;
  redirects += o.redirects;
  timeouts += o.timeouts;
}

nlohmann::json ClientStats::to_json() const {
  return {{"ok", ok},           {"fail", fail},           {"info", info},
          {"attempts", attempts}, {"redirects", redirects}, {"timeouts", timeouts}};
}

// ---------------------------------------------------------------- the client

void KvClient::run(sim::Context& ctx) {
  known_.assign(static_cast<std::size_t>(w_.keys), std::nullopt);
  // A restarted client (a scenario may crash one) starts its sequence numbers above every
  // earlier life's, so the servers' session table never takes a new command for an old,
  // already answered one.
  seq_ = ctx.incarnation() << 40;
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
    const sim::OpHandle handle = ctx.invoke(op_name(c.op), c.key, std::move(value));
    Result r = execute(ctx, c);
    ctx.complete(handle, r.type, std::move(r.value));
    if (r.type == sim::OpType::ok)
      ++stats_.ok;
    else if (r.type == sim::OpType::fail)
      ++stats_.fail;
    else
      ++stats_.info;
  }
  finished_ = true;
}

Command KvClient::next_command(sim::Context& ctx) {
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

NodeId KvClient::next_server(NodeId after) const {
  auto it = std::find(w_.servers.begin(), w_.servers.end(), after);
  if (it == w_.servers.end() || ++it == w_.servers.end()) return w_.servers.front();
  return *it;
}

std::optional<ClientReply> KvClient::await_reply(sim::Context& ctx, std::uint64_t seq,
                                                 Time deadline, NodeId& from) {
  while (std::optional<sim::Envelope> m = ctx.recv_until(deadline, "request timeout")) {
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

KvClient::Result KvClient::execute(sim::Context& ctx, const Command& c) {
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
      const auto key = static_cast<std::size_t>(std::stoul(c.key.substr(1)));
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
    // not_leader (or busy): this attempt was certainly not applied.
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

// ---------------------------------------------------------------- run-level views

ClientStats total_stats(const sim::Simulation& sim, const std::vector<NodeId>& clients) {
  ClientStats total;
  for (NodeId c : clients) {
    if (const auto* client = dynamic_cast<const KvClient*>(sim.actor(c))) total.add(client->stats());
  }
  return total;
}

std::string clients_stuck(const sim::Simulation& sim, const std::vector<NodeId>& clients,
                          const Workload& w, Time heal_ns, Duration bound,
                          std::string* not_judged) {
  // Per client: the last answered operation (ok, or a cas that failed: the service
  // answered), and an operation still open since before the heal.
  std::vector<Time> last_answer(sim.node_count(), std::numeric_limits<Time>::min());
  std::vector<Time> open_since(sim.node_count(), std::numeric_limits<Time>::min());
  for (const sim::HistoryEvent& e : sim.history().events()) {
    if (e.node >= sim.node_count()) continue;
    open_since[e.node] = e.type == sim::OpType::invoke ? e.time : std::numeric_limits<Time>::min();
    if (e.type == sim::OpType::ok || e.type == sim::OpType::fail) last_answer[e.node] = e.time;
  }
  std::string problem;
  auto add = [&](const std::string& text) { problem += (problem.empty() ? "" : "; ") + text; };
  for (NodeId c : clients) {
    const auto* client = dynamic_cast<const KvClient*>(sim.actor(c));
    if (client == nullptr || client->finished()) continue;
    if (open_since[c] != std::numeric_limits<Time>::min() && open_since[c] < heal_ns) {
      add(sim.node_name(c) + "'s operation invoked at " + sim::format_time(open_since[c]) +
          " is still pending");
    } else if (last_answer[c] < heal_ns) {
      add(sim.node_name(c) + " had no operation answered since the heal");
    }
  }
  if (!problem.empty() && w.think_max_ns + w.op_timeout_ns > bound) {
    *not_judged = problem + " (not required: a client's pause of up to " +
                  sim::format_time(w.think_max_ns) + " and an operation's timeout of " +
                  sim::format_time(w.op_timeout_ns) + " exceed the bound)";
    return {};
  }
  return problem;
}

}  // namespace faultline::kv
