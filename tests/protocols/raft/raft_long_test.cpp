// The long runs: correct Raft over 5,000 swarm seeds, and every planted bug hunted with
// the budget of 60 seconds on one core. `ctest -L long` (make test-long).
#include <doctest/doctest.h>

#include <chrono>

#include "raft/raft.hpp"
#include "raft/raft_sweep.hpp"
#include "raft_bug_hunt.hpp"

using namespace faultline;

TEST_CASE("raft long: correct Raft survives 5,000 swarm seeds") {
  const protocols::Protocol p = raft::protocol();
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t unknown = 0;
  constexpr std::uint64_t kSeeds = 5000;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const protocols::RunSpec spec = raft::correct_spec(seed);
    auto out = protocols::run_protocol(p, spec);
    std::string findings;
    for (const auto& f : out.result.findings)
      findings += sim::describe_finding(f, out.sim.get()) + "\n";
    INFO("seed " << seed << " options " << nlohmann::json(spec.options.values()).dump() << "\n"
                 << findings);
    REQUIRE(out.result.verdict == sim::Verdict::ok);
    if (protocols::linearizable(out) != std::optional<bool>(true)) ++unknown;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("raft long sweep: " << kSeeds << " seeds, no violation, " << unknown
                              << " histories unknown to the checker, " << seconds << " s");
  CHECK(unknown * 50 <= kSeeds);
}

TEST_CASE("raft long: every planted bug is found within 60 seconds") {
  for (const raft::BugHunt& h : raft::bug_hunts()) {
    SUBCASE(h.bug.c_str()) {
      raft::testing::hunt_and_replay(h.bug.c_str(), 60);
    }
  }
}
