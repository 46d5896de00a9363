#pragma once
// What a protocol is, how a run of one is specified, and the one function that performs
// a run: resolve options and bugs, draw a swarm configuration, set up, schedule faults,
// run, check at the end. Every verb (run, replay, fuzz, shrink, explore) and every test
// goes through run_protocol, so a run means the same thing everywhere.
//
// A protocol folder provides a `Protocol` value (its one line outside the folder is its
// registration in protocols/registry.cpp): name, typed options, planted bugs, node
// groups, the fault kinds it claims to tolerate, and a setup function that adds its
// nodes, invariants and workload to a simulation. docs/protocols.md walks through one.
//
// Determinism: a run is a function of (protocol, RunSpec, choices). The swarm
// configuration — which fault kinds, at what pace, which option values — is drawn
// through the run's choice source (kind `config`), first on the tape, so a replayed tape
// replays it and a shrinker can simplify it.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/checks.hpp"
#include "protocols/explore.hpp"
#include "protocols/options.hpp"
#include "sim/faults.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {

struct BugSpec {
  std::string name;
  std::string description;
  // Options the bug needs to show (a lease bug needs lease reads), set unless the user
  // gave them. Swarm testing keeps them.
  std::vector<std::pair<std::string, std::string>> implies = {};
  // The checks whose violation shows this bug (documentation and tests).
  std::vector<std::string> finds = {};
};

struct RunSpec {
  std::uint64_t seed = 1;
  Options options;                // --set k=v, a scenario's "options"
  std::vector<std::string> bugs;  // planted bugs switched on
  sim::FaultProfile faults;       // the random fault schedule (none by default)
  bool swarm = false;             // draw fault kinds, pace and options per seed
  sim::Time time_limit_ns = 0;    // 0: the protocol's default
  std::uint64_t max_events = 0;   // 0: the simulator's default
  bool keep_payloads = false;     // message bodies in the trace (for --trace)
  bool keep_trace = true;         // keep the event records (false: hash and count only)
  bool keep_digests = false;      // keep each event's digest (to save a repro file)
  bool hash_trace = true;         // false: a faster run whose trace hash is not reported
  // When the last scripted fault ends (a scenario's timeline); 0: none. Liveness is
  // judged from the later of this and the random schedule's end.
  sim::Time scripted_heal_ns = 0;
  // Configurations the end-of-run linearizability search may explore (a count of work,
  // never wall-clock time); beyond it the check is unknown. 0: kDefaultCheckBudget.
  std::uint64_t check_budget = 0;
  // Adjusts the simulator's configuration after the protocol's defaults (a scenario's
  // network, clocks and disks).
  std::function<void(sim::SimConfig&)> configure;
};
inline constexpr std::uint64_t kDefaultCheckBudget = 2'000'000;

// What a protocol's setup sees: the run's resolved configuration.
struct RunConfig {
  std::uint64_t seed = 0;
  OptionValues options;
  std::vector<std::string> bugs;
  sim::Time time_limit_ns = 0;
  sim::Time heal_ns = 0;  // no fault is active from here on (0: there were none)
  bool has_faults = false;
  std::uint64_t check_budget = kDefaultCheckBudget;
  bool has_bug(std::string_view name) const;
};

// One configured instance of a protocol inside a simulation.
class ProtocolRun {
 public:
  virtual ~ProtocolRun() = default;
  // Nodes the random fault schedule may hit: the group "servers" unless overridden.
  virtual std::vector<sim::NodeId> fault_targets() const { return groups.nodes("servers"); }
  // The node that leads now, for the scenario selector `leader`: by default the fault
  // target whose annotation role=leader has the highest term (or ballot).
  virtual std::optional<sim::NodeId> leader(const sim::Simulation& sim) const;
  // End-of-run checks (linearizability, atomicity, ...): record into `checks`, report
  // findings to `sim`. Called only when the run itself found nothing.
  virtual void finish(sim::Simulation& sim) { (void)sim; }
  // Explore mode (protocols/explore.hpp): at a state where no event is enabled any more,
  // what is stuck for good — a liveness finding of the state graph (2PC's blocking: a
  // participant in doubt whose coordinator is down). Empty: nothing (the default).
  virtual std::string stuck_now(const sim::Simulation& sim) const {
    (void)sim;
    return {};
  }
  // Protocol facts for the summary: leaders elected, operations completed...
  virtual nlohmann::json summary(const sim::Simulation& sim) const {
    (void)sim;
    return nlohmann::json::object();
  }

  NodeGroups groups;
  Checks checks;
};

