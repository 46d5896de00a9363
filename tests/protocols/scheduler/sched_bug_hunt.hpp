#pragma once
// A bug hunt as a test: sweep the generic swarm profile (what `faultline fuzz --protocol
// scheduler --bug B` runs) until a check the bug declares breaks, then show that the
// violation is a property of the run (same seed: same violation at the same event; its
// tape replayed: the same trace) and of the bug (the same seed without it is clean).
#include <doctest/doctest.h>

#include <algorithm>

#include "scheduler/sched_sweep.hpp"
#include "scheduler/scheduler.hpp"

namespace faultline::scheduler::testing {

inline void hunt_and_replay(const char* bug, std::uint64_t first_seed, std::uint64_t max_seeds) {
  const HuntResult r = hunt(bug, first_seed, max_seeds, 1e9);
  MESSAGE("scheduler bug " << std::string(bug) << ": "
                           << std::string(r.found ? "found" : "NOT found") << " after "
                           << r.seeds_run << " seeds (seed " << r.seed << "), " << r.seconds
                           << " s, by '" << r.property << "': " << r.message.substr(0, 200));
  REQUIRE(r.found);
  const protocols::Protocol p = protocol();
  const protocols::BugSpec* spec_bug = p.find_bug(bug);
  CHECK(std::find(spec_bug->finds.begin(), spec_bug->finds.end(), r.property) !=
        spec_bug->finds.end());

  protocols::RunSpec spec = protocols::swarm_spec(p, r.seed, {bug});
  const protocols::RunOutput again = protocols::run_protocol(p, spec);
  REQUIRE(again.result.findings.size() == 1);
  CHECK(again.result.findings[0].name == r.property);
  CHECK(again.result.findings[0].event_index == r.event_index);
  CHECK(again.result.findings[0].message == r.message);

  const protocols::RunOutput replayed =
      protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(again.choices->tape()));
  CHECK(replayed.result.trace_hash == again.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  REQUIRE(replayed.result.findings.size() == 1);
  CHECK(replayed.result.findings[0].name == r.property);
  CHECK(replayed.result.findings[0].event_index == r.event_index);

  spec.bugs.clear();
  const protocols::RunOutput clean = protocols::run_protocol(p, spec);
  CHECK(clean.verdict() == sim::Verdict::ok);
}

}  // namespace faultline::scheduler::testing
