// The explorer on small Paxos configurations: pinned counts, shortest counterexamples that
// the simulator replays, reductions checked against plain search and brute force, the
// pure model checked against the simulator's explore mode, and --jobs independence.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "explorer/explorer.hpp"
#include "protocols/registry.hpp"
#include "scenarios/repro.hpp"
#include "sim/rng.hpp"
#include "twopc/twophase.hpp"

namespace faultline::explorer {
namespace {

const protocols::Protocol& paxos() {
  const protocols::Protocol* p = protocols::find_protocol("paxos");
  REQUIRE(p != nullptr);
  return *p;
}

// Separate roles, 2 proposers, 3 acceptors, 1 learner, one attempt each, as changed by
// `sets`; one drop, one acceptor crash and restart, as changed by `budget`. (Spelled out
// here, not taken from a preset, so that a preset's change does not move these pins.)
Target paxos_target(std::map<std::string, std::string> sets, std::vector<std::string> bugs,
                    std::function<void(protocols::ExploreSpec&)> budget = nullptr) {
  std::map<std::string, std::string> all = {{"proposers", "2"}, {"acceptors", "3"}, {"learners", "1"}};
  for (auto& [k, v] : sets) all[k] = v;
  Target t = target_for_protocol(paxos(), "small", protocols::Options(std::move(all)), bugs);
  t.explore.budget = sim::ExploreConfig{.on = true, .drops = 1, .crashes = 1, .restarts = 1, .timeouts = 2};
  t.explore.crash_groups = {"acceptors"};
  if (budget) budget(t.explore);
  return t;
}

// One proposer, three acceptors, one learner; one drop, one acceptor crash and restart.
Target one_proposer(std::vector<std::string> bugs = {}) {
  return paxos_target({{"proposers", "1"}}, std::move(bugs),
                      [](protocols::ExploreSpec& e) { e.budget.timeouts = 1; });
}

// Two proposers, two acceptors, one learner; a network that neither loses nor copies.
Target two_acceptors(std::vector<std::string> bugs = {}) {
  return paxos_target({{"acceptors", "2"}}, std::move(bugs), [](protocols::ExploreSpec& e) {
    e.budget.drops = 0;
    e.budget.crashes = 0;
    e.budget.restarts = 0;
    e.budget.timeouts = 1;
  });
}

// The reachable states' fingerprints of a search.
std::set<std::uint64_t> reachable(const Target& t, Options o) {
  std::set<std::uint64_t> seen;
  o.on_state = [&](const protocols::ExploreWorld& w) { seen.insert(w.fingerprint()); };
  const Result r = explore(t, o);
  CHECK(r.exhaustive);
  return seen;
}

// Every path from `w`, with no visited set and no reduction: the obviously correct twin.
void brute_force(const protocols::ExploreWorld& w, std::set<std::uint64_t>& states,
                 std::set<std::uint64_t>& terminal, std::uint64_t& paths) {
  states.insert(w.fingerprint());
  if (w.enabled().empty()) {
    terminal.insert(w.fingerprint());
    ++paths;
    return;
  }
  for (std::size_t i = 0; i < w.enabled().size(); ++i) {
    std::unique_ptr<protocols::ExploreWorld> next = w.clone();
    next->perform(i);
    brute_force(*next, states, terminal, paths);
  }
}

TEST_CASE("paxos one proposer - lossy network and an acceptor crash and restart - pinned counts") {
  const Result r = explore(one_proposer(), Options{});
  CHECK(r.exhaustive);
  CHECK(r.complete);
  CHECK(!r.counterexample);
  CHECK(!r.stuck);
  // Pinned: a change to the protocol, the explore mode or the fingerprint is deliberate.
  CHECK(r.states == 6258);
  CHECK(r.transitions == 23032);
  CHECK(r.depth == 15);
  // Sometimes: the safety checks ran over states where these happened.
  CHECK(r.facts.at("a value chosen") > 0);
  CHECK(r.facts.at("a node restarted") > 0);
  CHECK(r.facts.at("an attempt completed") > 0);
}

TEST_CASE("paxos two proposers and two acceptors without faults - pinned counts and rivals adopt values") {
  const Result r = explore(two_acceptors(), Options{});
  CHECK(r.exhaustive);
  CHECK(!r.counterexample);
  CHECK(r.states == 5211);
  CHECK(r.transitions == 17376);
  CHECK(r.facts.at("a proposer adopted a reported value") > 0);
  CHECK(r.facts.at("an attempt completed") > 0);
}

TEST_CASE("ignore-accepted-value - a shortest counterexample that the simulator replays") {
  const Target t = two_acceptors({"ignore-accepted-value"});
  const Result r = explore(t, Options{});
  REQUIRE(r.counterexample);
  CHECK(r.counterexample->finding.name == "p2c");
  // BFS: no path shorter than this one breaks an invariant (pinned).
  CHECK(r.counterexample->steps.size() == 12);
  const ReproOutcome out = counterexample_repro(t, *r.counterexample, "test");
  CHECK_MESSAGE(out.reproduced, out.explanation);
  CHECK(out.repro.tape.size() <= r.counterexample->steps.size());
  // The repro file round-trips through its JSON form and replays to the same trace.
  const scenarios::Repro back = scenarios::repro_from_json(scenarios::repro_to_json(out.repro), "mem");
  CHECK(scenarios::replay(back).reproduced);
}

TEST_CASE("DFS in shortest mode finds the counterexample length BFS finds - plain DFS a longer one") {
  const Target t = two_acceptors({"ignore-accepted-value"});
  Options plain;
  plain.strategy = Strategy::dfs;
  const Result first = explore(t, plain);
  REQUIRE(first.counterexample);
  CHECK(!first.shortest);
  CHECK(first.counterexample->steps.size() > 12);  // DFS's first path is not a shortest
  Options shortest = plain;
  shortest.shortest = true;
  const Result r = explore(t, shortest);
  REQUIRE(r.counterexample);
  CHECK(r.shortest);
  CHECK(r.counterexample->finding.name == "p2c");
  CHECK(r.counterexample->steps.size() == 12);  // BFS's length (pinned above)
  CHECK(counterexample_repro(t, *r.counterexample, "test").reproduced);
  // Cut short after its first violation, it claims nothing.
  shortest.max_states = first.states + 10;
  const Result cut = explore(t, shortest);
  REQUIRE(cut.counterexample);
  CHECK(!cut.shortest);
  CHECK(cut.stop_reason.find("--max-states") != std::string::npos);
}

TEST_CASE("the planted bugs the two small configurations reach are found on minimal paths") {
  struct Case {
    const char* bug;
    bool one_proposer;
    const char* finding;
    std::size_t steps;
  };
  const Case cases[] = {{"quorum-off-by-one", false, "learned is chosen", 7},
                        {"accept-lower-ballot", false, "promises kept", 8},
                        {"forget-promise", true, "durable state never goes back", 4}};
  for (const Case& c : cases) {
    const Target t = c.one_proposer ? one_proposer({c.bug}) : two_acceptors({c.bug});
    const Result r = explore(t, Options{});
    REQUIRE_MESSAGE(r.counterexample, c.bug);
    CHECK_MESSAGE(r.counterexample->finding.name == c.finding, c.bug);
    CHECK_MESSAGE(r.counterexample->steps.size() == c.steps, c.bug);
    CHECK_MESSAGE(counterexample_repro(t, *r.counterexample, "test").reproduced, c.bug);
  }
}

TEST_CASE("slow twin - brute force over every path reaches the states BFS and DFS and sleep sets reach") {
  // Tiny: one proposer, two acceptors, one learner, no faults, one timer firing.
  const Target t = paxos_target({{"proposers", "1"}, {"acceptors", "2"}}, {}, [](protocols::ExploreSpec& e) {
    e.budget = sim::ExploreConfig{.on = true, .timeouts = 1};
    e.crash_groups.clear();
  });
  std::set<std::uint64_t> states, terminal;
  std::uint64_t paths = 0;
  brute_force(*initial_world(t, Engine::pure), states, terminal, paths);
  CHECK(paths > states.size());  // the twin really walks interleavings, not states
  Options bfs;
  CHECK(reachable(t, bfs) == states);
  Options dfs;
  dfs.strategy = Strategy::dfs;
  CHECK(reachable(t, dfs) == states);
  dfs.reduction = Reduction::sleep;
  CHECK(reachable(t, dfs) == states);
  // DPOR visits one interleaving per class: every terminal state, fewer states on the way.
  Options dpor;
  dpor.strategy = Strategy::dfs;
  dpor.reduction = Reduction::dpor;
  std::set<std::uint64_t> dpor_terminal;
  dpor.on_state = [&](const protocols::ExploreWorld& w) {
    if (w.enabled().empty()) dpor_terminal.insert(w.fingerprint());
  };
  const Result d = explore(t, dpor);
  CHECK(d.exhaustive);
  CHECK(dpor_terminal == terminal);
  CHECK(d.executions < paths);
}

TEST_CASE("sleep sets and DPOR explore fewer transitions and find the same violation") {
  const Target t = two_acceptors();
  Options plain;
  plain.strategy = Strategy::dfs;
  const Result none = explore(t, plain);
  Options sleep = plain;
  sleep.reduction = Reduction::sleep;
  const Result slept = explore(t, sleep);
  CHECK(none.states == slept.states);  // sleep sets prune transitions, never states
  CHECK(slept.transitions < none.transitions);
  Options dpor = plain;
  dpor.reduction = Reduction::dpor;
  const Result d = explore(t, dpor);
  CHECK(d.exhaustive);
  CHECK(d.states < none.states);
  const Result bug = explore(two_acceptors({"ignore-accepted-value"}), dpor);
  REQUIRE(bug.counterexample);
  CHECK(counterexample_repro(two_acceptors({"ignore-accepted-value"}), *bug.counterexample, "t").reproduced);
}

// Random paths walked in the pure world and in the simulator's explore mode together: the
// same enabled events (kind, node, peer, content hash) at every step, and the same steps
// touching the client history.
void lockstep(const Target& t, int walks, int steps, std::uint64_t seed) {
  sim::Xoshiro256 rng(seed);
  for (int walk = 0; walk < walks; ++walk) {
    std::unique_ptr<protocols::ExploreWorld> pure = initial_world(t, Engine::pure);
    std::unique_ptr<protocols::ExploreWorld> real = initial_world(t, Engine::simulator);
    for (int step = 0; step < steps && !pure->enabled().empty(); ++step) {
      const auto& a = pure->enabled();
      const auto& b = real->enabled();
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) CHECK(sim::same_event(a[i], b[i]));
      CHECK(pure->describe(0).substr(0, 7) == real->describe(0).substr(0, 7));
      const std::size_t pick = rng.below(a.size());
      const bool pure_history = pure->perform(pick).history;
      CHECK(real->perform(pick).history == pure_history);
      CHECK(real->finding().has_value() == pure->finding().has_value());
    }
    CHECK(real->enabled().size() == pure->enabled().size());
  }
}

TEST_CASE("the pure model lists what the simulator's explore mode lists at every step") {
  lockstep(one_proposer(), 6, 40, 7);
}

const protocols::Protocol& twopc() {
  const protocols::Protocol* p = protocols::find_protocol("twopc");
  REQUIRE(p != nullptr);
  return *p;
}

Target twopc_target(const std::string& preset, std::map<std::string, std::string> sets = {},
                    std::function<void(protocols::ExploreSpec&)> budget = nullptr) {
  Target t = target_for_protocol(twopc(), preset, protocols::Options(std::move(sets)), {});
  if (budget) budget(t.explore);
  return t;
}

TEST_CASE("the 2PC pure model lists what the simulator's explore mode lists at every step") {
  // Stateright's configuration; then transfers between two clients with lost and copied
  // messages, crashes and retries (timers fire up to three times per node).
  lockstep(twopc_target("stateright"), 8, 60, 11);
  lockstep(twopc_target("blocking", {{"clients", "2"}, {"cooperative", "true"}},
                        [](protocols::ExploreSpec& e) {
                          e.budget.drops = 1;
                          e.budget.duplicates = 1;
                          e.budget.crashes = 1;
                          e.budget.timeouts = 3;
                          e.crash_groups = {"coordinators", "participants"};
                        }),
           12, 80, 12);
  lockstep(twopc_target("blocking", {{"txns", "2"}, {"read_all", "100"}},
                        [](protocols::ExploreSpec& e) { e.budget.timeouts = 4; }),
           8, 80, 13);
}

// The fingerprints of the terminal states (nothing enabled) a search visits.
std::set<std::uint64_t> terminal_states(const Target& t, Options o) {
  std::set<std::uint64_t> out;
  o.on_state = [&](const protocols::ExploreWorld& w) {
    if (w.enabled().empty()) out.insert(w.fingerprint());
  };
  const Result r = explore(t, o);
  CHECK(r.exhaustive);
  return out;
}

TEST_CASE("twopc stateright - 3 participants - pinned counts, both outcomes sometimes, atomicity always") {
  const Target t = twopc_target("stateright");
  Options dfs;
  dfs.strategy = Strategy::dfs;
  dfs.reduction = Reduction::sleep;
  const Result r = explore(t, dfs);
  CHECK(r.engine == Engine::pure);
  CHECK(r.exhaustive);
  CHECK(!r.counterexample);  // atomicity (Stateright's "consistent") in every state
  CHECK(!r.stuck);
  // Stateright's "sometimes" properties: every participant commits on some path, and a
  // transaction aborts on another (a participant gave up, or the coordinator timed out).
  CHECK(r.facts.at("every participant committed") > 0);
  CHECK(r.facts.at("a transaction aborted") > 0);
  CHECK(r.facts.at("a prepared participant aborted") > 0);
  CHECK(r.states == 150642);  // pinned
  CHECK(r.transitions == 323961);
  // Bad input: no participants, or more than the option allows.
  CHECK_THROWS_AS(twopc_target("stateright", {{"participants", "0"}}), protocols::BadInput);
  CHECK_THROWS_AS(twopc_target("stateright", {{"participants", "65"}}), protocols::BadInput);
}

TEST_CASE("twopc stateright - 2 participants - BFS pinned - DPOR reaches every terminal state BFS reaches") {
  // A timer enabled before a delivery to its node races with it: DPOR once took a timer
  // to follow its node's last step, never fired it first, and missed every abort here.
  // Then a delivery that resets its node's timer disables the timer with the old deadline,
  // which never runs after it, so no later race shows it: DPOR reached 13 of the 32
  // terminal states until such a disabled event was explored from the step's state too.
  const Target t = twopc_target("stateright", {{"participants", "2"}});
  const Result bfs = explore(t, Options{});
  CHECK(bfs.states == 6278);  // pinned
  CHECK(bfs.transitions == 22725);
  Options o;
  o.strategy = Strategy::dfs;
  o.reduction = Reduction::dpor;
  const Result dpor = explore(t, o);
  CHECK(dpor.states < bfs.states);
  CHECK(dpor.facts.at("a transaction aborted") > 0);
  const std::set<std::uint64_t> reached = terminal_states(t, o);
  const std::set<std::uint64_t> all = terminal_states(t, Options{});
  CHECK(all.size() == 32);
  CHECK(reached == all);
}

TEST_CASE("twopc twophase - the pure model lists what the simulator's explore mode lists, over a message set") {
  lockstep(twopc_target("twophase"), 8, 60, 14);
  lockstep(twopc_target("twophase", {{"participants", "1"}}), 8, 30, 15);
}

TEST_CASE("twopc twophase - TLA+ TwoPhase's state counts for 1 to 5 RMs - BFS and DFS with sleep sets agree") {
  // The spec's reachable states (rmState, tmState, tmPrepared, msgs) for 1 to 5 RMs, from
  // an enumeration of its seven actions written apart from this code: Stateright's 2PC
  // example, which encodes the spec, counts 288 with 3 RMs and 8,832 with 5 in its tests.
  const std::uint64_t spec_states[] = {12, 56, 288, 1568, 8832};
  for (int n = 1; n <= 5; ++n) {
    CAPTURE(n);
    const Target t = twopc_target("twophase", {{"participants", std::to_string(n)}});
    const Result bfs = explore(t, Options{});
    Options dfs;
    dfs.strategy = Strategy::dfs;
    dfs.reduction = Reduction::sleep;
    const Result sleep = explore(t, dfs);
    CHECK(bfs.engine == Engine::pure);
    CHECK(bfs.exhaustive);
    CHECK(sleep.exhaustive);
    CHECK(bfs.states == spec_states[n - 1]);
    CHECK(sleep.states == spec_states[n - 1]);
    CHECK(sleep.transitions < bfs.transitions);
    CHECK(bfs.terminal == 0);  // a message set keeps every message deliverable
    // TCConsistent always; Stateright's two "sometimes": every RM commits on some path,
    // every RM aborts on another.
    CHECK(!bfs.counterexample);
    CHECK(!sleep.counterexample);
    CHECK(bfs.facts.at("every RM committed") == 1);
    CHECK(bfs.facts.at("every RM aborted") > 0);
  }
  // The same states, not only as many.
  const Target three = twopc_target("twophase");
  Options dfs;
  dfs.strategy = Strategy::dfs;
  dfs.reduction = Reduction::sleep;
  CHECK(reachable(three, Options{}) == reachable(three, dfs));
}

TEST_CASE("twopc twophase - TCConsistent names the RMs that disagree") {
  using twopc::twophase::RmState;
  CHECK(twopc::twophase::consistency_violation({RmState::committed, RmState::prepared, RmState::committed}).empty());
  CHECK(twopc::twophase::consistency_violation({RmState::aborted, RmState::working}).empty());
  CHECK(twopc::twophase::consistency_violation({RmState::prepared, RmState::aborted, RmState::committed}) ==
        "p2 committed and p1 aborted");
}

TEST_CASE("twopc twophase - bad input: bank options, planted bugs, losses and copies, unbounded walks") {
  CHECK_THROWS_AS(twopc_target("twophase", {{"coordinators", "2"}}), protocols::BadInput);
  CHECK_THROWS_AS(twopc_target("twophase", {{"clients", "1"}}), protocols::BadInput);
  CHECK_THROWS_AS(twopc_target("twophase", {{"participants", "65"}}), protocols::BadInput);
  // The bank's presets set bank options: model=twophase there names the first of them.
  CHECK_THROWS_AS(twopc_target("stateright", {{"model", "twophase"}}), protocols::BadInput);
  Target bug = twopc_target("twophase");
  bug.spec.bugs = {"forget-decision"};
  CHECK_THROWS_AS(explore(bug, Options{}), protocols::BadInput);
  const auto refused = [](std::function<void(protocols::ExploreSpec&)> budget, Options o) {
    CHECK_THROWS_AS(explore(twopc_target("twophase", {}, std::move(budget)), o), protocols::BadInput);
  };
  refused([](protocols::ExploreSpec& e) { e.budget.drops = 1; }, Options{});
  refused([](protocols::ExploreSpec& e) { e.budget.duplicates = 1; }, Options{});
  Options pct;
  pct.strategy = Strategy::pct;
  refused(nullptr, pct);
  Options simulator;
  simulator.engine = Engine::simulator;
  refused(nullptr, simulator);
  // With a bound, a walk ends: PCT runs.
  pct.max_depth = 20;
  pct.walks = 50;
  CHECK(explore(twopc_target("twophase"), pct).executions > 0);
}

TEST_CASE("paxos register - the pure model lists what the simulator's explore mode lists, keeping ignored messages") {
  const auto reg = [](std::map<std::string, std::string> sets) {
    return target_for_protocol(paxos(), "register", protocols::Options(std::move(sets)), {});
  };
  lockstep(reg({{"clients", "2"}}), 10, 60, 16);
  lockstep(reg({{"clients", "1"}, {"acceptors", "5"}}), 6, 60, 17);
}

TEST_CASE("paxos register - Stateright's Paxos example's state counts - BFS and DFS with sleep sets agree") {
  // Stateright's own test of its Paxos example counts 16,668 unique states with 2 clients
  // (3 servers, an unordered network that neither loses nor copies).
  const auto reg = [](const std::string& clients) {
    return target_for_protocol(paxos(), "register", protocols::Options(std::map<std::string, std::string>{{"clients", clients}}), {});
  };
  Options sleep;
  sleep.strategy = Strategy::dfs;
  sleep.reduction = Reduction::sleep;
  const Result one = explore(reg("1"), Options{});
  CHECK(one.states == 265);  // pinned
  const Result bfs = explore(reg("2"), Options{});
  const Result dfs = explore(reg("2"), sleep);
  CHECK(bfs.engine == Engine::pure);
  CHECK(bfs.exhaustive);
  CHECK(dfs.exhaustive);
  CHECK(bfs.states == 16668);
  CHECK(dfs.states == 16668);
  CHECK(bfs.transitions == 102590);  // pinned
  CHECK(dfs.transitions < bfs.transitions);
  // "linearizable" always, "value chosen" sometimes.
  CHECK(!bfs.counterexample);
  CHECK(!dfs.counterexample);
  CHECK(bfs.facts.at("value chosen") > 0);
  CHECK(reachable(reg("2"), Options{}) == reachable(reg("2"), sleep));
}

// The quiescent states a search visits: every enabled event leads back to the state (a
// world that keeps ignored messages, or a message set, never runs out of events).
std::set<std::uint64_t> quiescent_states(const Target& t, Options o) {
  std::set<std::uint64_t> out;
  o.on_state = [&](const protocols::ExploreWorld& w) {
    for (std::size_t i = 0; i < w.enabled().size(); ++i) {
      std::unique_ptr<protocols::ExploreWorld> next = w.clone();
      next->perform(i);
      if (next->fingerprint() != w.fingerprint()) return;
    }
    out.insert(w.fingerprint());
  };
  const Result r = explore(t, o);
  CHECK(r.exhaustive);
  return out;
}

TEST_CASE("DPOR over moves that lead back - register and twophase - every quiescent state BFS reaches, fewer states") {
  // Without the moves that change nothing, a path ends where every move leads back; DPOR
  // runs over that reduced system and must reach each such end.
  Options dpor;
  dpor.strategy = Strategy::dfs;
  dpor.reduction = Reduction::dpor;
  const Target reg = target_for_protocol(paxos(), "register", protocols::Options(std::map<std::string, std::string>{{"clients", "2"}}), {});
  const Target tp = twopc_target("twophase", {{"participants", "3"}});
  for (const Target* t : {&reg, &tp}) {
    const std::set<std::uint64_t> all = quiescent_states(*t, Options{});
    CHECK(!all.empty());
    CHECK(quiescent_states(*t, dpor) == all);
    const Result d = explore(*t, dpor);
    const Result b = explore(*t, Options{});
    CHECK(d.exhaustive);
    CHECK(!d.counterexample);
    CHECK(d.states < b.states);
  }
  CHECK(explore(reg, dpor).states == 11280);  // pinned (BFS: 16,668)
  CHECK(explore(tp, dpor).states == 246);     // pinned (BFS: 288)
}

TEST_CASE("paxos register - bad input: single-decree options, planted bugs, too many servers, unbounded walks") {
  const auto reg = [](std::map<std::string, std::string> sets) {
    return target_for_protocol(paxos(), "register", protocols::Options(std::move(sets)), {});
  };
  CHECK_THROWS_AS(reg({{"proposers", "2"}}), protocols::BadInput);
  CHECK_THROWS_AS(reg({{"acceptors", "10"}}), protocols::BadInput);
  CHECK_THROWS_AS(reg({{"clients", "27"}}), protocols::BadInput);
  CHECK_THROWS_AS(target_for_protocol(paxos(), "small", protocols::Options(std::map<std::string, std::string>{{"clients", "2"}}), {}),
                  protocols::BadInput);
  Target bug = reg({});
  bug.spec.bugs = {"ignore-accepted-value"};
  CHECK_THROWS_AS(explore(bug, Options{}), protocols::BadInput);
  Options walk;
  walk.strategy = Strategy::random_walk;
  CHECK_THROWS_AS(explore(reg({}), walk), protocols::BadInput);
  walk.max_depth = 30;
  walk.walks = 20;
  CHECK(explore(reg({}), walk).executions > 0);
}

TEST_CASE("--jobs does not change the result") {
  const Target t = two_acceptors({"ignore-accepted-value"});
  Options one;
  Options three;
  three.jobs = 3;
  const Result a = explore(t, one);
  const Result b = explore(t, three);
  CHECK(a.states == b.states);
  CHECK(a.transitions == b.transitions);
  REQUIRE(a.counterexample);
  REQUIRE(b.counterexample);
  CHECK(a.counterexample->tape() == b.counterexample->tape());
  const Result clean1 = explore(two_acceptors(), one);
  const Result clean3 = explore(two_acceptors(), three);
  CHECK(clean1.states == clean3.states);
  CHECK(clean1.transitions == clean3.transitions);
  Options walks;
  walks.strategy = Strategy::pct;
  walks.walks = 300;
  Options walks3 = walks;
  walks3.jobs = 3;
  const Result w1 = explore(t, walks);
  const Result w3 = explore(t, walks3);
  CHECK(w1.states == w3.states);
  CHECK(w1.transitions == w3.transitions);
  CHECK(w1.counterexample.has_value() == w3.counterexample.has_value());
}

TEST_CASE("a search cut short says it is not exhaustive - absurd bounds are bad input") {
  Options o;
  o.max_states = 100;
  const Result r = explore(one_proposer(), o);
  CHECK(!r.exhaustive);
  CHECK(r.verdict() == sim::Verdict::unknown);
  CHECK(r.stop_reason.find("--max-states") != std::string::npos);
  Target big = one_proposer();
  big.explore.budget.crashes = 9;
  CHECK_THROWS_AS(validate(big, Options{}), protocols::BadInput);
  Target unbounded = one_proposer();
  unbounded.explore.budget.timeouts = sim::kExploreUnbounded;
  CHECK_THROWS_AS(validate(unbounded, Options{}), protocols::BadInput);
}

TEST_CASE("2PC with a coordinator crash - the pure model exhausts it and finds the blocking case that the simulator replays") {
  const Target t = twopc_target("blocking");
  const Result r = explore(t, Options{});  // the preset's search: BFS, on the pure model
  CHECK(r.engine == Engine::pure);
  CHECK(r.exhaustive);
  CHECK(!r.counterexample);  // atomicity and the bank's invariants hold in every state
  REQUIRE(r.stuck);          // the liveness finding: in doubt, coordinator down
  CHECK(r.stuck->finding.message.find("2PC blocks") != std::string::npos);
  CHECK(r.stuck->steps.size() == 13);  // a shortest such path
  CHECK(r.stuck_states > 0);
  CHECK(r.terminal > r.stuck_states);  // sometimes: paths where every transaction decides
  CHECK(r.states == 45874);            // pinned
  CHECK(counterexample_repro(t, *r.stuck, "test").reproduced);
  // Restarts are not in the pure model: the explorer falls back to the simulator.
  const Target restarts = twopc_target("blocking", {}, [](protocols::ExploreSpec& e) { e.budget.restarts = 1; });
  CHECK(!initial_world(restarts, Engine::automatic)->enabled().empty());
  CHECK_THROWS_AS(initial_world(restarts, Engine::pure), protocols::BadInput);
}

TEST_CASE("2PC on the simulator engine - re-execution exhausts one participant") {
  // The blocking clients and servers explored by re-running the simulator for every
  // state (no pure model needed); its states are inputs per node, so it counts more.
  const Target t = twopc_target("stateright", {{"participants", "1"}});
  Options o;
  o.strategy = Strategy::dfs;
  o.reduction = Reduction::sleep;
  o.engine = Engine::simulator;
  const Result sim_run = explore(t, o);
  CHECK(sim_run.engine == Engine::simulator);
  CHECK(sim_run.exhaustive);
  CHECK(!sim_run.counterexample);
  CHECK(sim_run.states == 930);  // pinned
  o.engine = Engine::pure;
  const Result pure = explore(t, o);
  CHECK(pure.exhaustive);
  CHECK(pure.states == 282);  // pinned
}

TEST_CASE("PCT states its guarantee and finds the ignored accepted value") {
  Options o;
  o.strategy = Strategy::pct;
  o.walks = 2000;
  o.pct_depth = 3;
  const Result r = explore(two_acceptors({"ignore-accepted-value"}), o);
  CHECK(r.guarantee.find("probability") != std::string::npos);
  CHECK(!r.exhaustive);
  REQUIRE(r.counterexample);
  CHECK(r.counterexample->finding.kind != sim::FindingKind::liveness);
}

}  // namespace
}  // namespace faultline::explorer
