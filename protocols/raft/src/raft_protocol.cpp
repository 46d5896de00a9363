// Raft as a faultline protocol: its options and planted bugs (declared once, in the
// kit's tables), setup, liveness and the end-of-run checks.
#include "raft/raft.hpp"
#include "raft/raft_invariants.hpp"
#include "raft/raft_server.hpp"
#include "protocols/run_checks.hpp"

namespace faultline::raft {
using namespace sim;
using protocols::BadInput;

namespace {

void declare_options(protocols::OptionTable& t) {
  t.integer("servers", 5, 1, 64, "number of Raft servers").swarm({"5", "3"});
  kv::add_workload_options(t);
  // Swarm testing also draws fast timings (about 3x and 5x): more elections, and more
  // replies outliving their election or round, in each simulated second. The fuzz profile
  // found accept-stale-replies 3-10x sooner with 15/60 ms, figure8 about twice as often
  // per CPU second with 10/30 ms added (bench/README.md). A drawn pair the rule refuses
  // (50 ms heartbeats with 30 ms elections) is quieted by the swarm to a valid one.
  t.duration("heartbeat", 50 * kMillisecond, kMillisecond, kSecond, "leader heartbeat interval")
      .swarm({"50ms", "15ms", "10ms"});
  t.duration("election_timeout", 150 * kMillisecond, 2 * kMillisecond, 4 * kSecond,
             "minimum election timeout; each timeout is drawn from [t, 2t]")
      .swarm({"150ms", "60ms", "30ms"});
  t.boolean("leader_noop", true,
            "a new leader appends a no-op of its term at once (paper 8); false is the setting "
            "of the paper's Figure 8: the first entry of a term is the first client command")
      .swarm_all();
  t.boolean("pre_vote", false, "PreVote: campaign only if a quorum would vote (thesis 9.6)")
      .swarm_all();
  t.boolean("check_quorum", false,
            "CheckQuorum: a leader steps down without hearing from a quorum; servers that "
            "heard from a leader recently refuse votes (thesis 6.2, 4.2.3)")
      .swarm_all();
  t.choice("read", "log", {"log", "index", "lease"},
           "reads through the log, by ReadIndex, or by leader lease (thesis 6.4); lease implies "
           "check_quorum and is correct only while the clock jumps during one lease sum to less "
           "than lease_margin")
      .swarm_all();
  t.duration("lease_margin", 30 * kMillisecond, 0, 4 * kSecond,
             "lease = election_timeout - lease_margin");
  t.integer("snapshot_interval", 0, 0, 1000000,
            "compact the log every this many applied entries, and InstallSnapshot; 0: never")
      .swarm({"0", "10", "40"});
  t.integer("max_batch", 64, 1, 100000, "entries per AppendEntries at most");
  t.boolean("membership", false,
            "an administrator adds and removes one server at a time (thesis 4.1); needs 4 or "
            "more servers")
      .swarm_all();
  t.duration("membership_interval", 500 * kMillisecond, kMillisecond, 600 * kSecond,
             "mean pause between membership changes")
      .swarm({"500ms", "50ms"});
  t.integer("admins", 1, 1, 16,
            "administrators changing membership independently (each one change at a time)")
      .swarm({"1", "2"});
  t.duration("liveness_bound", 0, 0, 600 * kSecond,
             "after the last fault heals, progress must resume within this; 0: 10 election "
             "timeouts");
}

std::vector<protocols::BugSpec> bug_specs() {
  const std::vector<std::string> log_safety = {"leader completeness", "state machine safety",
                                               "durability"};
  return {
      {"figure8",
       "a leader commits an entry of an older term by counting replicas (paper 5.4.2, Figure 8)",
       {{"leader_noop", "false"}},
       log_safety},
      {"no-persist-vote",
       "currentTerm and votedFor are kept in memory only",
       {},
       {"durable state never goes back", "election safety", "leader completeness",
        "state machine safety", "durability"}},
      {"no-persist-log", "a follower acknowledges AppendEntries before its log is synced", {},
       {"durability"}},
      {"no-step-down", "a leader that sees a higher term adopts it but keeps leading", {},
       {"election safety"}},
      {"truncate-on-stale",
       "a follower truncates its log on a stale or duplicated AppendEntries without a conflict",
       {},
       {"durability"}},
      {"longer-log-wins", "the voting up-to-date check compares log lengths, not last terms", {},
       log_safety},
      {"heartbeat-skips-check",
       "an empty AppendEntries (heartbeat) skips the prevLog check and advances the commit index",
       {},
       {"state machine safety", "durability"}},
      {"match-from-own-log",
       "the leader sets matchIndex from its own log length instead of what the follower acked",
       {},
       {"durability"}},
      {"accept-stale-replies", "vote and AppendEntries replies from older terms are counted", {},
       {"election safety", "leader completeness", "durability"}},
      {"count-votes-not-voters",
       "a candidate counts vote replies, not distinct voters: a duplicated vote counts twice",
       {},
       {"election safety", "leader completeness", "state machine safety", "durability"}},
      {"local-reads",
       "the leader answers reads from local state without confirming it is still leader",
       {},
       {"linearizability"}},
      {"lease-longer-than-timeout",
       "lease reads with a lease of twice the longest election timeout",
       {{"read", "lease"}},
       {"linearizability"}},
      {"membership-no-term-commit",
       "a leader changes membership before committing an entry of its own term",
       {{"membership", "true"}, {"leader_noop", "false"}},
       {"election safety", "leader completeness", "state machine safety", "durability"}},
      {"no-dedup", "the session table is ignored: a retried client request applies twice", {},
       {"linearizability"}},
  };
}

// Rules across options; each error names the option at fault.
void validate(const protocols::OptionValues& o) {
  const Duration heartbeat = o.duration("heartbeat");
  const Duration election = o.duration("election_timeout");
  if (heartbeat >= election) {
    const std::string blamed = o.given("election_timeout") && !o.given("heartbeat")
                                   ? "election_timeout"
                                   : "heartbeat";
    throw BadInput(o.where(blamed), "the heartbeat (" + format_time(heartbeat) +
                                        ") must be shorter than the election timeout (" +
                                        format_time(election) + ")");
  }
  // Administrators keep at least three voters, and every server starts as one: with three
  // servers or fewer they could change nothing, and membership=true would be a silent no-op.
  if (o.boolean("membership") && o.integer("servers") < 4) {
    // Blamed: what was drawn rather than asked for (given, or implied by a bug), so the
    // swarm's draw goes back; membership when both were drawn, keeping the drawn sizes.
    auto asked = [&](const char* name) {
      const protocols::ValueOrigin from = o.origin(name);
      return from == protocols::ValueOrigin::user || from == protocols::ValueOrigin::implied;
    };
    const std::string blamed = asked("membership") && !asked("servers") ? "servers" : "membership";
    throw BadInput(o.where(blamed),
                   "membership changes need at least 4 servers (there are " +
                       std::to_string(o.integer("servers")) +
                       "): administrators keep at least three voters, and every server starts "
                       "as one");
  }
  if (o.text("read") == "lease" && o.duration("lease_margin") >= election) {
    throw BadInput(o.where("lease_margin"), "must be below election_timeout (" +
                                                format_time(election) + ") for lease reads");
  }
}

Bugs read_bugs(const protocols::RunConfig& run) {
  Bugs b;
  b.figure8 = run.has_bug("figure8");
  b.no_persist_vote = run.has_bug("no-persist-vote");
  b.no_persist_log = run.has_bug("no-persist-log");
  b.no_step_down = run.has_bug("no-step-down");
  b.truncate_on_stale = run.has_bug("truncate-on-stale");
  b.longer_log_wins = run.has_bug("longer-log-wins");
  b.heartbeat_skips_check = run.has_bug("heartbeat-skips-check");
  b.match_from_own_log = run.has_bug("match-from-own-log");
  b.accept_stale_replies = run.has_bug("accept-stale-replies");
  b.count_votes_not_voters = run.has_bug("count-votes-not-voters");
  b.local_reads = run.has_bug("local-reads");
  b.lease_longer_than_timeout = run.has_bug("lease-longer-than-timeout");
  b.membership_no_term_commit = run.has_bug("membership-no-term-commit");
  b.no_dedup = run.has_bug("no-dedup");
  return b;
}

}  // namespace

RaftParams read_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  RaftParams p;
  p.servers = static_cast<int>(o.integer("servers"));
  NodeConfig& n = p.node;
  for (int i = 0; i < p.servers; ++i) {
    n.servers.push_back(static_cast<NodeId>(i));
    n.initial_config.push_back(static_cast<NodeId>(i));
  }
  p.workload = kv::read_workload(o, n.servers);
  n.bugs = read_bugs(run);
  n.heartbeat_ns = o.duration("heartbeat");
  n.election_min_ns = o.duration("election_timeout");
  n.election_max_ns = 2 * n.election_min_ns;
  n.leader_noop = o.boolean("leader_noop");
  n.pre_vote = o.boolean("pre_vote");
  n.check_quorum = o.boolean("check_quorum");
  const std::string& read = o.text("read");
  n.read_mode = read == "index" ? ReadMode::index : read == "lease" ? ReadMode::lease : ReadMode::log;
  n.lease_margin_ns = o.duration("lease_margin");
  n.snapshot_interval = static_cast<std::uint64_t>(o.integer("snapshot_interval"));
  n.max_batch = static_cast<std::size_t>(o.integer("max_batch"));
  p.membership = o.boolean("membership");
  p.membership_interval_ns = o.duration("membership_interval");
  p.admins = static_cast<int>(o.integer("admins"));
  p.liveness_bound_ns = o.duration("liveness_bound");
  if (p.liveness_bound_ns == 0) p.liveness_bound_ns = 10 * n.election_min_ns;
  return p;
}

