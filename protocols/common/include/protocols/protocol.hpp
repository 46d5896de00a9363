#pragma once
// What a protocol is, how a run of one is specified, and the one function that
// performs a run: configure, set up, schedule faults, run, check at the end.
// Every verb (run, fuzz, replay, explore) and every test goes through run_protocol, so
// a run means the same thing everywhere.
//
// A protocol folder provides a `Protocol` value: name, options, planted bugs, and a
// setup function that adds its nodes, invariants and workload to a simulation.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/options.hpp"
#include "sim/faults.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {

struct OptionSpec {
  std::string name;
  std::string kind;           // int, bool, duration, enum(a|b|c), string
  std::string default_value;  // as it would be written after --set name=
  std::string description;
};

struct BugSpec {
  std::string name;
  std::string description;
};

struct RunSpec {
  std::uint64_t seed = 1;
  Options options;                // protocol parameters (--set k=v, scenario "parameters")
  std::vector<std::string> bugs;  // planted bugs switched on
  sim::FaultProfile faults;       // the random fault schedule (none by default)
  bool swarm = false;             // let config choices drop fault kinds (swarm testing)
  sim::Time time_limit_ns = 0;    // 0: the protocol's default
  std::uint64_t max_events = 0;   // 0: the simulator's default
  bool keep_payloads = false;     // message bodies in the trace (for --trace)
  bool keep_trace = true;         // keep the event records (false: hash and count only)
};

// One configured instance of a protocol inside a simulation.
class ProtocolRun {
 public:
  virtual ~ProtocolRun() = default;
  // Nodes the fault schedule may hit (servers, usually not clients).
  virtual std::vector<sim::NodeId> fault_targets() const = 0;
  // End-of-run checks (linearizability of the history, liveness): report findings.
  virtual void finish(sim::Simulation& sim) { (void)sim; }
  // Protocol facts for the summary: leaders elected, operations completed...
  virtual nlohmann::json summary(const sim::Simulation& sim) const {
    (void)sim;
    return nlohmann::json::object();
  }
  // Whether the history was checked for linearizability, and the verdict.
  virtual std::optional<bool> linearizable() const { return std::nullopt; }
};

struct Protocol {
  std::string name;
  std::string description;
  std::vector<OptionSpec> options;
  std::vector<BugSpec> bugs;
  sim::Time default_time_ns = 10 * sim::kSecond;
  // Adjusts the simulator's configuration (network, disk, limits) for this protocol.
  std::function<void(const RunSpec&, sim::SimConfig&)> configure;
  // Adds nodes, invariants and workload. Bad options throw BadInput.
  std::function<std::unique_ptr<ProtocolRun>(sim::Simulation&, const RunSpec&)> setup;
};

struct RunOutput {
  std::unique_ptr<sim::ChoiceSource> choices;
  std::unique_ptr<sim::Simulation> sim;
  std::unique_ptr<ProtocolRun> run;
  sim::RunResult result;
  sim::FaultProfile faults;  // the schedule's profile after swarm selection
};

// Runs `protocol` once. With no `choices`, a seeded source for spec.seed. `prepare`, if
// given, runs after setup and the fault schedule and before the run: scripted events
// (a test's, a scenario's) go there. Throws BadInput for unknown options or bugs.
RunOutput run_protocol(const Protocol& protocol, const RunSpec& spec,
                       std::unique_ptr<sim::ChoiceSource> choices = nullptr,
                       const std::function<void(sim::Simulation&)>& prepare = {});

// The run's summary as DESIGN.md §6 names it for `run --json`.
nlohmann::json run_summary(const Protocol& protocol, const RunSpec& spec, const RunOutput& out);

// The fault schedule for a mode: "none"; "all" — every fault kind from the start to
// 80% of the run, the rest a healed liveness phase; "swarm" — the same, and the
// spec's swarm flag lets each seed drop kinds. Throws BadInput for another mode.
sim::FaultProfile fault_profile(const std::string& mode, sim::Time time_limit_ns,
                                const std::string& where = "--faults");

// A data-centre cluster, the setting our protocols run in unless they say otherwise:
// link latency 0.5 ms plus an exponential tail (mean +1 ms, capped at 20 ms), disk syncs
// of 0.1-2 ms.
void datacenter_defaults(sim::SimConfig& config);

// Checks every requested bug exists for the protocol.
void validate_bugs(const Protocol& protocol, const std::vector<std::string>& bugs);
bool has_bug(const RunSpec& spec, std::string_view name);

}  // namespace faultline::protocols
