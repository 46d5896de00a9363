#pragma once
// The explorer: bounded exhaustive exploration (model checking) of a small configuration
// of a protocol, on the very code the simulator runs (docs/explorer.md).
//
// A world is a protocols::ExploreWorld: either the protocol's pure model (copies of its
// pure nodes, network and invariants; fast) or the simulator itself in explore mode,
// re-run from the start for every state (any actor, blocking clients included; slow).
// Strategies:
//
//   bfs          breadth first with a visited set of fingerprints: the first violation
//                found has a shortest path. Parallel with --jobs, level by level; the
//                result does not depend on the number of jobs.
//   dfs          depth first with a visited set and, by default, sleep sets (Godefroid):
//                transitions that commute with one already explored are not taken again.
//   dfs, shortest  depth first with a visited set that remembers the depth each state was
//                reached at, and no reduction; after a violation it goes on with paths one
//                step shorter than the best found, and expands a state again when a
//                shorter path reaches it (SPIN's -i): when it ends, the counterexample is
//                a shortest one, in the memory of a visited set (BFS keeps its frontier's
//                worlds, which can outgrow the machine).
//   dfs + dpor   stateless dynamic partial-order reduction (Flanagan-Godefroid races with
//                source-set style backtracking, and sleep sets): one execution per class
//                of equivalent interleavings, no visited set.
//   random-walk  independent random paths.
//   symmetry     (bfs, dfs without a reduction) the visited set holds states up to a
//                renaming of interchangeable nodes: one state per class of twins.
//   pct          probabilistic concurrency testing (Burckhardt et al. 2010): random node
//                priorities with d-1 priority change points; each walk finds a bug of depth
//                d with probability at least 1/(n k^(d-1)).
//
// "Exhaustive" is claimed only when every state within the budgets was expanded: no
// --max-states, --time-budget or --max-depth cut.
//
// Every violation is a path: a list of choices among the enabled events, which is a tape
// of ChoiceKind::schedule choices for the simulator in explore mode; counterexample_repro
// turns it into a repro file and checks that the simulator reproduces the finding.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/explore.hpp"
#include "protocols/protocol.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/scenario.hpp"

