#pragma once
// A planted bug hunted through the generic profile, as a test: sweep seeds until a run
// of the bug breaks one of the properties the bug declares (BugSpec::finds), then show
// the violation is a property of the run (the same seed, and the recorded tape, give the
// same violation at the same event and the same trace) and of the bug (the same seed
// without it is clean).
#include <doctest/doctest.h>

#include <algorithm>

#include "bs_hunt.hpp"

namespace faultline::blockstore::testing {

inline void hunt_and_replay(const std::string& bug, double budget_seconds, std::uint64_t first_seed = 1) {
  const protocols::Protocol& p = blockstore_protocol();
  const protocols::BugSpec* spec_of_bug = p.find_bug(bug);
  REQUIRE(spec_of_bug != nullptr);
  const HuntResult r = hunt(bug, first_seed, ~std::uint64_t{0}, budget_seconds);
  MESSAGE("blockstore bug " << bug << ": " << std::string(r.found ? "found" : "NOT found") << " after "
                            << r.seeds_run << " seeds, " << r.seconds << " s, by '" << r.property
                            << "': " << r.message.substr(0, 160));
  REQUIRE(r.found);
  const std::vector<std::string>& finds = spec_of_bug->finds;
  CHECK(std::find(finds.begin(), finds.end(), r.property) != finds.end());

  protocols::RunSpec spec = protocols::swarm_spec(p, r.seed, {bug});
  spec.keep_trace = true;
  protocols::RunOutput again = protocols::run_protocol(p, spec);
  REQUIRE_FALSE(again.result.findings.empty());
  CHECK(again.result.findings[0].name == r.property);
  CHECK(again.result.findings[0].event_index == r.event_index);
  CHECK(again.result.findings[0].message == r.message);

  protocols::RunOutput replayed =
      protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(again.choices->tape()));
  CHECK(replayed.result.trace_hash == again.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  REQUIRE_FALSE(replayed.result.findings.empty());
  CHECK(replayed.result.findings[0].name == r.property);
  CHECK(replayed.result.findings[0].event_index == r.event_index);

  spec.bugs.clear();
  protocols::RunOutput clean = protocols::run_protocol(p, spec);
  INFO(findings_text(clean));
  CHECK(clean.verdict() == sim::Verdict::ok);
}

}  // namespace faultline::blockstore::testing
