#pragma once
// A bug hunt as a test: sweep until the bug's property breaks, then show the violation
// is a property of the run (same seed, same tape: same violation, same trace) and of
// the bug (the same seed without it is clean).
#include <doctest/doctest.h>

#include <algorithm>

#include "raft/raft.hpp"
#include "raft/raft_sweep.hpp"

namespace faultline::raft::testing {

inline void hunt_and_replay(const char* bug, double budget_seconds, std::uint64_t first_seed = 1) {
  const BugHunt* h = find_hunt(bug);
  REQUIRE(h != nullptr);
  const HuntResult r = hunt(*h, first_seed, ~std::uint64_t{0}, budget_seconds);
  MESSAGE("raft bug " << std::string(bug) << ": " << std::string(r.found ? "found" : "NOT found")
                      << " after " << r.seeds_run << " seeds, " << r.seconds << " s, by '"
                      << r.property << "': " << r.message.substr(0, 200));
  REQUIRE(r.found);
  CHECK(std::find(h->properties.begin(), h->properties.end(), r.property) != h->properties.end());

  const protocols::Protocol p = protocol();
  protocols::RunSpec spec = hunt_spec(*h, r.seed);
  protocols::RunOutput again = protocols::run_protocol(p, spec);
  REQUIRE(again.result.findings.size() == 1);
  CHECK(again.result.findings[0].name == r.property);
  CHECK(again.result.findings[0].event_index == r.event_index);
  CHECK(again.result.findings[0].message == r.message);

  protocols::RunOutput replayed =
      protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(again.choices->tape()));
  CHECK(replayed.result.trace_hash == again.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  REQUIRE(replayed.result.findings.size() == 1);
  CHECK(replayed.result.findings[0].name == r.property);
  CHECK(replayed.result.findings[0].event_index == r.event_index);

  spec.bugs.clear();
  protocols::RunOutput clean = protocols::run_protocol(p, spec);
  CHECK(clean.result.verdict == sim::Verdict::ok);
}

}  // namespace faultline::raft::testing
