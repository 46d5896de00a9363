// Single-decree Paxos as a faultline protocol: options and planted bugs (declared once, in
// the kit's tables), setup, the invariants, liveness and the end-of-run check.
#include <algorithm>
#include <set>

#include "paxos/paxos.hpp"
#include "paxos/paxos_explore.hpp"
#include "paxos/paxos_invariants.hpp"
#include "paxos/paxos_server.hpp"
#include "paxos/register_model.hpp"
#include "protocols/run_checks.hpp"

namespace faultline::paxos {
using namespace sim;
using protocols::BadInput;

Bugs read_bugs(const protocols::RunConfig& run) {
  Bugs b;
  b.forget_promise = run.has_bug("forget-promise");
  b.forget_accepted = run.has_bug("forget-accepted");
  b.ignore_accepted_value = run.has_bug("ignore-accepted-value");
  b.any_accepted_value = run.has_bug("any-accepted-value");
  b.ballot_reuse = run.has_bug("ballot-reuse");
  b.quorum_off_by_one = run.has_bug("quorum-off-by-one");
  b.accept_lower_ballot = run.has_bug("accept-lower-ballot");
  b.leader_skips_recovery = run.has_bug("leader-skips-recovery");
  return b;
}

namespace {

void declare_options(protocols::OptionTable& t) {
  t.choice("model", "paxos", {"paxos", "register"},
           "paxos: single-decree Paxos with its roles and attempts; register: Stateright's Paxos "
           "example, `acceptors` servers in every role and `clients` clients that put then get "
           "(register_model.hpp)");
  t.integer("clients", 3, 1, 26, "model=register: clients, each a put then a get");
  t.choice("roles", "separate", {"separate", "combined"},
           "separate: proposers p0.., acceptors a0.., learners l0.. are distinct nodes; "
           "combined: servers s0.. each play all three roles")
      .swarm_all();
  t.integer("acceptors", 3, 1, 63, "acceptors (combined: servers)").swarm({"3", "5"});
  t.integer("proposers", 2, 1, 63,
            "proposers (separate roles only); beyond ~16 they duel for longer than the default "
            "liveness bound: give one (without faults 32 needed over 2 s, 63 over 5 s)")
      .swarm({"2", "3"});
  t.integer("learners", 1, 0, 63, "learners (separate roles only)").swarm({"1", "2"});
  t.integer("proposals", 0, 0, 1000000,
            "attempts per proposer; 0: one after another until the run ends")
      .shrink({"1", "2", "4"});
  t.duration("start_within", 20 * kMillisecond, 0, 60 * kSecond,
             "each proposer's first attempt starts at a random time in [0, this]: close "
             "starts make proposers duel")
      .swarm({"20ms", "2ms", "200ms"});
  t.duration("think", 300 * kMillisecond, 0, 60 * kSecond,
             "a proposer's pause before its next attempt, at most; under a few round trips a "
             "winner may take every round and starve the others (a liveness finding)")
      .swarm({"300ms", "100ms"});
  t.duration("retry", 50 * kMillisecond, kMillisecond, 60 * kSecond,
             "a phase's wait for a majority before the proposer backs off and retries; under "
             "the network's round trip no phase completes (a liveness finding)");
  t.duration(
      "backoff", 10 * kMillisecond, 0, 60 * kSecond,
      "the base of a proposer's random backoff (it doubles per preemption in a row, up to 4x); "
      "0: none, and duelling proposers may preempt each other for ever (a liveness finding)");
  t.duration("liveness_bound", 0, 0, 600 * kSecond,
             "after the last fault heals, every attempt completes and every learner learns "
             "within this; 0: 750ms, or 12 x backoff or 3 x retry when longer");
}

std::vector<protocols::BugSpec> bug_specs() {
  return {
      {"forget-promise",
       "an acceptor's promise is kept in memory only",
       {},
       {"durable state never goes back", "promises kept", "p2c", "agreement"}},
      {"forget-accepted",
       "an acceptor's accepted (ballot, value) is not persisted",
       {},
       {"durable state never goes back", "p2c", "agreement"}},
      {"ignore-accepted-value",
       "a proposer proposes its own value instead of the highest accepted one reported",
       {},
       {"p2c", "agreement", "linearizability"}},
      {"any-accepted-value",
       "a proposer adopts the first accepted value reported, not the highest ballot's",
       {},
       {"p2c", "agreement", "linearizability"}},
      {"ballot-reuse",
       "a restarted proposer starts its ballot rounds over",
       {},
       {"durable state never goes back", "one value per ballot", "p2c", "agreement"}},
      {"quorum-off-by-one",
       "proposers and learners decide on floor(n/2) accepts",
       {},
       {"learned is chosen", "agreement", "linearizability"}},
      {"accept-lower-ballot",
       "an acceptor accepts a ballot lower than it promised",
       {},
       {"promises kept", "p2c", "agreement", "durable state never goes back"}},
  };
}

void validate(const protocols::OptionValues& o) {
  if (o.text("model") == "register") {
    for (const std::string& name : o.table().names()) {
      if (name != "model" && name != "clients" && name != "acceptors" && o.given(name)) {
        throw BadInput(o.where(name), name + " applies to model=paxos only: the register model has "
                                             "`acceptors` servers and `clients` clients, nothing else "
                                             "(explore: --preset register)");
      }
    }
    if (o.integer("acceptors") > static_cast<std::int64_t>(reg::kMaxServers)) {
      throw BadInput(o.where("acceptors"), "model=register has at most " + std::to_string(reg::kMaxServers) +
                                               " servers, got " + std::to_string(o.integer("acceptors")));
    }
    return;
  }
  if (o.given("clients")) {
    throw BadInput(o.where("clients"), "clients applies to model=register only: model=paxos's "
                                       "proposers are its clients");
  }
  if (o.text("roles") == "combined") {
    for (const char* name : {"proposers", "learners"}) {
      if (o.given(name)) {
        throw BadInput(o.where(name), std::string("with roles=combined every server is a "
                                                  "proposer and a learner; leave ") +
                                          name + " out (acceptors sets the servers)");
      }
    }
  }
}

}  // namespace

SingleParams read_single_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  SingleParams p;
  p.combined = o.text("roles") == "combined";
  p.acceptors = static_cast<int>(o.integer("acceptors"));
  p.proposers = p.combined ? p.acceptors : static_cast<int>(o.integer("proposers"));
  p.learners = p.combined ? p.acceptors : static_cast<int>(o.integer("learners"));
  SingleConfig& n = p.node;
  n.proposals = static_cast<int>(o.integer("proposals"));
  n.start_max_ns = o.duration("start_within");
  n.think_max_ns = o.duration("think");
  n.retry_ns = o.duration("retry");
  n.backoff_ns = o.duration("backoff");
  n.bugs = read_bugs(run);
  p.liveness_bound_ns = o.duration("liveness_bound");
  // A preempted proposer may wait up to 4 x backoff before its next ballot, and one whose
  // messages were lost at the heal a whole retry before it acts: the default leaves room
  // for three of either (backoff=60s was called stuck at 750 ms fault-free, retry=1s on 17
  // of 150 swarm seeds).
  if (p.liveness_bound_ns == 0) {
    p.liveness_bound_ns = std::max({750 * kMillisecond, 3 * 4 * n.backoff_ns, 3 * n.retry_ns});
  }
  return p;
}

