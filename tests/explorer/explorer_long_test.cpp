// The explorer on the presets themselves (long): the "Done when" configuration,
// Stateright's two examples at the sizes it was measured at, and the slow twin of
// symmetry reduction with 3 participants.
#include <doctest/doctest.h>

#include "explorer/explorer.hpp"
#include "explorer_symmetry_twin.hpp"
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

TEST_CASE("Stateright's examples at their measured sizes - Paxos with 3 clients, TwoPhase with 8 RMs - exactly its state counts") {
  const protocols::Protocol* paxos = protocols::find_protocol("paxos");
  const protocols::Protocol* twopc = protocols::find_protocol("twopc");
  REQUIRE(paxos != nullptr);
  REQUIRE(twopc != nullptr);
  Options dfs;
  dfs.strategy = Strategy::dfs;
  dfs.reduction = Reduction::sleep;
  // The figures for Stateright 0.31: 1,194,428 states (Paxos, 3 clients) and
  // 1,745,408 (2PC, 8 resource managers).
  const Result reg = explore(target_for_protocol(*paxos, "register", protocols::Options{}, {}), dfs);
  CHECK(reg.exhaustive);
  CHECK(!reg.counterexample);
  CHECK(reg.states == 1194428);
  CHECK(reg.transitions == 3242657);  // pinned
  const Result tp =
      explore(target_for_protocol(*twopc, "twophase", protocols::Options(std::map<std::string, std::string>{{"participants", "8"}}), {}), dfs);
  CHECK(tp.exhaustive);
  CHECK(!tp.counterexample);
  CHECK(tp.states == 1745408);
  CHECK(tp.transitions == 8697916);  // pinned
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

TEST_CASE("paxos lossy preset (the issue's configuration) - DFS with sleep sets exhausts it with pinned counts") {
  // 2 proposers, 3 acceptors, 1 learner, one lost message, one acceptor crash: about 20 s
  // and 0.7 GB. BFS reaches the same 9,191,524 states and 26,622 terminal states over
  // 52.6 million transitions (15 GB; bench/README.md), so the count is the state space's.
  const protocols::Protocol* p = protocols::find_protocol("paxos");
  REQUIRE(p != nullptr);
  const Target t = target_for_protocol(*p, "lossy", protocols::Options{}, {});
  Options o;
  o.strategy = Strategy::dfs;
  o.reduction = Reduction::sleep;
  const Result r = explore(t, o);
  CHECK(r.exhaustive);
  CHECK(r.complete);
  CHECK(!r.counterexample);
  CHECK(!r.stuck);
  CHECK(r.states == 9191524);
  CHECK(r.terminal == 26622);
  CHECK(r.transitions == 9781285);
  // Sometimes: what the safety checks ran over.
  CHECK(r.facts.at("a value chosen") > 0);
  CHECK(r.facts.at("chosen over a rival value") > 0);
  CHECK(r.facts.at("a proposer adopted a reported value") > 0);
}

TEST_CASE("any-accepted-value with three proposers - DFS in shortest mode gives an 18-step shortest counterexample") {
  // BFS holds whole levels of worlds here and outgrows a 23 GB machine; DFS in shortest
  // mode needs a visited set only (about 17 million states, 0.6 GB, about 2 minutes).
  // PCT's paths for this bug are 25-28 steps, DFS's first 27.
  const protocols::Protocol* p = protocols::find_protocol("paxos");
  REQUIRE(p != nullptr);
  const Target t = target_for_protocol(*p, "", protocols::Options(std::map<std::string, std::string>{{"proposers", "3"}}), {"any-accepted-value"});
  Options o;
  o.strategy = Strategy::dfs;
  o.shortest = true;
  const Result r = explore(t, o);
  REQUIRE(r.counterexample);
  CHECK(r.shortest);
  CHECK(r.counterexample->finding.name == "p2c");
  CHECK(r.counterexample->steps.size() == 18);
  CHECK(counterexample_repro(t, *r.counterexample, "test").reproduced);
}

// The slow twin of symmetry reduction (explorer_symmetry_twin.hpp) with 3 participants:
// each state walked with its 5 renamed twins, about 10 s each.
TEST_CASE("symmetry - 3 participants - classes are exactly the orbits of renamed paths") {
  CHECK(symmetry_twin::check_against_twin(symmetry_twin::stateright(3), 3) == 28340);  // pinned: of 150,642 states
}

TEST_CASE("symmetry - 3 participants with four accounts each - classes are exactly the orbits of renamed paths") {
  // A participant's accounts are named by their index among its own: p1 owns a1, a4, a7
  // and a10, whose keys sort a1 < a10 < a4 < a7, while p0's keys sort in index order. A
  // fingerprint that hashed them in key order would tell twins apart.
  const Target t = symmetry_twin::stateright(3, {{"accounts_per_participant", "4"}});
  CHECK(symmetry_twin::check_against_twin(t, 3) == 28340);  // the same classes as with one account each
}

TEST_CASE("symmetry - 2 participants with a copied message - classes are exactly the orbits of renamed paths") {
  Target t = symmetry_twin::stateright(2);
  t.explore.budget.duplicates = 1;
  CHECK(symmetry_twin::check_against_twin(t, 2) == 75521);  // pinned: of 149,278 states
}

}  // namespace
}  // namespace faultline::explorer
