#pragma once
// Failure scenarios as JSON files (docs/scenarios.md; JSON Schema in scenarios/schema.json).
//
// A scenario names a protocol, its options and planted bugs, the network, clocks and
// disks, a timeline of faults ("partition the leader away at 1 s, crash node 2 at 3 s,
// heal at 5 s"), how long to run, and what must happen. The same scenario and seed give
// the same run, event for event.
//
//   const Scenario s = load_scenario("scenarios/raft/leader-isolated.json");  // or BadInput
//   ScenarioRun r = run_scenario(s, {});
//   r.expectations.met   // and why not
//
// Node selectors (wherever a fault names nodes): a node id (2), a node name ("s2"), a
// group the protocol declares ("servers", "coordinators"), or "leader", "followers",
// "minority", "majority", "random", "all", "others" (everything not named elsewhere in
// the same fault). `leader` and friends are resolved when the fault fires; the trace
// records the concrete nodes chosen. Random choices (random, minority, majority,
// random-halves) go through the run's choice source, so a repro replays them.
//
// Invariants: a Scenario that load_scenario returned names a known protocol, known
// options with valid values, known bugs, and faults whose fields are all valid; only
// `leader`-like selectors can still fail to resolve, at run time, and that is recorded.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/protocol.hpp"
#include "sim/simulation.hpp"

namespace faultline::scenarios {

inline constexpr std::string_view kScenarioFormat = "faultline-scenario/1";

// One selector as written, with where it was written (for run-time explanations).
struct Selector {
  std::vector<std::string> terms;  // each a name, a group, a keyword or "#<id>"
  std::string path;
  bool empty() const { return terms.empty(); }
};

enum class StepKind : std::uint8_t {
  partition, one_way, heal, drop, duplicate, delay, reorder,
  crash, restart, pause, resume, clock, disk,
};
std::string_view step_kind_name(StepKind kind);

struct FaultStep {
  StepKind kind = StepKind::heal;
  sim::Time at_ns = 0;
  std::optional<sim::Duration> for_ns;  // a window: the fault ends by itself
  std::string path;                     // "$.faults[3]"
  std::string note;                     // shown in the trace
  // partition
  std::vector<Selector> groups;
  std::string spec;                     // a named partition: halves, random-halves, ...
  Selector among;                       // the nodes a named partition splits
  // one-way, drop, duplicate, delay, reorder
  Selector from;
  Selector to;
  sim::Ratio probability{1, 1};
  sim::Duration delay_ns = 0;
  // crash, restart, pause, resume, clock, disk
  Selector nodes;
  // clock
  std::optional<sim::Duration> offset_ns;
  std::optional<std::int64_t> drift_ppm;
  std::optional<sim::Duration> jump_ns;
  std::optional<sim::Duration> strobe_ns;        // amplitude
  sim::Duration strobe_period_ns = 10 * sim::kMillisecond;
  // disk: lose-unsynced, torn-writes, corrupt-reads, slow, full, wipe
  std::string disk;
  std::int64_t slow_factor = 10;

  // When the step's effect ends: at_ns + for_ns, or at_ns.
  sim::Time last_ns() const { return at_ns + for_ns.value_or(0); }
};

struct Expectation {
  // Findings that must occur: the run must break one of these and nothing else. Empty
  // list: nothing may break. Absent: not checked.
  std::optional<std::vector<std::string>> violations;
  std::optional<bool> linearizable;
  std::optional<bool> liveness;
  bool any() const { return violations || linearizable || liveness; }
};

struct NetworkSpec {
  std::optional<sim::Latency> latency;
  std::optional<sim::Ratio> drop, duplicate, reorder;
  std::optional<sim::Duration> reorder_max_ns;
  std::optional<std::uint64_t> bandwidth_bytes_per_sec;
};

struct ClockSpec {
  sim::Duration skew_max_ns = 0;   // each node's initial offset, drawn in [-skew, skew]
  std::int64_t drift_max_ppm = 0;  // each node's drift, drawn in [-drift, drift]
};

struct DiskSpec {
  std::optional<sim::Duration> sync_min_ns, sync_max_ns;
  std::optional<sim::Ratio> torn_writes, read_corruption;
};

// Explore mode (sim/explore.hpp): the run's schedule is a tape of choices among the
// enabled events, within these budgets; the explorer writes it into its repro files.
struct ExploreBlock {
  sim::ExploreConfig budget;        // on, drops, duplicates, crashes, restarts, timeouts
  std::vector<std::string> crash;   // groups or node names a crash may hit
};

struct Scenario {
  std::string file;  // where it was read from ("" when built in memory)
  std::string name;
  std::string description;
  std::string protocol;
  std::uint64_t seed = 1;
  protocols::Options options;  // from "options", "nodes" and "workload", each value located
  std::vector<std::string> bugs;
  NetworkSpec network;
  ClockSpec clocks;
  DiskSpec disk;
  std::vector<FaultStep> faults;
  std::string random_faults = "none";  // none, all, swarm or a list of kinds
  std::optional<ExploreBlock> explore;  // explore mode, with its budgets
  std::optional<sim::Time> run_ns;
  std::optional<sim::Duration> liveness_ns;  // the healed phase after the last fault
  Expectation expect;
  nlohmann::json source;  // the scenario as written (a repro file embeds it)

  // When the last scripted fault ends (0: no faults).
  sim::Time heal_ns() const;
};

// Parses and validates (throws BadInput naming the file and JSON path).
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file);

// A scenario equivalent to `run --protocol P ...` (for repro files of such runs).
Scenario scenario_for_run(const protocols::Protocol& protocol, const protocols::RunSpec& spec,
                          const std::string& fault_mode);

// What a command line adds to a scenario.
struct Overrides {
  std::optional<std::uint64_t> seed;
  protocols::Options sets;            // --set
  std::vector<std::string> bugs;      // --bug (added)
  std::optional<sim::Time> time_ns;   // --time
  std::uint64_t max_events = 0;
  bool keep_payloads = false;
  bool keep_trace = true;
  bool keep_digests = false;  // per-event digests, to save a repro file
  bool hash_trace = true;     // false: the run's trace hash is not reported (fuzzing)
};

struct ExpectationResult {
  bool checked = false;  // the scenario states expectations
  bool met = true;
  bool undecided = false;  // unmet only because a check could not decide
  std::vector<std::string> unmet;  // a sentence each
};

struct ScenarioRun {
  protocols::RunSpec spec;
  protocols::RunOutput out;
  ExpectationResult expectations;
  std::vector<std::string> timeline;  // what each fault did, as the trace logs it
};

// The run specification a scenario describes (validated; throws BadInput).
protocols::RunSpec run_spec(const Scenario& s, const Overrides& o);
// Everything short of running: options, bugs, the run length, every selector's names
// (throws BadInput). Cheap: sets the run up without starting it.
void validate(const Scenario& s, const Overrides& o);
// Runs it. With `choices` (a replayed tape), that source instead of the seed's.
ScenarioRun run_scenario(const Scenario& s, const Overrides& o,
                         std::unique_ptr<sim::ChoiceSource> choices = nullptr);
// The exit-relevant judgement: expectations if the scenario has any, else the verdict.
ExpectationResult judge(const Scenario& s, const protocols::RunOutput& out);

}  // namespace faultline::scenarios
