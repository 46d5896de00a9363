#include "echo/echo.hpp"

#include <string>

namespace faultline::echo {
using namespace sim;

void EchoServer::run(Context& ctx) {
  // Restart from disk: how many requests this node has answered over its lifetime.
  if (auto stored = ctx.disk().get("served")) served_ = std::stoull(*stored);
  ctx.annotate("served", static_cast<std::int64_t>(served_));
  while (auto message = ctx.recv()) {
    const Request* request = message->get<Request>();
    if (request == nullptr) {
      ctx.ignore(*message, "not a request");
      continue;
    }
    const std::int64_t value = params_.stale_reply && served_ > 0 ? last_value_ : request->value;
    last_value_ = request->value;
    ++served_;
    ctx.disk().put("served", std::to_string(served_));
    ctx.disk().sync();
    ctx.annotate("served", static_cast<std::int64_t>(served_));
    ctx.send(message->from, Reply{request->seq, value});
  }
}

void EchoClient::run(Context& ctx) {
  const auto servers = static_cast<std::uint64_t>(params_.servers);
  std::uint64_t seq = static_cast<std::uint64_t>(index_) << 32;
  for (int op = 0; op < params_.ops_per_client; ++op) {
    ctx.sleep(ctx.random_between(0, params_.think_ns));
    const std::int64_t value = index_ * 1000 + op;
    const OpHandle handle = ctx.invoke("echo", std::nullopt, value);
    bool answered = false;
    for (int attempt = 0; attempt < params_.attempts && !answered; ++attempt) {
      const auto server = static_cast<NodeId>(ctx.random(servers));
      ++seq;
      ctx.send(server, Request{seq, value});
      const Time deadline = ctx.deadline_after(params_.timeout_ns);
      while (auto reply = ctx.recv_until(deadline)) {
        const Reply* r = reply->get<Reply>();
        if (r == nullptr || r->seq != seq) {
          ctx.ignore(*reply, "stale reply");  // an answer to an earlier attempt
          continue;
        }
        if (r->value != value) {
          mismatches_.push_back("asked " + std::to_string(value) + ", got " +
                                std::to_string(r->value) + " from " + std::to_string(reply->from));
        }
        ctx.complete(handle, OpType::ok, r->value);
        answered = true;
        break;
      }
    }
    if (!answered) ctx.complete(handle, OpType::info, nullptr);
    else ++completed_;
    ctx.annotate("completed", static_cast<std::int64_t>(completed_));
  }
}

namespace {

class EchoRun final : public protocols::ProtocolRun {
 public:
  std::vector<NodeId> servers;
  std::vector<NodeId> clients;
  std::vector<NodeId> fault_targets() const override { return servers; }
  nlohmann::json summary(const Simulation& sim) const override {
    std::uint64_t completed = 0;
    for (NodeId c : clients) {
      if (auto* client = sim.actor_as<EchoClient>(c)) completed += client->completed();
    }
    return {{"operations_completed", completed}};
  }
};

EchoParams read_params(const protocols::RunSpec& spec) {
  const protocols::Options& o = spec.options;
  EchoParams p;
  p.servers = static_cast<int>(o.get_int("servers", p.servers, 1, 1000));
  p.clients = static_cast<int>(o.get_int("clients", p.clients, 0, 100000));
  p.ops_per_client = static_cast<int>(o.get_int("ops", p.ops_per_client, 0, 1000000));
  p.timeout_ns = o.get_duration("timeout", p.timeout_ns);
  p.attempts = static_cast<int>(o.get_int("attempts", p.attempts, 1, 100));
  p.think_ns = o.get_duration("think", p.think_ns);
  p.stale_reply = protocols::has_bug(spec, "stale-reply");
  return p;
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunSpec& spec) {
  const EchoParams params = read_params(spec);
  auto run = std::make_unique<EchoRun>();
  for (int i = 0; i < params.servers; ++i) {
    run->servers.push_back(sim.add_node({.name = "server" + std::to_string(i)}, [params](NodeId) {
      return std::make_unique<EchoServer>(params);
    }));
  }
  for (int i = 0; i < params.clients; ++i) {
    run->clients.push_back(
        sim.add_node({.name = "client" + std::to_string(i), .role = "client"},
                     [params, i](NodeId) { return std::make_unique<EchoClient>(params, i); }));
  }
  sim.add_invariant("replies echo requests",
                    [clients = run->clients](const Simulation& s) -> std::optional<std::string> {
                      for (NodeId c : clients) {
                        const auto* client = s.actor_as<EchoClient>(c);
                        if (client && !client->mismatches().empty()) {
                          return s.node_name(c) + " accepted a wrong reply: " +
                                 client->mismatches().front();
                        }
                      }
                      return std::nullopt;
                    });
  return run;
}

void configure(const protocols::RunSpec& /*spec*/, SimConfig& config) {
  protocols::datacenter_defaults(config);
}

}  // namespace

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "echo";
  p.description =
      "servers echo requests; clients send, time out, retry elsewhere and record a history";
  p.options = {
      {"servers", "int", "3", "number of echo servers"},
      {"clients", "int", "3", "number of clients"},
      {"ops", "int", "50", "operations per client"},
      {"timeout", "duration", "50ms", "how long a client waits for a reply before retrying"},
      {"attempts", "int", "3", "tries per operation before it ends as info (unknown)"},
      {"think", "duration", "200ms", "a client's pause before each operation, at most"},
  };
  p.bugs = {{"stale-reply", "a server answers with the value of the previous request it served"}};
  p.default_time_ns = 10 * kSecond;
  p.configure = configure;
  p.setup = setup;
  return p;
}

}  // namespace faultline::echo
