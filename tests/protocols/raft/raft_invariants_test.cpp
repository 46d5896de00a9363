// The invariants catch what they claim: nodes on test benches, fed messages that no
// correct cluster would send them, are reported by the right property.
#include <doctest/doctest.h>

#include "raft/raft_invariants.hpp"
#include "raft_test_util.hpp"

using namespace faultline;
using namespace faultline::raft;
using testing::Bench;
using testing::put_entry;

namespace {

// A simulation that only names the servers for the invariants' messages; it never runs.
struct World {
  sim::SeededChoices choices{1};
  sim::Simulation sim{sim::SimConfig{}, choices};
  RaftInvariants inv{sim};
  World() {
    for (int i = 0; i < 3; ++i) {
      sim.add_node({.name = "s" + std::to_string(i)}, sim::lambda_actor([](sim::Context&) {}));
    }
  }
  const std::optional<std::string>& violation(Property p) const { return inv.violation(p); }
};

AppendEntries append(Term term, LogIndex prev, Term prev_term, LogIndex commit, Entry e) {
  AppendEntries m{
      .term = term, .prev_log_index = prev, .prev_log_term = prev_term, .leader_commit = commit};
  m.entries = {std::move(e)};
  return m;
}

}  // namespace

TEST_CASE("raft invariants: a correct election and replication violate nothing") {
  World w;
  Bench leader(0, 3, {}, nullptr, &w.inv);
  Bench follower(1, 3, {}, nullptr, &w.inv);
  leader.elect();
  REQUIRE(leader.node->role() == Role::leader);
  follower.node->on_append_entries(1, 0, append(1, 0, 0, 0, leader.node->log().at(1)));
  CHECK_FALSE(w.inv.any_violation());
  CHECK(w.inv.leaders_elected() == 1);
}

TEST_CASE("raft invariants: two leaders in one term break election safety") {
  World w;
  Bench a(0, 3, {}, nullptr, &w.inv);
  Bench b(1, 3, {}, nullptr, &w.inv);
  a.elect();
  CHECK_FALSE(w.violation(Property::election_safety));
  b.elect();  // the same term 1: each counted the third server's vote
  REQUIRE(w.violation(Property::election_safety));
  CHECK(*w.violation(Property::election_safety) == "two leaders in term 1: s0 and s1");
}

TEST_CASE("raft invariants: different entries at one index and term break log matching") {
  World w;
  Bench a(1, 3, {}, nullptr, &w.inv);
  Bench b(2, 3, {}, nullptr, &w.inv);
  a.node->on_append_entries(1, 0, append(1, 0, 0, 0, put_entry(1, "x")));
  CHECK_FALSE(w.inv.any_violation());
  b.node->on_append_entries(1, 0, append(1, 0, 0, 0, put_entry(1, "y")));
  REQUIRE(w.violation(Property::log_matching));
  CHECK(w.violation(Property::log_matching)->find("hold different entries at index 1 in term 1") !=
        std::string::npos);
}

TEST_CASE(
    "raft invariants: committing different entries at one index breaks state machine safety") {
  World w;
  Bench a(1, 3, {}, nullptr, &w.inv);
  Bench b(2, 3, {}, nullptr, &w.inv);
  a.node->on_append_entries(1, 0, append(1, 0, 0, 1, put_entry(1, "x")));
  b.node->on_append_entries(1, 0, append(2, 0, 0, 1, put_entry(2, "y")));
  REQUIRE(w.violation(Property::state_machine_safety));
  CHECK(*w.violation(Property::state_machine_safety) ==
        "s2 committed a different entry at index 1 (term 2) than s1 did (term 1)");
}

TEST_CASE(
    "raft invariants: a leader without an entry committed earlier breaks leader completeness") {
  World w;
  Bench a(1, 3, {}, nullptr, &w.inv);
  a.node->on_append_entries(1, 0, append(1, 0, 0, 1, put_entry(1, "x")));  // committed in term 1
  Bench b(2, 3, Restored{.term = 1}, nullptr, &w.inv);
  b.elect();  // term 2, with an empty log
  REQUIRE(w.violation(Property::leader_completeness));
  CHECK(*w.violation(Property::leader_completeness) ==
        "s2 became leader of term 2 without entry 1 (term 1), committed in term 1 by s1");
}

TEST_CASE("raft invariants: a leader that commits what its disks do not hold breaks durability") {
  // The bench nodes write nothing to the world's disks: whatever a leader commits, no
  // other server holds on stable storage.
  World w;
  Bench leader(0, 3, {}, nullptr, &w.inv);
  leader.elect();
  leader.node->on_append_entries_reply(
      leader.now, 1, AppendEntriesReply{.term = 1, .success = true, .match_index = 1});
  REQUIRE(leader.node->commit_index() == 1);
  REQUIRE(w.violation(Property::durability));
  CHECK(w.violation(Property::durability)
            ->find("leader s0 committed entry 1 (term 1) but only 1 of 3") != std::string::npos);
}
