// The explorer on the presets themselves (long): the "Done when" configuration.
#include <doctest/doctest.h>

#include "explorer/explorer.hpp"
#include "protocols/registry.hpp"

namespace faultline::explorer {
namespace {

TEST_CASE("paxos small preset, ignore-accepted-value: a 12-step shortest counterexample, replayed") {
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
