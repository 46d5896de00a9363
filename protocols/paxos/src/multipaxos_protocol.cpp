// Multi-Paxos as a faultline protocol: options and planted bugs, setup, invariants,
// liveness and the end-of-run linearizability check of the key-value history.
#include <algorithm>
#include <map>
#include <set>

#include "kv/kv_client.hpp"
#include "paxos/multipaxos_server.hpp"
#include "paxos/paxos.hpp"
#include "paxos/paxos_invariants.hpp"
#include "protocols/run_checks.hpp"

namespace faultline::paxos {
using namespace sim;
using protocols::BadInput;

namespace {

void declare_options(protocols::OptionTable& t) {
  t.integer("servers", 3, 1, 63,
            "number of Multi-Paxos servers (each acceptor, learner, "
            "and proposer when it leads)")
      .swarm({"3", "5"});
  kv::add_workload_options(t);
  t.duration("heartbeat", 0, 0, kSecond,
             "leader heartbeat interval (a Commit message; also phase 2a resends); 0: a third "
             "of election_timeout");
  t.duration("election_timeout", 150 * kMillisecond, 2 * kMillisecond, 4 * kSecond,
             "a server campaigns after hearing from no leader for a time drawn from [t, 2t]")
      .swarm({"150ms", "40ms"});
  t.integer("max_batch", 64, 1, 100000, "slots per Accept or Commit message at most");
  t.duration("liveness_bound", 0, 0, 600 * kSecond,
             "after the last fault heals, a leader works and clients are answered within "
             "this; 0: 10 election timeouts, at least 1.5s");
}

std::vector<protocols::BugSpec> bug_specs() {
  const std::vector<std::string> safety = {"p2c", "agreement", "learned is chosen",
                                           "linearizability"};
  auto with = [&](std::vector<std::string> first) {
    first.insert(first.end(), safety.begin(), safety.end());
    return first;
  };
  return {
      {"forget-promise",
       "an acceptor's promise is kept in memory only",
       {},
       with({"durable state never goes back", "promises kept"})},
      {"forget-accepted",
       "an acceptor's accepted values are not persisted",
       {},
       with({"durable state never goes back"})},
      {"ignore-accepted-value",
       "a new leader proposes its own value (a no-op) in open slots instead of the highest "
       "accepted one reported",
       {},
       safety},
      {"any-accepted-value",
       "a new leader adopts the first value reported for a slot, not the highest ballot's",
       {},
       safety},
      {"ballot-reuse",
       "a restarted server starts its ballot rounds over",
       {},
       with({"durable state never goes back", "one value per ballot"})},
      {"quorum-off-by-one", "the leader decides a slot on floor(n/2) accepts", {}, safety},
      {"accept-lower-ballot",
       "an acceptor accepts a ballot lower than it promised",
       {},
       with({"promises kept", "durable state never goes back"})},
      {"leader-skips-recovery",
       "a new leader does not re-propose accepted values of open slots: it gives them to new "
       "commands",
       {},
       safety},
  };
}

Duration heartbeat_of(const protocols::OptionValues& o) {
  const Duration given = o.duration("heartbeat");
  return given > 0 ? given : std::max<Duration>(o.duration("election_timeout") / 3, kMillisecond);
}

void validate(const protocols::OptionValues& o) {
  const Duration heartbeat = heartbeat_of(o);
  const Duration election = o.duration("election_timeout");
  if (heartbeat >= election) {
    const std::string blamed =
        o.given("election_timeout") && !o.given("heartbeat") ? "election_timeout" : "heartbeat";
    throw BadInput(o.where(blamed), "the heartbeat (" + format_time(heartbeat) +
                                        ") must be shorter than the election timeout (" +
                                        format_time(election) + ")");
  }
}

struct MultiParams {
  int servers = 3;
  kv::Workload workload;
  MultiConfig node;
  Duration liveness_bound_ns = 0;
};

MultiParams read_multi_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  MultiParams p;
  p.servers = static_cast<int>(o.integer("servers"));
  for (int i = 0; i < p.servers; ++i) p.node.servers.push_back(static_cast<NodeId>(i));
  p.workload = kv::read_workload(o, p.node.servers);
  p.node.heartbeat_ns = heartbeat_of(o);
  p.node.election_min_ns = o.duration("election_timeout");
  p.node.election_max_ns = 2 * p.node.election_min_ns;
  p.node.max_batch = static_cast<std::size_t>(o.integer("max_batch"));
  p.node.bugs = read_bugs(run);
  p.liveness_bound_ns = o.duration("liveness_bound");
  // Ten election timeouts, and at least 1.5 s: then a client's pause and a whole
  // operation fit in the bound at the default rate, and clients are judged too.
  if (p.liveness_bound_ns == 0) {
    p.liveness_bound_ns = std::max<Duration>(10 * p.node.election_min_ns, 1500 * kMillisecond);
  }
  return p;
}

// Valid values: a no-op, or a command some client invoked (read from the history: a
// client's n-th operation is its command with seq n).
class ClientCommands {
 public:
  // `value` is a value_key.
  bool contains(const Simulation& sim, std::string_view value) {
    if (value == noop_) return true;
    const std::vector<HistoryEvent>& events = sim.history().events();
    for (; seen_ < events.size(); ++seen_) {
      const HistoryEvent& e = events[seen_];
      if (e.type == OpType::invoke && e.key) keys_.insert(value_key(command_value(command(e))));
    }
    return keys_.count(value) > 0;
  }