namespace faultline::explorer {

enum class Strategy : std::uint8_t { bfs, dfs, pct, random_walk };
enum class Reduction : std::uint8_t { none, sleep, dpor };
enum class Engine : std::uint8_t { automatic, pure, simulator };
std::string_view strategy_name(Strategy s);
std::string_view reduction_name(Reduction r);
std::string_view engine_name(Engine e);

struct Options {
  Strategy strategy = Strategy::bfs;
  Reduction reduction = Reduction::none;  // dfs: sleep or dpor; bfs, walks: none
  Engine engine = Engine::automatic;      // the pure model when the protocol has one for the target
  std::uint64_t max_depth = 0;            // 0: no bound on a path's length
  std::uint64_t max_states = 0;           // 0: no bound on the states visited
  double time_budget_s = 0;               // 0: none (a cut makes the result not exhaustive)
  // Resident memory at most, in MiB (a cut makes the result not exhaustive); 0: three
  // quarters of the machine's memory, so a search that outgrows it stops and says so
  // instead of being killed.
  std::uint64_t max_memory_mb = 0;
  unsigned jobs = 1;
  std::uint64_t walks = 10000;  // pct, random-walk
  std::uint64_t seed = 1;       // pct, random-walk
  unsigned pct_depth = 3;       // pct's d
  bool shortest = false;        // dfs: search on for shorter violations (see above)
  // Symmetry reduction: the visited set keys states by symmetric_fingerprint(), so a state
  // and its twins with interchangeable nodes renamed are one state (bfs, or dfs without
  // sleep sets or DPOR; docs/explorer.md, "Symmetry").
  bool symmetry = false;
  bool progress = false;        // states/s, queue, depth on standard error
  // Called for every state visited (tests: the set of reachable fingerprints).
  std::function<void(const protocols::ExploreWorld&)> on_state;
};

// What to explore: a protocol's configuration and the exploration's budgets.
struct Target {
  const protocols::Protocol* protocol = nullptr;
  protocols::RunSpec spec;          // options and bugs
  protocols::ExploreSpec explore;   // budgets, crash groups
  std::string preset;               // its name, if it came from one
  std::string strategy, reduction;  // the preset's preferred search ("" for the default)
  std::string scenario_file;        // if it came from a scenario file
};

// One step of a path: the choice of `index` among `options` enabled events.
struct PathStep {
  std::uint32_t index = 0;
  std::uint32_t options = 0;
  std::string text;  // "deliver Promise a1 -> p0"
};

struct Counterexample {
  sim::Finding finding;
  std::vector<PathStep> steps;
  sim::Tape tape() const;  // the schedule choices with more than one option
};

struct Result {
  Strategy strategy = Strategy::bfs;
  Reduction reduction = Reduction::none;
  Engine engine = Engine::pure;
  bool symmetry = false;        // states counted up to symmetry
  bool exhaustive = false;      // every state within the budgets and --max-depth expanded
  bool complete = false;        // nothing cut at all (exhaustive and no path cut by depth)
  std::string stop_reason;      // why it stopped short, when it did
  std::uint64_t states = 0;     // distinct states (fingerprints) visited
  std::uint64_t transitions = 0;  // steps performed
  std::uint64_t depth = 0;        // the longest path explored
  std::uint64_t terminal = 0;     // states with nothing enabled
  std::uint64_t depth_cut = 0;    // states not expanded because of --max-depth
  std::uint64_t sleep_skipped = 0;  // transitions a sleep set spared
  std::uint64_t executions = 0;     // dpor and walks: paths run to their end
  std::uint64_t peak_frontier = 0;  // bfs: the largest level; dfs: the deepest stack
  double elapsed_s = 0;
  std::uint64_t memory_bytes = 0;   // the process's peak resident memory
  std::optional<Counterexample> counterexample;  // the first violation (bfs: a shortest)
  bool shortest = false;  // no shorter counterexample exists within the budgets (bfs, or
                          // dfs with `shortest` that ran to its end)
  std::optional<Counterexample> stuck;           // a state where nothing is enabled and
                                                 // the protocol names something stuck
  std::uint64_t stuck_states = 0;
  std::map<std::string, std::uint64_t> facts;  // "sometimes": states where a fact held
  std::string guarantee;                        // pct: the probabilistic bound it gives
  std::uint64_t found_at_walk = 0;              // pct, random-walk: 1 + the failing walk's index
  sim::Verdict verdict() const;
};

// Reads a target from a protocol name (its first preset, unless `preset` names another;
// then the user's --set values and bugs) or from a scenario file with an "explore" block.
Target target_for_protocol(const protocols::Protocol& protocol, const std::string& preset,
                           const protocols::Options& sets, const std::vector<std::string>& bugs);
Target target_for_scenario(const scenarios::Scenario& scenario, const protocols::Options& sets,
                           const std::vector<std::string>& bugs);

// Checks options against the target (bounds that are missing or absurd; throws
// protocols::BadInput naming the option).
void validate(const Target& target, const Options& options);

// The initial world of a target on an engine (automatic: pure when the protocol has a pure
// model of the target, else the simulator; pure: BadInput if it has none).
std::unique_ptr<protocols::ExploreWorld> initial_world(const Target& target, Engine engine);

Result explore(const Target& target, const Options& options);

// The scenario (explore mode, the target's budgets) a path of this target replays in.
scenarios::Scenario explore_scenario(const Target& target);

// Runs the path in the simulator and makes a repro of the run; `reproduced` says whether
// the simulator reported the same finding (by name).
struct ReproOutcome {
  scenarios::Repro repro;
  bool reproduced = false;
  std::string explanation;
};
ReproOutcome counterexample_repro(const Target& target, const Counterexample& path,
                                  const std::string& version);

nlohmann::json result_json(const Target& target, const Result& result);
std::string result_text(const Target& target, const Result& result);

}  // namespace faultline::explorer
