// Every planted bug is found by the generic swarm profile — what `faultline fuzz
// --protocol twopc --bug B` runs — through the check it breaks (never by looking at the
// flag), and the run that found it replays: from its seed, and from its recorded tape.
// The same seed without the bug is clean.
//
// Each hunt starts at seed 1 and is bounded by a count of seeds, not by time: it finds its
// bug after a fixed number of runs (under a second each in a Release build). The 60-second
// budget over five independent seed ranges per bug is under the `long` label
// (twopc_long_test.cpp) and in bench/README.md.
#include <doctest/doctest.h>

#include "twopc_hunt.hpp"

using faultline::twopc::testing::hunt_and_replay;

TEST_CASE("twopc bug commit-without-all-votes: found by validity") {
  CHECK(hunt_and_replay("commit-without-all-votes", 1, 200).property == "validity");
}
TEST_CASE("twopc bug unilateral-abort-after-yes: found by atomicity") {
  CHECK(hunt_and_replay("unilateral-abort-after-yes", 1, 200).property == "atomicity");
}
TEST_CASE("twopc bug forget-decision: found by the durable-state ledger or atomicity") {
  hunt_and_replay("forget-decision", 1, 200);
}
TEST_CASE("twopc bug forget-prepared: found by durability or the durable-state ledger") {
  hunt_and_replay("forget-prepared", 1, 200);
}
TEST_CASE("twopc bug release-locks-at-prepare: found by conservation or linearizability") {
  hunt_and_replay("release-locks-at-prepare", 1, 200);
}
