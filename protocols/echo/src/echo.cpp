#include "echo/echo.hpp"

#include <string>

#include "protocols/codec.hpp"

namespace faultline::echo {
using namespace sim;

// ---------------------------------------------------------------- the server

void EchoServer::boot(Context& ctx) {
  // Restart from disk: how many requests this node has answered over its lifetime.
  if (auto stored = slot_.load(ctx.disk())) {
    protocols::RecordReader r(*stored);
    const std::uint64_t served = r.u64();
    if (r.done()) served_ = served;
  }
}

std::string_view EchoServer::step(Time /*now*/, const Envelope& message) {
  const Request* request = message.get<Request>();
  if (request == nullptr) return "not a request";
  const std::int64_t value = params_.stale_reply && served_ > 0 ? last_value_ : request->value;
  last_value_ = request->value;
  ++served_;
  dirty_ = true;
  outbox_.push_back({message.from, Payload(Reply{request->seq, value})});
  return {};
}

bool EchoServer::persist(DiskHandle& disk) {
  if (!dirty_) return false;
  slot_.store(disk, protocols::RecordWriter().u64(served_).seal());
  dirty_ = false;
  return true;
}

void EchoServer::publish(Context& ctx) { ctx.annotate("served", static_cast<std::int64_t>(served_)); }

// ---------------------------------------------------------------- the client

void EchoClient::run(Context& ctx) {
  // Sequence numbers are the client's own across restarts: a restarted client that began
  // again from its first took a late reply to its earlier incarnation's request for the
  // answer to its own ("asked 8, got 6"; a client crash in a scenario's timeline).
  // Bits 32-48 hold the client's index (at most 100,000 clients), 49 and up its
  // incarnation, 0-31 its requests.
  FAULTLINE_ASSERT(index_ >= 0 && index_ < (1 << 17) && ctx.incarnation() < (1u << 15),
                   "a client's index and incarnation fit its sequence numbers' high bits");
  std::uint64_t seq = (ctx.incarnation() << 49) | (static_cast<std::uint64_t>(index_) << 32);
  for (int op = 0; op < params_.ops_per_client; ++op) {
    ctx.sleep(ctx.random_between(0, params_.think_ns));
    const std::int64_t value = index_ * 1000 + op;
    const OpHandle handle = ctx.invoke("echo", std::nullopt, value);
    bool answered = false;
    for (int attempt = 0; attempt < params_.attempts && !answered; ++attempt) {
      const NodeId server = servers_[ctx.random(servers_.size())];
      ++seq;
      ctx.send(server, Request{seq, value});
      const Time deadline = ctx.deadline_after(params_.timeout_ns);
      while (auto reply = ctx.recv_until(deadline, "request timeout")) {
        const Reply* r = reply->get<Reply>();
        if (r == nullptr || r->seq != seq) {
          ctx.ignore(*reply, "stale reply");  // an answer to an earlier attempt
          continue;
        }
        if (r->value != value) {
          mismatches_.push_back("asked " + std::to_string(value) + ", got " +
                                std::to_string(r->value));
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

// ---------------------------------------------------------------- the protocol

namespace {

class EchoRun final : public protocols::ProtocolRun {
 public:
  protocols::DurableLedger ledger;
  nlohmann::json summary(const Simulation& sim) const override {
    std::uint64_t completed = 0;
    for (NodeId c : groups.nodes("clients")) {
      if (auto* client = sim.actor_as<EchoClient>(c)) completed += client->completed();
    }
    return {{"operations_completed", completed}};
  }
};

EchoParams read_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  return EchoParams{.servers = static_cast<int>(o.integer("servers")),
                    .clients = static_cast<int>(o.integer("clients")),
                    .ops_per_client = static_cast<int>(o.integer("ops")),
                    .timeout_ns = o.duration("timeout"),
                    .attempts = static_cast<int>(o.integer("attempts")),
                    .think_ns = o.duration("think"),
                    .stale_reply = run.has_bug("stale-reply")};
}

std::optional<std::string> wrong_reply(const Simulation& s, const std::vector<NodeId>& clients) {
  for (NodeId c : clients) {
    const auto* client = s.actor_as<EchoClient>(c);
    if (client && !client->mismatches().empty()) {
      return s.node_name(c) + " accepted a wrong reply: " + client->mismatches().front();
    }
  }
  return std::nullopt;
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& run) {
  const EchoParams params = read_params(run);
  auto r = std::make_unique<EchoRun>();
  protocols::DurableLedger* ledger = &r->ledger;
  const std::vector<NodeId> servers =
      protocols::add_group(sim, *r, "servers", "s", params.servers, "server", [&](int) {
        return [params, ledger](NodeId) { return std::make_unique<EchoServer>(params, ledger); };
      });
  protocols::add_group(sim, *r, "clients", "c", params.clients, "client", [&](int i) {
    return [params, servers, i](NodeId) { return std::make_unique<EchoClient>(params, servers, i); };
  });
  sim.add_invariant("replies echo requests", [clients = r->groups.nodes("clients")](
                                                 const Simulation& s) { return wrong_reply(s, clients); });
  protocols::watch_durable_state(sim, *ledger);
  return r;
}

}  // namespace

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "echo";
  p.description =
      "servers echo requests; clients send, time out, retry elsewhere and record a history";
  protocols::OptionTable& t = p.options;
  t.integer("servers", 3, 1, 1000, "number of echo servers");
  t.integer("clients", 3, 0, 100000, "number of clients");
  t.integer("ops", 50, 0, 1000000, "operations per client");
  t.duration("timeout", 50 * kMillisecond, kMillisecond, 60 * kSecond,
             "how long a client waits for a reply before retrying");
  t.integer("attempts", 3, 1, 100, "tries per operation before it ends as info (unknown)");
  t.duration("think", 200 * kMillisecond, 0, 60 * kSecond,
             "a client's pause before each operation, at most");
  p.bugs = {{"stale-reply", "a server answers with the value of the previous request it served",
             {}, {"replies echo requests"}}};
  p.groups = {"servers", "clients"};
  // A server's count is checksummed; it cannot survive a disk that corrupts reads or
  // forgets writes it has not synced yet (its sync would then lie).
  for (int k = 0; k < kFaultKinds; ++k) {
    const auto kind = static_cast<FaultKind>(k);
    if (kind != FaultKind::read_corruption && kind != FaultKind::lose_unsynced) {
      p.faults.push_back(kind);
    }
  }
  p.default_time_ns = 10 * kSecond;
  p.configure = [](const protocols::RunConfig&, SimConfig& config) {
    protocols::datacenter_defaults(config);
  };
  p.setup = setup;
  return p;
}

}  // namespace faultline::echo
