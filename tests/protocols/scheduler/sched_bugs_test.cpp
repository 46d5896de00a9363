// Every planted bug is found by the generic swarm profile from a pinned seed, and the
// failing run replays (sched_bug_hunt.hpp). The start seeds are where the hunts of
// bench/README.md (five ranges from seeds 1, 100001, ... 400001) found each bug fastest,
// so the fast suite stays fast; the long test and bench/scheduler hunt every range.
#include "sched_bug_hunt.hpp"

using faultline::scheduler::testing::hunt_and_replay;

TEST_CASE("scheduler: bug keep-lost-map-outputs is found and replays") {
  hunt_and_replay("keep-lost-map-outputs", 1, 200);
}
TEST_CASE("scheduler: bug no-commit-coordination is found and replays") {
  hunt_and_replay("no-commit-coordination", 200001, 200);
}
TEST_CASE("scheduler: bug release-commit-on-failure is found and replays") {
  hunt_and_replay("release-commit-on-failure", 100001, 200);
}
TEST_CASE("scheduler: bug fetch-failure-ignored is found and replays") {
  hunt_and_replay("fetch-failure-ignored", 200001, 200);
}
TEST_CASE("scheduler: bug zombie-task-set is found and replays") {
  hunt_and_replay("zombie-task-set", 1, 200);
}
TEST_CASE("scheduler: bug no-speculation-dedup is found and replays") {
  hunt_and_replay("no-speculation-dedup", 100001, 200);
}
