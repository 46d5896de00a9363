// The explorer on the presets themselves (long): the "Done when" configuration.
#include <doctest/doctest.h>

#include "explorer/explorer.hpp"
#include "protocols/registry.hpp"

namespace faultline::explorer {
namespace {

TEST_CASE("paxos small preset (the default) correct - BFS exhausts it with pinned counts") {
  const protocols::Protocol* p = protocols::find_protocol("paxos");
  REQUIRE(p != nullptr);
  const Result r = explore(target_for_protocol(*p, "", protocols::Options{}, {}), Options{});
  CHECK(r.exhaustive);
  CHECK(r.complete);
  CHECK(!r.counterexample);
  CHECK(r.states == 95732);  // 95,684 before the proposer learned from other ballots (main)
  CHECK(r.transitions == 348990);
  CHECK(r.depth == 22);
  CHECK(r.facts.at("chosen over a rival value") > 0);
  CHECK(r.facts.at("a proposer adopted a reported value") > 0);
}

TEST_CASE("paxos small preset with ignore-accepted-value - a 12-step shortest counterexample replayed") {
  const protocols::Protocol* p = protocols::find_protocol("paxos");
  REQUIRE(p != nullptr);
  const Target t = target_for_protocol(*p, "", protocols::Options{}, {"ignore-accepted-value"});
  const Result r = explore(t, Options{});
  REQUIRE(r.counterexample);
  CHECK(r.counterexample->finding.name == "p2c");
  CHECK(r.counterexample->steps.size() == 12);
  CHECK(counterexample_repro(t, *r.counterexample, "test").reproduced);
}

}  // namespace
}  // namespace faultline::explorer