struct Protocol {
  std::string name;
  std::string description;
  OptionTable options;
  std::vector<BugSpec> bugs;
  std::vector<std::string> groups;     // the node groups its runs declare
  std::vector<sim::FaultKind> faults;  // the kinds it claims to tolerate (within budget)
  sim::Time default_time_ns = 10 * sim::kSecond;
  // Rules across options; throw BadInput naming the option at fault (values.where()).
  std::function<void(const OptionValues&)> validate;
  // Adjusts the simulator's configuration (network, disk, limits) for this protocol.
  std::function<void(const RunConfig&, sim::SimConfig&)> configure;
  // Keeps a random fault schedule within what the protocol claims to tolerate for this
  // configuration (e.g. clock jumps below a lease margin).
  std::function<void(const RunConfig&, sim::FaultProfile&)> fault_budget;
  // Adds nodes, groups, invariants and workload.
  std::function<std::unique_ptr<ProtocolRun>(sim::Simulation&, const RunConfig&)> setup;
  // Exploration (protocols/explore.hpp): named small configurations, the first being the
  // default; and, optionally, a pure model of the world the explorer can copy (its factory
  // returns null for a configuration it does not model: the explorer then re-runs the
  // simulator).
  std::vector<ExplorePreset> explore_presets;
  ExploreFactory explore;

  const BugSpec* find_bug(std::string_view bug) const;
};

// Scripted events (a scenario's timeline, a test's faults): run after setup and the
// random schedule, before the run; they may resolve groups and the leader via `run`.
using Prepare = std::function<void(sim::Simulation&, ProtocolRun&)>;

struct RunOutput {
  std::unique_ptr<sim::ChoiceSource> choices;
  std::unique_ptr<sim::Simulation> sim;
  std::unique_ptr<ProtocolRun> run;
  sim::RunResult result;
  RunConfig config;
  sim::FaultProfile faults;                    // after swarm selection and the budget
  std::shared_ptr<const sim::FaultLog> fault_log;  // what the random schedule did
  std::map<std::string, std::string> swarm;    // option values swarm testing drew
  // The drawn values that broke a rule with the options given, and went back to their
  // quiet values (which `swarm` holds): name -> the value drawn.
  std::map<std::string, std::string> swarm_quieted;
  // ok / violation from the simulator's findings, then unknown if a check was unknown.
  sim::Verdict verdict() const;
};

// The linearizability check's verdict: true or false when it decided, else nullopt.
std::optional<bool> linearizable(const RunOutput& out);

// Resolves and checks a run's options and bugs without running it (throws BadInput).
RunConfig resolve_run(const Protocol& protocol, const RunSpec& spec);

// Runs `protocol` once. With no `choices`, a seeded source for spec.seed.
RunOutput run_protocol(const Protocol& protocol, const RunSpec& spec,
                       std::unique_ptr<sim::ChoiceSource> choices = nullptr,
                       const Prepare& prepare = {});
// The same in two steps: everything up to the first event (so bad input in a scenario's
// timeline is found without running), then the run and its end-of-run checks.
RunOutput prepare_run(const Protocol& protocol, const RunSpec& spec,
                      std::unique_ptr<sim::ChoiceSource> choices = nullptr,
                      const Prepare& prepare = {});
void execute_run(RunOutput& out);

// The run's summary as DESIGN.md §6 names it for `run --json`: verdict, violations,
// checks (every invariant and end-of-run check by name), linearizable, events,
// sim_time_ns, trace_hash, and the protocol's own facts.
nlohmann::json run_summary(const Protocol& protocol, const RunSpec& spec, const RunOutput& out);

// The fault schedule for a mode: "none"; "all" — every kind the protocol tolerates,
// from the start to 80% of the run, the rest a healed liveness phase; "swarm" — the
// same, with kinds and pace drawn per seed; or a comma-separated list of kinds.
// Throws BadInput for anything else.
sim::FaultProfile fault_profile(const Protocol& protocol, const std::string& mode,
                                sim::Time time_limit_ns, const std::string& where = "--faults");

// The generic swarm profile: what `faultline fuzz --protocol P` runs for one seed. Every
// fault kind the protocol tolerates, over the first 80% of its default run length, with
// the kinds, the pace and every option that declares a swarm domain drawn per seed
// through the choice source; the bugs given switched on (with the options they imply).
// No per-bug tuning: one profile per protocol must find every planted bug.
RunSpec swarm_spec(const Protocol& protocol, std::uint64_t seed,
                   std::vector<std::string> bugs = {});
inline constexpr std::uint64_t kSwarmMaxEvents = 1'000'000;  // a livelock ends here

// A data-centre cluster, the setting our protocols run in unless they say otherwise:
// link latency 0.5 ms plus an exponential tail (mean +1 ms, capped at 20 ms), disk syncs
// of 0.1-2 ms.
void datacenter_defaults(sim::SimConfig& config);

// Adds `count` nodes to `group`, named prefix0, prefix1, ... (s0, c0, dn0): one naming
// everywhere. Returns their ids.
std::vector<sim::NodeId> add_group(sim::Simulation& sim, ProtocolRun& run,
                                   const std::string& group, const std::string& prefix,
                                   int count, const std::string& role,
                                   const std::function<sim::ActorFactory(int index)>& factory);

}  // namespace faultline::protocols
