// Long: the correct protocol over 5,000 swarm seeds (no violation, and every recovery
// path taken in some of them), and every planted bug hunted over five independent seed
// ranges.
#include <doctest/doctest.h>

#include "scheduler/sched_sweep.hpp"
#include "scheduler/scheduler.hpp"

using namespace faultline::scheduler;

TEST_CASE(
    "scheduler: the correct protocol holds over 5,000 swarm seeds, and the recovery paths are "
    "taken") {
  const SweepResult r = sweep(1, 5000);
  for (const std::string& f : r.first_failures) MESSAGE(f);
  CHECK(r.failures == 0);
  for (const char* sometimes :
       {"executors_lost", "fetch_failures", "map_outputs_recomputed", "stage_resubmissions",
        "speculative_launches", "speculative_wins", "commit_denials", "committed_then_lost",
        "late_writes_refused", "requeued_from_zombie", "jobs_failed", "remote_launches",
        "launches_resent"}) {
    CAPTURE(sometimes);
    CHECK(r.seeds_with.count(sometimes) == 1);
    CHECK(r.seeds_with.at(sometimes) > 0);
  }
}

TEST_CASE("scheduler: every planted bug is found in each of five independent seed ranges") {
  for (const auto& bug : protocol().bugs) {
    for (std::uint64_t range = 0; range < 5; ++range) {
      // A count of seeds bounds the hunt, not wall-clock time.
      const HuntResult h = hunt(bug.name, 1 + range * 100000, 5000, 1e9);
      CAPTURE(bug.name);
      CAPTURE(range);
      CHECK(h.found);
    }
  }
}