 private:
  kv::Command command(const HistoryEvent& e) {
    kv::Command c;
    c.client = e.node;
    c.seq = ++seq_[e.node];
    c.key = *e.key;
    if (e.f == "put") c.op = kv::OpKind::put;
    if (e.f == "append") c.op = kv::OpKind::append;
    if (e.f == "cas") c.op = kv::OpKind::cas;
    if (c.op == kv::OpKind::put || c.op == kv::OpKind::append) c.value = e.value.get<std::string>();
    if (c.op == kv::OpKind::cas) {
      if (!e.value[0].is_null()) c.expected = e.value[0].get<std::string>();
      c.value = e.value[1].get<std::string>();
    }
    return c;
  }
  std::size_t seen_ = 0;
  std::map<NodeId, std::uint64_t> seq_;
  std::string noop_ = value_key(noop_value());
  std::set<std::string, std::less<>> keys_;
};

const MultiNode* node_of(const Simulation& sim, NodeId id) {
  const auto* server = sim.actor_as<MultiServer>(id);
  return server ? server->node() : nullptr;
}

class MultiRun final : public protocols::ProtocolRun {
 public:
  MultiRun(MultiParams params, Time heal_ns, std::uint64_t budget)
      : params_(std::move(params)), heal_ns_(heal_ns), budget_(budget) {}

  MultiParams params_;
  Time heal_ns_;
  std::uint64_t budget_;
  std::shared_ptr<PaxosInvariants> invariants;
  protocols::DurableLedger ledger;
  MultiStats stats;

  void finish(Simulation& sim) override {
    protocols::check_linearizability(sim, checks, "kv", budget_);
  }

  // A leader has finished its recovery and leads, and the clients are answered.
  protocols::LivenessFinding stuck(const Simulation& sim) const {
    bool leading = false;
    for (NodeId s : groups.nodes("servers")) {
      const MultiNode* n = node_of(sim, s);
      if (n != nullptr && !sim.is_paused(s) && n->leading()) leading = true;
    }
    std::string problem = leading ? "" : "no leader has finished its recovery";
    std::string not_judged;
    const std::string clients = kv::clients_stuck(sim, groups.nodes("clients"), params_.workload,
                                                  heal_ns_, params_.liveness_bound_ns, &not_judged);
    if (!clients.empty()) problem += (problem.empty() ? "" : "; ") + clients;
    return {problem, not_judged};
  }

  nlohmann::json summary(const Simulation& sim) const override {
    const InvariantStats& s = invariants->stats();
    std::uint64_t restarts = 0;  // the durable state's "sometimes": servers did restart
    for (NodeId id : groups.nodes("servers")) restarts += sim.incarnation(id);
    return {{"elections_won", stats.elections_won},
            {"server_restarts", restarts},
            {"campaigns", stats.campaigns},
            {"preempted", stats.preempted},
            {"recovered_values", stats.recovered_values},
            {"gaps_filled", stats.gaps_filled},
            {"commands_proposed", stats.commands_proposed},
            {"slots_chosen", s.slots_chosen},
            {"chosen_again", s.chosen_again},
            {"chosen_over_rival", s.chosen_over_rivals},
            {"max_round", s.max_round},
            {"operations", kv::total_stats(sim, groups.nodes("clients")).to_json()}};
  }
};

void add_invariants(Simulation& sim, MultiRun& run) {
  watch(sim, run.invariants);
  protocols::watch_durable_state(sim, run.ledger);
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& config) {
  auto run =
      std::make_unique<MultiRun>(read_multi_params(config), config.heal_ns, config.check_budget);
  const MultiParams& p = run->params_;
  FAULTLINE_ASSERT(sim.node_count() == 0, "servers are the first nodes: ids 0..n-1");
  run->invariants = std::make_shared<PaxosInvariants>(
      sim, p.node.servers,
      [commands = std::make_shared<ClientCommands>()](const Simulation& s, std::string_view v) {
        return commands->contains(s, v);
      },
      [](std::string_view key) { return value_key_text(key); });
  Observer* obs = run->invariants.get();
  MultiStats* stats = &run->stats;
  protocols::DurableLedger* ledger = &run->ledger;
  protocols::add_group(sim, *run, "servers", "s", p.servers, "server", [&](int i) {
    MultiConfig node = p.node;
    node.id = static_cast<NodeId>(i);
    node.index = static_cast<std::uint32_t>(i);
    return [node, obs, stats, ledger](NodeId) {
      return std::make_unique<MultiServer>(node, obs, stats, ledger);
    };
  });
  protocols::add_group(sim, *run, "clients", "c", p.workload.clients, "client", [&](int i) {
    return [w = p.workload, i](NodeId) { return std::make_unique<kv::KvClient>(w, i); };
  });
  add_invariants(sim, *run);
  const MultiRun* self = run.get();
  protocols::schedule_liveness(sim, run->checks, config.heal_ns, p.liveness_bound_ns,
                               [self](const Simulation& s) { return self->stuck(s); });
  return run;
}

}  // namespace

protocols::Protocol multi_protocol() {
  protocols::Protocol p;
  p.name = "multipaxos";
  p.description =
      "Multi-Paxos: a distinguished leader runs phase 1 once for all future slots and phase 2 "
      "per slot; leader takeover re-proposes accepted values and fills gaps with no-ops; a "
      "linearizable key-value service with client sessions";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"servers", "clients"};
  for (int k = 0; k < kFaultKinds; ++k) {
    const auto kind = static_cast<FaultKind>(k);
    if (kind != FaultKind::read_corruption && kind != FaultKind::lose_unsynced) {
      p.faults.push_back(kind);
    }
  }
  p.default_time_ns = 10 * kSecond;
  p.validate = validate;
  p.configure = [](const protocols::RunConfig&, SimConfig& config) {
    protocols::datacenter_defaults(config);
  };
  p.setup = setup;
  return p;
}

}  // namespace faultline::paxos
