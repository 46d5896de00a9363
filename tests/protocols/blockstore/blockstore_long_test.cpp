// The long runs (`ctest -L long`): the correct block store over 5,000 swarm seeds of the
// generic profile, and every planted bug hunted with the budget of 60 seconds.
#include <doctest/doctest.h>

#include "bs_bug_hunt.hpp"

using namespace faultline;

TEST_CASE("blockstore long: the correct protocol survives 5,000 swarm seeds") {
  constexpr std::uint64_t kSeeds = 5000;
  const auto r = blockstore::testing::sweep(1, kSeeds, 20);
  std::string failures;
  for (const auto& [seed, text] : r.failures) failures += "seed " + std::to_string(seed) + ": " + text;
  INFO(failures);
  CHECK(r.failures.empty());
  CHECK(r.unknown * 100 <= kSeeds);
  std::string paths;
  for (const auto& [name, runs] : r.runs_with) paths += " " + name + "=" + std::to_string(runs);
  MESSAGE("blockstore long sweep: " << r.seeds << " seeds, " << r.failures.size() << " failures, "
                                     << r.unknown << " unknown, " << r.seconds << " s; runs with:" << paths);
  for (const char* path : {"pipeline_recoveries", "re_replications", "lease_recoveries",
                           "corrupt_reported", "blocks_reallocated", "node_losses", "disk_writes_lost"}) {
    CAPTURE(path);
    const auto it = r.runs_with.find(path);
    CHECK((it == r.runs_with.end() ? 0 : it->second) * 1000 >= r.seeds);  // in over 0.1% of runs
  }
}

TEST_CASE("blockstore long: every planted bug is found within 60 seconds") {
  for (const protocols::BugSpec& b : blockstore::testing::blockstore_protocol().bugs) {
    SUBCASE(b.name.c_str()) { blockstore::testing::hunt_and_replay(b.name, 60); }
  }
}