namespace {

const SingleNode* node_of(const Simulation& sim, NodeId id) {
  const auto* server = sim.actor_as<SingleServer>(id);
  return server ? server->node() : nullptr;
}

// Blocked in a disk sync (it wrote and has not heard back from the disk).
bool syncing(const Simulation& sim, NodeId id) {
  return sim.disk(id).unsynced() > 0;
}

// Valid values: those some proposer's attempt invoked ("cas [null, v]"), from the history.
class ProposedValues {
 public:
  bool contains(const Simulation& sim, std::string_view value) {
    const std::vector<HistoryEvent>& events = sim.history().events();
    for (; seen_ < events.size(); ++seen_) {
      const HistoryEvent& e = events[seen_];
      if (e.type == OpType::invoke && e.f == "cas" && e.value.is_array() && e.value.size() == 2 &&
          e.value[1].is_string()) {
        values_.insert(e.value[1].get<std::string>());
      }
    }
    return values_.count(std::string(value)) > 0;
  }

 private:
  std::size_t seen_ = 0;
  std::set<std::string, std::less<>> values_;
};

class SingleRun final : public protocols::ProtocolRun {
 public:
  SingleRun(SingleParams params, Time heal_ns, std::uint64_t budget)
      : params_(std::move(params)), heal_ns_(heal_ns), budget_(budget) {}

