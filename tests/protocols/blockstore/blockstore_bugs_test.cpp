// Every planted bug of the block store is found by the generic fuzz profile
// (protocols::swarm_spec, exactly what `faultline fuzz --protocol blockstore --bug B`
// runs) through a property it breaks — never by looking at the flag — and the run that
// found it replays, from its seed and from its tape; the same seed without the bug is
// clean. Hunts start at seed 1 and take a handful of seeds each (bench/README.md,
// blockstore); the long test hunts with the budget of 60 s.
#include <doctest/doctest.h>

#include "bs_bug_hunt.hpp"

using faultline::blockstore::testing::hunt_and_replay;

TEST_CASE("blockstore bug ack-before-sync: found by a durability property") {
  hunt_and_replay("ack-before-sync", 20);
}
TEST_CASE("blockstore bug ack-first-replica: found by a durability property") {
  hunt_and_replay("ack-first-replica", 20);
}
TEST_CASE("blockstore bug serve-stale-replica: found by the stale-listing property") {
  hunt_and_replay("serve-stale-replica", 20);
}
TEST_CASE("blockstore bug no-genstamp-bump: found by a durability property") {
  hunt_and_replay("no-genstamp-bump", 20);
}
TEST_CASE("blockstore bug count-dead-replicas: found by liveness") {
  hunt_and_replay("count-dead-replicas", 20);
}
TEST_CASE("blockstore bug skip-checksum: found by the served-intact property") {
  hunt_and_replay("skip-checksum", 20);
}
TEST_CASE("blockstore bug lease-not-recovered: found by liveness") {
  hunt_and_replay("lease-not-recovered", 20);
}
