#pragma once
// The scheduler's counterexample scenarios, scripted: each is a fixed configuration, a
// seed and a timeline of faults (the `Prepare` step of run_protocol), so it converts to a
// scenario file (options, seed, timeline, expected outcome) once the format lands.
// Each fails with its planted bug and passes without it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"
#include "scheduler/scheduler.hpp"

namespace faultline::scheduler::testing {

struct Scenario {
  std::string name;
  std::string bug;       // the planted bug it shows
  std::string expected;  // the check that breaks with the bug
  std::map<std::string, std::string> options;
  std::uint64_t seed = 1;
  sim::Time time_limit_ns = 4 * sim::kSecond;
  sim::Time heal_ns = 0;             // when its last fault ends
  protocols::Prepare timeline = {};  // the faults, at fixed times, on executors by index
};

inline sim::NodeId executor(const protocols::ProtocolRun& run, int index) {
  return run.groups.nodes("executors").at(static_cast<std::size_t>(index));
}

inline protocols::RunSpec scenario_spec(const Scenario& s, bool with_bug) {
  protocols::RunSpec spec;
  spec.seed = s.seed;
  spec.options = protocols::Options(s.options, "scenario " + s.name);
  if (with_bug) spec.bugs = {s.bug};
  spec.time_limit_ns = s.time_limit_ns;
  spec.scripted_heal_ns = s.heal_ns;
  return spec;
}

// An executor lost after its map tasks finished: e0 is slow, so the map stage waits for
// it; e1 finishes its two map tasks and crashes at 60 ms; the driver declares it lost at
// ~310 ms. Correct: its outputs are unregistered and recomputed before the reduce stage
// starts. With keep-lost-map-outputs the reduce stage is launched to fetch from e1's
// old registration.
inline Scenario lost_map_outputs() {
  Scenario s{.name = "executor-lost-after-map",
             .bug = "keep-lost-map-outputs",
             .expected = "no fetch from a dead executor",
             .options = {{"executors", "3"},
                         {"slots", "2"},
                         {"jobs", "1"},
                         {"shape", "chain2"},
                         {"map_partitions", "6"},
                         {"reduce_partitions", "3"},
                         {"speculation", "false"},
                         {"slow_executors", "1"},
                         {"slow_factor", "40"}},
             .seed = 1,
             .heal_ns = sim::kSecond};
  s.timeline = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    const sim::NodeId e1 = executor(run, 1);
    sim.at(60 * sim::kMillisecond, "crash e1", [e1](sim::Simulation& x) { x.crash(e1); });
    sim.at(sim::kSecond, "restart e1", [e1](sim::Simulation& x) { x.restart(e1); });
  };
  return s;
}

// A slow attempt racing its speculative copy: e0 runs tasks three times slower; the
// reduce stage's attempts on e0 are copied to e1 once half the stage finished. e0 is
// cut off from the driver from 100 ms to 300 ms (less than the executor timeout), so the
// copy commits and the driver's KillTask never reaches e0; when the partition heals,
// e0's original asks to commit. Correct: denied (already committed). With
// no-commit-coordination both attempts write the partition.
inline Scenario speculative_race() {
  Scenario s{.name = "slow-attempt-races-its-copy",
             .bug = "no-commit-coordination",
             .expected = "exactly-once commit",
             .options = {{"executors", "2"},
                         {"slots", "2"},
                         {"jobs", "1"},
                         {"shape", "chain2"},
                         {"map_partitions", "2"},
                         {"reduce_partitions", "4"},
                         {"speculation", "true"},
                         {"speculation_quantile", "50"},
                         {"slow_executors", "1"},
                         {"slow_factor", "3"}},
             .seed = 1,
             .heal_ns = 300 * sim::kMillisecond};
  s.timeline = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    const sim::NodeId e0 = executor(run, 0);
    const sim::NodeId driver = run.groups.nodes("driver").at(0);
    sim.at(100 * sim::kMillisecond, "partition e0 | driver", [e0, driver](sim::Simulation& x) {
      const std::uint32_t cut =
          x.partition(sim::Partition{{sim::NodeSet::of({e0}), sim::NodeSet::of({driver})}});
      x.at(300 * sim::kMillisecond, "heal", [cut](sim::Simulation& y) { y.heal(cut); });
    });
  };
  return s;
}

// A commit followed by a lost status report: e1 crashes at the instant the driver's
// output directory takes the file of a result attempt running on e1 — after its commit,
// before the CommitAck can reach e1 (a message takes at least 0.5 ms) and so before its
// StatusUpdate leaves; it restarts at 1 s. The driver declares e1 lost. Correct: the
// partition is committed, so the task is done. With release-commit-on-failure the
// partition is freed and a new attempt commits it again.
//
// The crash is resolved when it fires, not at a fixed time: a watcher looks at the
// driver's output directory every 100 us (far less than the CommitAck's flight), so the
// scenario keeps its point when task or network timings change. (It used to crash at a
// fixed 73.8 ms, which stopped meaning anything once the choice streams changed.)
inline constexpr sim::Duration kCommitWatchPeriod = 100 * sim::kMicrosecond;

// Whether the output directory holds the file of a result attempt still running on
// executor `index` (its status not yet in).
inline bool committed_on(const sim::Simulation& sim, const protocols::ProtocolRun& run,
                         std::uint32_t index) {
  const DriverNode* d = driver_of(sim, run.groups.nodes("driver").at(0));
  if (d == nullptr) return false;
  for (const JobState& job : d->dag().jobs()) {
    for (const CommittedFile& f : d->commits().files(job.spec.id)) {
      const Attempt* a = d->dag().attempt(f.attempt);  // still running: no status yet
      if (a != nullptr && a->executor == index) return true;
    }
  }
  return false;
}

// From `at`, every kCommitWatchPeriod until `deadline`: crash e1 once one of its result
// attempts has committed.
inline void crash_e1_at_its_commit(sim::Simulation& sim, const protocols::ProtocolRun& run,
                                   sim::Time at, sim::Time deadline) {
  sim.at(at, "watch e1's commits", [&run, deadline](sim::Simulation& x) {
    if (committed_on(x, run, 1)) {
      x.crash(executor(run, 1));
    } else if (x.now() + kCommitWatchPeriod < deadline) {
      crash_e1_at_its_commit(x, run, x.now() + kCommitWatchPeriod, deadline);
    }
  });
}

inline Scenario commit_then_lost_status() {
  Scenario s{.name = "commit-then-lost-status",
             .bug = "release-commit-on-failure",
             .expected = "exactly-once commit",
             .options = {{"executors", "3"},
                         {"slots", "2"},
                         {"jobs", "1"},
                         {"shape", "chain2"},
                         {"map_partitions", "3"},
                         {"reduce_partitions", "3"},
                         {"speculation", "false"}},
             .seed = 1,
             .heal_ns = sim::kSecond};
  s.timeline = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    const sim::NodeId e1 = executor(run, 1);
    crash_e1_at_its_commit(sim, run, 0, sim::kSecond);
    sim.at(sim::kSecond, "restart e1", [e1](sim::Simulation& x) { x.restart(e1); });
  };
  return s;
}

}  // namespace faultline::scheduler::testing