  SingleParams params_;
  Time heal_ns_;
  std::uint64_t budget_;
  std::shared_ptr<PaxosInvariants> invariants;
  protocols::DurableLedger ledger;

  std::vector<NodeId> fault_targets() const override {
    std::set<NodeId> all;
    for (const auto& [group, nodes] : groups.all()) all.insert(nodes.begin(), nodes.end());
    return {all.begin(), all.end()};
  }

  void finish(Simulation& sim) override {
    protocols::check_linearizability(sim, checks, "cas-register", budget_);
  }

  protocols::LivenessFinding stuck(const Simulation& sim) const;
  nlohmann::json summary(const Simulation& sim) const override;
};

// After the heal: no attempt is still open from before it, every proposer still working
// completed one since (judged when its pause fits the bound), and every learner learned
// (judged once an attempt succeeded after the heal: see below).
// A node still inside a disk sync it began under a slow-disk fault is not judged: the
// simulator fixes a sync's latency when it starts, and overlapping slow-disk windows
// multiply (two 50x windows make one sync take seconds), so such a sync can outlast the
// heal by more than any bound; the node cannot act until it returns.
protocols::LivenessFinding SingleRun::stuck(const Simulation& sim) const {
  std::vector<Time> open_since(sim.node_count(), kTimeNever);
  std::vector<Time> last_done(sim.node_count(), std::numeric_limits<Time>::min());
  bool chosen_since_heal = false;  // an attempt succeeded after the heal
  for (const HistoryEvent& e : sim.history().events()) {
    if (e.node >= sim.node_count() || e.f == "read") continue;
    open_since[e.node] = e.type == OpType::invoke ? e.time : kTimeNever;
    if (e.type != OpType::invoke) last_done[e.node] = e.time;
    chosen_since_heal = chosen_since_heal || (e.type == OpType::ok && e.time >= heal_ns_);
  }
  std::string problem;
  auto add = [&](const std::string& text) { problem += (problem.empty() ? "" : "; ") + text; };
  // A proposer may wait up to start_within before its first attempt (after every start,
  // a restart's too) and up to think between attempts: idleness is judged only when either
  // pause and then an attempt fit the bound (start_within=1s failed every fault-free run at
  // 750 ms). An attempt may wait a retry and four backoffs, and a clock the faults moved
  // ahead (jumps of up to 200 ms) ends a pause late: start_within=740ms failed 2 of 150.
  const SingleConfig& cfg = params_.node;
  const Duration idle_span = std::max(cfg.think_max_ns, cfg.start_max_ns) + cfg.retry_ns +
                             4 * cfg.backoff_ns + sim::FaultProfile{}.clock_jump_max_ns;
  const bool judge_idle = idle_span <= params_.liveness_bound_ns;
  std::string idle;  // proposers idle since the heal, when idleness is not judged
  auto add_idle = [&](const std::string& text) { idle += (idle.empty() ? "" : "; ") + text; };
  for (NodeId p : groups.nodes("proposers")) {
    const SingleNode* n = node_of(sim, p);
    if (n == nullptr || n->proposer()->phase() == Phase::done || syncing(sim, p)) continue;
    // An attempt open in the history but not in the proposer is its crashed incarnation's:
    // it will never complete, and is not the restarted proposer's to finish.
    const Phase phase = n->proposer()->phase();
    const bool attempting =
        phase == Phase::prepare || phase == Phase::accept || phase == Phase::backoff;
    if (attempting && open_since[p] < heal_ns_) {
      add(sim.node_name(p) + "'s attempt begun at " + format_time(open_since[p]) +
          " is still open (" + std::string(phase_name(n->proposer()->phase())) + ")");
    } else if (last_done[p] < heal_ns_) {
      const std::string text = sim.node_name(p) + " completed no attempt since the heal";
      judge_idle ? add(text) : add_idle(text);
    }
  }
  // A learner learns from an attempt's acceptances, which every acceptor sends every
  // learner; one that lost them learns only from a later attempt (there is no catch-up:
  // Paxos Made Simple's remedy, a learner asking a proposer for a new ballot, is not
  // built). So learners are judged once an attempt succeeded after the heal. With a fixed
  // number of attempts (proposals=1) all may end before the heal, and then nothing says
  // a learner that lost them must learn.
  if (invariants->chosen(0) != nullptr && chosen_since_heal) {
    for (NodeId l : groups.nodes("learners")) {
      const SingleNode* n = node_of(sim, l);
      if (n != nullptr && !syncing(sim, l) && !n->learner()->learned()) {
        add(sim.node_name(l) + " learned nothing");
      }
    }
  }
  std::string not_judged;
  if (!idle.empty()) {
    not_judged = idle +
                 " (not required: a proposer's longest pause, a retry, four backoffs and a clock "
                 "jump take up to " +
                 format_time(idle_span) + ", over the bound)";
  }
  return {problem, not_judged};
}

nlohmann::json SingleRun::summary(const Simulation& sim) const {
  const InvariantStats& s = invariants->stats();
  std::uint64_t ok = 0, fail = 0, learned = 0;
  for (const HistoryEvent& e : sim.history().events()) {
    if (e.f != "cas") continue;
    ok += e.type == OpType::ok ? 1 : 0;
    fail += e.type == OpType::fail ? 1 : 0;
  }
  for (NodeId l : groups.nodes("learners")) {
    const SingleNode* n = node_of(sim, l);
    learned += n != nullptr && n->learner()->learned() ? 1 : 0;
  }
  std::uint64_t restarts = 0;  // the durable state's "sometimes": acceptors did restart
  for (NodeId a : groups.nodes("acceptors")) restarts += sim.incarnation(a);
  std::uint64_t preemptions = 0, adopted = 0;  // by proposers up at the end
  for (NodeId p : groups.nodes("proposers")) {
    if (const SingleNode* n = node_of(sim, p)) {
      preemptions += n->proposer()->preemptions();
      adopted += n->proposer()->adopted();
    }
  }
  const std::string* chosen = invariants->chosen(0);
  return {{"chosen", chosen ? nlohmann::json(*chosen) : nlohmann::json(nullptr)},
          {"values_chosen", s.slots_chosen},
          {"chosen_again", s.chosen_again},
          {"chosen_over_rival", s.chosen_over_rivals},
          {"proposals", s.proposals},
          {"promises", s.promises},
          {"accepts", s.accepts},
          {"learns", s.learns},
          {"max_round", s.max_round},
          {"attempts_own_value_chosen", ok},
          {"attempts_other_value_chosen", fail},
          {"learners_learned", learned},
          {"preemptions", preemptions},
          {"acceptor_restarts", restarts},
          {"adopted_reported_value", adopted}};
}

void add_invariants(Simulation& sim, SingleRun& run) {
  watch(sim, run.invariants);
  protocols::watch_durable_state(sim, run.ledger);
}

bool register_model(const protocols::RunConfig& config) { return config.options.text("model") == "register"; }

void refuse_bugs(const protocols::RunConfig& config) {
  if (!config.bugs.empty()) {
    throw BadInput("--bug", "the planted bugs are model=paxos's: " + config.bugs.front() +
                                " is not planted in model=register");
  }
}

// Ids are dense in the order nodes are added: proposers, acceptors, learners (or servers).
std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& config) {
  if (register_model(config)) {
    refuse_bugs(config);
    return reg::setup(sim, config, static_cast<int>(config.options.integer("acceptors")),
                      static_cast<int>(config.options.integer("clients")));
  }
  auto run =
      std::make_unique<SingleRun>(read_single_params(config), config.heal_ns, config.check_budget);
  const SingleParams& p = run->params_;
  const auto first = static_cast<NodeId>(sim.node_count());
  SingleConfig base = p.node;
  const NodeId acceptor0 = p.combined ? first : first + static_cast<NodeId>(p.proposers);
  const NodeId learner0 = p.combined ? first : acceptor0 + static_cast<NodeId>(p.acceptors);
  for (int i = 0; i < p.acceptors; ++i) base.acceptors.push_back(acceptor0 + i);
  for (int i = 0; i < p.learners; ++i) base.learners.push_back(learner0 + i);
  auto inv = std::make_shared<PaxosInvariants>(
      sim, base.acceptors,
      [values = std::make_shared<ProposedValues>()](const Simulation& s, std::string_view v) {
        return values->contains(s, v);
      });
  run->invariants = inv;
  protocols::DurableLedger* ledger = &run->ledger;
  auto factory = [&](bool proposer, bool acceptor, bool learner, const std::string& prefix) {
    return [&, proposer, acceptor, learner, prefix](int i) {
      SingleConfig c = base;
      c.proposer = proposer;
      c.acceptor = acceptor;
      c.learner = learner;
      c.proposer_index = static_cast<std::uint32_t>(i);
      c.name = prefix + std::to_string(i);
      return [c, obs = inv.get(), ledger](NodeId id) {
        SingleConfig mine = c;
        mine.id = id;
        return std::make_unique<SingleServer>(std::move(mine), obs, ledger);
      };
    };
  };
  if (p.combined) {
    for (NodeId id : protocols::add_group(sim, *run, "servers", "s", p.acceptors, "server",
                                          factory(true, true, true, "s"))) {
      for (const char* g : {"proposers", "acceptors", "learners"}) run->groups.add(g, id);
    }
  } else {
    protocols::add_group(sim, *run, "proposers", "p", p.proposers, "proposer",
                         factory(true, false, false, "p"));
    protocols::add_group(sim, *run, "acceptors", "a", p.acceptors, "acceptor",
                         factory(false, true, false, "a"));
    protocols::add_group(sim, *run, "learners", "l", p.learners, "learner",
                         factory(false, false, true, "l"));
  }
  FAULTLINE_ASSERT(run->groups.nodes("acceptors") == base.acceptors, "acceptor ids as planned");
  FAULTLINE_ASSERT(run->groups.nodes("learners") == base.learners, "learner ids as planned");
  add_invariants(sim, *run);
  const SingleRun* self = run.get();
  protocols::schedule_liveness(sim, run->checks, config.heal_ns, p.liveness_bound_ns,
                               [self](const Simulation& s) { return self->stuck(s); });
  return run;
}

}  // namespace

