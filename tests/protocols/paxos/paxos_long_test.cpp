// The long runs: correct paxos and multipaxos over 5,000 generic swarm seeds each (the
// profile `faultline fuzz` runs), and every planted bug hunted from seed 1 with the
// issue's budget of 60 seconds on one core (CPU time). `ctest -L long` (make test-long).
#include <doctest/doctest.h>

#include "paxos/paxos.hpp"
#include "paxos_bug_hunt.hpp"

using namespace faultline;

namespace {

void sweep(const protocols::Protocol& p, std::uint64_t seeds) {
  const double start = paxos::testing::thread_cpu_seconds();
  std::uint64_t unknown = 0, chosen = 0, healed = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const protocols::RunOutput out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    std::string findings;
    for (const auto& f : out.result.findings)
      findings += sim::describe_finding(f, out.sim.get()) + "\n";
    INFO(p.name << " seed " << seed << "\n" << findings);
    REQUIRE(out.result.verdict == sim::Verdict::ok);
    if (protocols::linearizable(out) != std::optional<bool>(true)) ++unknown;
    const nlohmann::json s = out.run->summary(*out.sim);
    chosen += s.contains("values_chosen") ? s["values_chosen"].get<std::uint64_t>()
                                          : (s["slots_chosen"].get<std::uint64_t>() > 0 ? 1 : 0);
    const protocols::CheckOutcome* live = out.run->checks.find("liveness");
    healed += live != nullptr && live->status == protocols::CheckStatus::held ? 1 : 0;
  }
  const double seconds = paxos::testing::thread_cpu_seconds() - start;
  MESSAGE(p.name << " long sweep: " << seeds << " seeds, no violation; values chosen in " << chosen
                 << "; liveness held in " << healed << "; " << unknown
                 << " histories unknown to the checker; " << seconds << " s CPU");
  CHECK(chosen == seeds);
  CHECK(healed * 10 >= seeds * 9);
  CHECK(unknown * 50 <= seeds);
}

void hunt_every_bug(const protocols::Protocol& p) {
  for (const protocols::BugSpec& b : p.bugs) {
    SUBCASE(b.name.c_str()) {
      const paxos::testing::HuntResult r = paxos::testing::hunt(p, b.name, 1, ~0ULL, 60);
      MESSAGE(p.name << " bug " << b.name << ": " << std::string(r.found ? "found" : "NOT found")
                     << " after " << r.seeds_run << " seeds, " << r.cpu_seconds << " s CPU, by '"
                     << r.property << "'");
      REQUIRE(r.found);
      const protocols::RunOutput again =
          protocols::run_protocol(p, protocols::swarm_spec(p, r.seed, {b.name}));
      REQUIRE_FALSE(again.result.findings.empty());
      CHECK(again.result.findings[0].name == r.property);
      CHECK(again.result.findings[0].event_index == r.event_index);
      CHECK(again.result.trace_hash == r.trace_hash);
    }
  }
}

}  // namespace

TEST_CASE("paxos long: correct single-decree Paxos survives 5,000 swarm seeds") {
  sweep(paxos::single_decree_protocol(), 5000);
}

TEST_CASE("multipaxos long: correct Multi-Paxos survives 5,000 swarm seeds") {
  sweep(paxos::multi_protocol(), 5000);
}

TEST_CASE("paxos long: every planted bug is found within 60 seconds from seed 1") {
  hunt_every_bug(paxos::single_decree_protocol());
}

TEST_CASE("multipaxos long: every planted bug is found within 60 seconds from seed 1") {
  hunt_every_bug(paxos::multi_protocol());
}
