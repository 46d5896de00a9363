// Every planted bug of `paxos` and `multipaxos` is found by the generic swarm profile
// (protocols::swarm_spec: what `faultline fuzz --protocol P --bug B` runs), through a
// check the bug declares — never by looking at the flag — and the run that found it
// replays to the same violation from its seed and from its recorded tape; the same seed
// without the bug is clean.
//
// Each hunt starts at a pinned seed and is bounded in seeds, not seconds, so the test is
// deterministic. Most bugs fall at the first seed or two; any-accepted-value needs a duel
// that leaves a rival value accepted, so its hunts start where one comes soon (from seed
// 1 they take 62 and 34 seeds: the long test and paxos_hunt run those).
#include <doctest/doctest.h>

#include "paxos/paxos.hpp"
#include "paxos_bug_hunt.hpp"

using namespace faultline;

namespace {

void hunt_and_replay(const protocols::Protocol& p, const std::string& bug, std::uint64_t first,
                     std::uint64_t max_seeds) {
  const paxos::testing::HuntResult r = paxos::testing::hunt(p, bug, first, max_seeds, 1e9);
  MESSAGE(p.name << " bug " << bug << ": " << std::string(r.found ? "found" : "NOT found")
                 << " after " << r.seeds_run << " seeds (from " << first << ") by '" << r.property
                 << "': " << r.message.substr(0, 200));
  REQUIRE(r.found);

  const protocols::RunSpec spec = protocols::swarm_spec(p, r.seed, {bug});
  const protocols::RunOutput again = protocols::run_protocol(p, spec);
  REQUIRE(again.result.findings.size() == 1);
  CHECK(again.result.findings[0].name == r.property);
  CHECK(again.result.findings[0].event_index == r.event_index);
  CHECK(again.result.findings[0].message == r.message);
  CHECK(again.result.trace_hash == r.trace_hash);

  const protocols::RunOutput replayed =
      protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(again.choices->tape()));
  CHECK(replayed.result.trace_hash == again.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  REQUIRE(replayed.result.findings.size() == 1);
  CHECK(replayed.result.findings[0].name == r.property);
  CHECK(replayed.result.findings[0].event_index == r.event_index);

  const protocols::RunOutput clean = protocols::run_protocol(p, protocols::swarm_spec(p, r.seed));
  CHECK(clean.verdict() == sim::Verdict::ok);
}

struct Pinned {
  const char* bug;
  std::uint64_t first;
};

void hunt_all(const protocols::Protocol& p, const std::vector<Pinned>& pinned) {
  REQUIRE(pinned.size() == p.bugs.size());
  for (const Pinned& h : pinned) {
    REQUIRE(p.find_bug(h.bug) != nullptr);
    SUBCASE(h.bug) {
      hunt_and_replay(p, h.bug, h.first, 200);
    }
  }
}

}  // namespace

TEST_CASE("paxos: every planted bug is found by the generic swarm profile, and replays") {
  hunt_all(paxos::single_decree_protocol(), {{"forget-promise", 1},
                                             {"forget-accepted", 1},
                                             {"ignore-accepted-value", 1},
                                             {"any-accepted-value", 200001},
                                             {"ballot-reuse", 1},
                                             {"quorum-off-by-one", 1},
                                             {"accept-lower-ballot", 1}});
}

TEST_CASE("multipaxos: every planted bug is found by the generic swarm profile, and replays") {
  hunt_all(paxos::multi_protocol(), {{"forget-promise", 1},
                                     {"forget-accepted", 1},
                                     {"ignore-accepted-value", 1},
                                     {"any-accepted-value", 400001},
                                     {"ballot-reuse", 1},
                                     {"quorum-off-by-one", 1},
                                     {"accept-lower-ballot", 1},
                                     {"leader-skips-recovery", 1}});
}