namespace {

const RaftNode* node_of(const Simulation& sim, NodeId server) {
  const auto* actor = dynamic_cast<const RaftServer*>(sim.actor(server));
  return actor ? actor->node() : nullptr;
}

class RaftRun final : public protocols::ProtocolRun {
 public:
  RaftRun(RaftParams params, Time heal_ns) : params_(std::move(params)), heal_ns_(heal_ns) {}

  RaftParams params_;
  Time heal_ns_;
  std::shared_ptr<RaftInvariants> invariants;
  protocols::DurableLedger ledger;
  std::uint64_t check_budget = protocols::kDefaultCheckBudget;

  void finish(Simulation& sim) override {
    protocols::check_linearizability(sim, checks, "kv", check_budget);
  }

  // A leader is working: one committed an entry of its term since the heal, or one that
  // did so earlier still leads (an idle cluster has nothing new to commit), or one has
  // appended nothing of its term and a quorum acknowledged it within the bound (without
  // the no-op, a leader elected after the heal has nothing of its term to commit until a
  // client writes; Raft seed 369 with rate=2 had no write for 600 ms); and the clients
  // are answered.
  protocols::LivenessFinding stuck(const Simulation& sim) const {
    bool leading = invariants->last_leader_commit_ns() >= heal_ns_;
    for (NodeId s : groups.nodes("servers")) {
      const RaftNode* n = node_of(sim, s);
      if (!n || sim.is_paused(s) || n->role() != Role::leader) continue;
      if (n->commit_index() >= n->term_start_index()) leading = true;
      const Time now = sim.local_time(s);
      const Time acked = n->quorum_acked_at(now);
      const bool answered = acked != kTimeNone && now - acked <= params_.liveness_bound_ns;
      // A leader a quorum answered within the bound is working if it has nothing of its
      // term to commit (without the no-op, until a client writes), or if its first entry
      // of the term is so new that no quorum has answered a message sent after it yet
      // (its commit is one round away: with 30 ms elections, seed 1,177's first request
      // reached the leader 3 ms before the judge looked). That entry is then younger
      // than the bound, since the answer was within it.
      const bool nothing_yet = n->log().last_index() < n->term_start_index();
      FAULTLINE_ASSERT(nothing_yet || n->term_entry_at() != kTimeNone,
                       "a leader holding an entry of its term knows when it appended the first");
      const bool entry_new = !nothing_yet && acked < n->term_entry_at();
      if (answered && (nothing_yet || entry_new)) leading = true;
    }
    std::string problem = leading ? "" : "no leader committed an entry of its term since the heal";
    std::string not_judged;
    const std::string clients = kv::clients_stuck(sim, groups.nodes("clients"), params_.workload,
                                                  heal_ns_, params_.liveness_bound_ns, &not_judged);
    if (!clients.empty()) problem += (problem.empty() ? "" : "; ") + clients;
    return {problem, not_judged};
  }