protocols::Protocol single_decree_protocol() {
  protocols::Protocol p;
  p.name = "paxos";
  p.description =
      "single-decree Paxos (Paxos Made Simple): proposers, acceptors and learners, "
      "duelling proposers with random backoff; each attempt a write-once register operation";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"proposers", "acceptors", "learners", "servers"};
  // Records are checksummed and a full disk halts a node; Paxos does not claim to survive
  // corrupted reads or a disk that forgets writes it has not synced yet.
  for (int k = 0; k < kFaultKinds; ++k) {
    const auto kind = static_cast<FaultKind>(k);
    if (kind != FaultKind::read_corruption && kind != FaultKind::lose_unsynced) {
      p.faults.push_back(kind);
    }
  }
  p.default_time_ns = 5 * kSecond;
  p.validate = validate;
  p.configure = [](const protocols::RunConfig&, SimConfig& config) {
    protocols::datacenter_defaults(config);
  };
  p.setup = setup;
  // The register model keeps nothing durable (as Stateright's example): random faults
  // leave its servers up and their disks whole.
  p.fault_budget = [](const protocols::RunConfig& run, sim::FaultProfile& profile) {
    if (!register_model(run)) return;
    std::erase_if(profile.kinds, [](FaultKind k) {
      return k == FaultKind::crash || k == FaultKind::leader_crash || k == FaultKind::torn_writes ||
             k == FaultKind::disk_full;
    });
  };
  p.explore_presets = single_explore_presets();
  p.explore = [single = single_explore_factory()](const protocols::RunConfig& run, const protocols::ExploreSpec& spec)
      -> std::unique_ptr<protocols::ExploreWorld> {
    if (!register_model(run)) return single(run, spec);
    refuse_bugs(run);
    return reg::explore_world(run, spec, static_cast<int>(run.options.integer("acceptors")),
                              static_cast<int>(run.options.integer("clients")));
  };
  return p;
}

}  // namespace faultline::paxos
