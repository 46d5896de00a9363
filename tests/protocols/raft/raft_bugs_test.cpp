// Every planted bug is found by the generic fuzz profile (`faultline fuzz --protocol raft
// --bug B`: the swarm scenario, nothing tuned per bug) through a property the bug
// declares (never by looking at the flag); the run that found it replays from its repro
// file to the same finding and trace hash, and the same seed without the bug is clean.
//
// Each test starts at a pinned seed where its bug is found within a few seeds (found by
// bench/raft/raft_hunts.sh's ranges), so the suite is a fixed amount of work; the long
// test (raft_long_test.cpp) finds every bug from seed 1, and bench/README.md gives the
// seeds and CPU time to find each from five independent starts.
#include <doctest/doctest.h>

#include "raft/raft.hpp"
#include "raft_bug_hunt.hpp"

using namespace faultline;

namespace {
// A pinned start and the seeds it may take (the seed that finds it is within).
void found(const char* bug, std::uint64_t start, std::uint64_t within) {
  raft::testing::fuzz_and_replay(bug, start, within);
}
}  // namespace

TEST_CASE("raft bug figure8: found by the generic profile from seed 200267") {
  found("figure8", 200267, 8);
}
TEST_CASE("raft bug no-persist-vote: found by the generic profile from seed 1") {
  found("no-persist-vote", 1, 8);
}
TEST_CASE("raft bug no-persist-log: found by the generic profile from seed 1") {
  found("no-persist-log", 1, 8);
}
TEST_CASE("raft bug no-step-down: found by the generic profile from seed 1") {
  found("no-step-down", 1, 8);
}
TEST_CASE("raft bug truncate-on-stale: found by the generic profile from seed 1") {
  found("truncate-on-stale", 1, 8);
}
TEST_CASE("raft bug longer-log-wins: found by the generic profile from seed 200040") {
  found("longer-log-wins", 200040, 8);
}
TEST_CASE("raft bug heartbeat-skips-check: found by the generic profile from seed 1") {
  found("heartbeat-skips-check", 1, 8);
}
TEST_CASE("raft bug match-from-own-log: found by the generic profile from seed 1") {
  found("match-from-own-log", 1, 8);
}
TEST_CASE("raft bug accept-stale-replies: found by the generic profile from seed 100150") {
  found("accept-stale-replies", 100150, 8);
}
TEST_CASE("raft bug count-votes-not-voters: found by the generic profile from seed 300001") {
  found("count-votes-not-voters", 300001, 8);
}
TEST_CASE("raft bug local-reads: found by the generic profile from seed 200001") {
  found("local-reads", 200001, 8);
}
TEST_CASE("raft bug lease-longer-than-timeout: found by the generic profile from seed 400012") {
  found("lease-longer-than-timeout", 400012, 8);
}
TEST_CASE("raft bug membership-no-term-commit: found by the generic profile from seed 4587") {
  found("membership-no-term-commit", 4587, 8);
}
TEST_CASE("raft bug no-dedup: found by the generic profile from seed 200001") {
  found("no-dedup", 200001, 8);
}
