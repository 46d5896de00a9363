// The long runs, all through the generic fuzz profile (`faultline fuzz --protocol raft`):
// correct Raft over 5,000 swarm seeds with no violation, and every planted bug found from
// seed 1 by the properties it declares. `ctest -L long` (make test-long).
#include <doctest/doctest.h>

#include "raft/raft.hpp"
#include "raft_bug_hunt.hpp"
#include "scenarios/fuzz.hpp"

using namespace faultline;

TEST_CASE("raft long: correct Raft survives 5,000 generic swarm seeds") {
  const protocols::Protocol p = raft::protocol();
  constexpr std::uint64_t kSeeds = 5000;
  std::uint64_t unknown = 0, with_membership = 0, leaders = 0, campaigns_outside = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    auto out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    std::string findings;
    for (const auto& f : out.result.findings)
      findings += sim::describe_finding(f, out.sim.get()) + "\n";
    INFO("seed " << seed << " options " << nlohmann::json(out.config.options.as_text()).dump()
                 << "\n" << findings);
    REQUIRE(out.result.verdict == sim::Verdict::ok);
    if (protocols::linearizable(out) != std::optional<bool>(true)) ++unknown;
    const nlohmann::json s = out.run->summary(*out.sim);
    leaders += s["leaders_elected"].get<std::uint64_t>();
    if (s.contains("membership_changes") && s["membership_changes"].get<std::uint64_t>() > 0)
      ++with_membership;
    if (s.contains("campaigns_outside_config"))
      campaigns_outside += s["campaigns_outside_config"].get<std::uint64_t>();
  }
  // The "sometimes" side: the sweep elected leaders, changed membership, and took the
  // thesis 4.2.2 path (a server outside its uncommitted configuration campaigning).
  MESSAGE("raft long sweep: " << kSeeds << " seeds, no violation, " << leaders
                              << " leaders elected, " << with_membership
                              << " runs with membership changes, " << campaigns_outside
                              << " campaigns outside the configuration, " << unknown
                              << " histories unknown to the checker");
  CHECK(unknown * 50 <= kSeeds);
  CHECK(with_membership > kSeeds / 10);
  CHECK(campaigns_outside > 0);
}

TEST_CASE("raft long: every planted bug is found by the generic profile from seed 1") {
  const protocols::Protocol p = raft::protocol();
  for (const protocols::BugSpec& b : p.bugs) {
    SUBCASE(b.name.c_str()) {
      const raft::testing::Found f = raft::testing::fuzz_for(b.name, 1, 20000);
      MESSAGE("raft bug " << b.name << ": " << f.seeds_run << " seeds from seed 1, by '"
                          << f.property << "'");
      CHECK(f.seeds_run > 0);
    }
  }
}