  nlohmann::json summary(const Simulation& sim) const override {
    nlohmann::json j;
    j["leaders_elected"] = invariants->leaders_elected();
    j["max_term"] = invariants->max_term();
    j["committed_index"] = invariants->committed_index();
    j["operations"] = kv::total_stats(sim, groups.nodes("clients")).to_json();
    NodeStats nodes;
    for (NodeId s : groups.nodes("servers")) {
      if (const RaftNode* n = node_of(sim, s)) {
        nodes.snapshots_taken += n->stats().snapshots_taken;
        nodes.snapshots_installed += n->stats().snapshots_installed;
        nodes.reads_local += n->stats().reads_local;
        nodes.reads_index += n->stats().reads_index;
        nodes.campaigns_outside_config += n->stats().campaigns_outside_config;
      }
    }
    j["snapshots_taken"] = nodes.snapshots_taken;  // by servers up at the end
    j["snapshots_installed"] = nodes.snapshots_installed;
    j["reads_local"] = nodes.reads_local;
    j["reads_index"] = nodes.reads_index;
    if (groups.has("admins")) {
      std::uint64_t changes = 0;
      for (NodeId a : groups.nodes("admins")) {
        if (const auto* admin = dynamic_cast<const RaftAdmin*>(sim.actor(a)))
          changes += admin->changes_ok();
      }
      j["membership_changes"] = changes;
      // Servers outside their latest configuration that campaigned because it was not yet
      // committed (thesis §4.2.2): the path that keeps a leader's self-removal live.
      j["campaigns_outside_config"] = nodes.campaigns_outside_config;
    }
    return j;
  }
};

void add_invariants(Simulation& sim, RaftRun& run) {
  // The observer records each property as it breaks, so one call after each event looks
  // at all of them (seven calls cost Raft's fuzz profile 4% of its instructions).
  std::vector<std::string> names;
  for (int k = 0; k < kProperties; ++k) names.emplace_back(property_name(static_cast<Property>(k)));
  std::shared_ptr<RaftInvariants> inv = run.invariants;
  sim.add_invariant_group(
      std::move(names),
      [inv](const Simulation&) -> std::optional<std::pair<std::size_t, std::string>> {
        if (!inv->any_violation()) return std::nullopt;
        for (int k = 0; k < kProperties; ++k) {
          const std::optional<std::string>& broken = inv->violation(static_cast<Property>(k));
          if (broken) return std::pair{static_cast<std::size_t>(k), *broken};
        }
        return std::nullopt;
      });
  protocols::watch_durable_state(sim, run.ledger);
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& config) {
  auto run = std::make_unique<RaftRun>(read_params(config), config.heal_ns);
  const RaftParams& p = run->params_;
  run->check_budget = config.check_budget;
  run->invariants = std::make_shared<RaftInvariants>(sim);
  RaftInvariants* inv = run->invariants.get();
  protocols::DurableLedger* ledger = &run->ledger;
  protocols::add_group(sim, *run, "servers", "s", p.servers, "server", [&](int i) {
    NodeConfig node = p.node;
    node.id = static_cast<NodeId>(i);
    return [node, inv, ledger](NodeId) { return std::make_unique<RaftServer>(node, inv, ledger); };
  });
  protocols::add_group(sim, *run, "clients", "c", p.workload.clients, "client", [&](int i) {
    return [w = p.workload, i](NodeId) { return std::make_unique<kv::KvClient>(w, i); };
  });
  if (p.membership) {
    // Changes are a disturbance like the faults: they stop when the faults heal.
    const Time stop_at = config.has_faults ? config.heal_ns : kTimeNever;
    protocols::add_group(sim, *run, "admins", "a", p.admins, "client", [&](int) {
      return [p, stop_at](NodeId) {
        return std::make_unique<RaftAdmin>(p.node.servers, p.node.initial_config,
                                           p.membership_interval_ns,
                                           p.workload.request_timeout_ns,
                                           p.workload.op_timeout_ns, stop_at);
      };
    });
  }
  add_invariants(sim, *run);
  const RaftRun* self = run.get();
  protocols::schedule_liveness(sim, run->checks, config.heal_ns, p.liveness_bound_ns,
                               [self](const Simulation& s) { return self->stuck(s); });
  return run;
}

// Lease reads are correct while the clock jumps during one lease sum to less than the
// margin: keep each clock fault far below it (a node may have several at once).
void fault_budget(const protocols::RunConfig& config, FaultProfile& faults) {
  if (config.options.text("read") != "lease" && !config.has_bug("lease-longer-than-timeout")) {
    return;
  }
  const Duration margin = config.options.duration("lease_margin");
  faults.clock_offset_max_ns = std::min(faults.clock_offset_max_ns, margin / 8);
  faults.clock_jump_max_ns = std::min(faults.clock_jump_max_ns, margin / 8);
}

}  // namespace

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "raft";
  p.description =
      "Raft (Figure 2, PreVote, CheckQuorum, ReadIndex and lease reads, snapshots, "
      "single-server membership changes) under a linearizable key-value service";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"servers", "clients", "admins"};
  // Raft's storage detects torn records and a full disk halts a server; it does not claim
  // to survive corrupted reads or a disk that forgets writes it has not synced yet.
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
  p.fault_budget = fault_budget;
  p.setup = setup;
  return p;
}

}  // namespace faultline::raft
