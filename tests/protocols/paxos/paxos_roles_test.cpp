// The single-decree roles' handlers without the simulator (each case: what one handler
// must do with one message), the durable record's codec, fingerprints, and the shared
// invariants fed facts that no correct run produces.
#include <doctest/doctest.h>

#include "paxos/paxos_invariants.hpp"
#include "paxos/paxos_node.hpp"

using namespace faultline;
using namespace faultline::paxos;

namespace {

class FixedRandom final : public Random {
 public:
  std::uint64_t value = 0;
  std::uint64_t below(std::uint64_t n) override { return value % n; }
};

// Proposer p0 (id 0), acceptors a0..a2 (ids 1..3), learner l0 (id 4).
SingleConfig config(NodeId id, bool proposer, bool acceptor, bool learner, Bugs bugs = {}) {
  SingleConfig c;
  c.id = id;
  c.name = proposer ? "p0" : acceptor ? "a" + std::to_string(id - 1) : "l0";
  c.proposer = proposer;
  c.acceptor = acceptor;
  c.learner = learner;
  c.acceptors = {1, 2, 3};
  c.learners = {4};
  c.proposals = 2;
  c.start_max_ns = 0;
  c.think_max_ns = 0;
  c.bugs = bugs;
  return c;
}

template <class M>
sim::Envelope from(NodeId sender, M message) {
  return sim::Envelope{.from = sender, .id = 0, .payload = sim::Payload(std::move(message))};
}

template <class M>
const M* sent(const SingleEffects& fx, std::size_t i, NodeId* to = nullptr) {
  if (i >= fx.messages.size()) return nullptr;
  if (to != nullptr) *to = fx.messages[i].to;
  return fx.messages[i].get<M>();
}

// A node on the bench (movable: the node and its random source live on the heap).
struct Bench {
  std::unique_ptr<FixedRandom> random = std::make_unique<FixedRandom>();
  std::unique_ptr<SingleNode> owned;
  SingleNode& node;
  explicit Bench(SingleConfig c, SingleDurable restored = {})
      : owned(std::make_unique<SingleNode>(std::move(c), restored, *random)), node(*owned) {
    node.start(0);
  }
  SingleEffects& fx() { return node.effects(); }
  void clear() { fx() = SingleEffects{}; }
};

constexpr Ballot b10{1, 0}, b11{1, 1}, b20{2, 0}, b50{5, 0};

}  // namespace

// ---------------------------------------------------------------- acceptor

TEST_CASE("acceptor: a higher Prepare is promised, synced, and answered with what it accepted") {
  Bench a(config(1, false, true, false), SingleDurable{b10, b10, "x", 0});
  a.node.step(1, from(0, Prepare{b11}));
  CHECK(a.node.acceptor()->promised() == b11);
  CHECK(a.fx().dirty);
  const Promise* p = sent<Promise>(a.fx(), 0);
  REQUIRE(p != nullptr);
  CHECK(p->ballot == b11);
  CHECK(p->accepted == b10);
  CHECK(p->value == "x");
  REQUIRE(a.fx().observed.size() == 1);
  CHECK(a.fx().observed[0].kind == Observed::Kind::promise);
}

TEST_CASE("acceptor: a lower Prepare or Accept is refused with the promise it holds") {
  Bench a(config(1, false, true, false), SingleDurable{b11, {}, {}, 0});
  a.node.step(1, from(0, Prepare{b10}));
  a.node.step(2, from(0, Accept{b10, "v"}));
  REQUIRE(a.fx().messages.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const Nack* n = sent<Nack>(a.fx(), i);
    REQUIRE(n != nullptr);
    CHECK(n->ballot == b10);
    CHECK(n->promised == b11);
  }
  CHECK_FALSE(a.fx().dirty);
  CHECK(a.node.acceptor()->accepted().none());
}

TEST_CASE("acceptor: a Prepare equal to the promise is answered again, without a new promise") {
  Bench a(config(1, false, true, false), SingleDurable{b11, {}, {}, 0});
  a.node.step(1, from(0, Prepare{b11}));
  CHECK(sent<Promise>(a.fx(), 0) != nullptr);
  CHECK(a.fx().observed.empty());
  CHECK_FALSE(a.fx().dirty);
}

TEST_CASE("acceptor: an Accept within the promise is accepted and told to proposer and learners") {
  Bench a(config(1, false, true, false), SingleDurable{b10, {}, {}, 0});
  a.node.step(1, from(0, Accept{b11, "v"}));
  CHECK(a.node.acceptor()->accepted() == b11);
  CHECK(a.node.acceptor()->promised() == b11);  // accepting b promises b
  CHECK(a.fx().dirty);
  NodeId to0 = kNoNode, to1 = kNoNode;
  REQUIRE(sent<Accepted>(a.fx(), 0, &to0) != nullptr);
  REQUIRE(sent<Accepted>(a.fx(), 1, &to1) != nullptr);
  CHECK(to0 == 0);
  CHECK(to1 == 4);
  a.clear();
  a.node.step(2, from(0, Accept{b11, "v"}));  // a duplicate: answered, nothing new
  CHECK(a.fx().observed.empty());
  CHECK_FALSE(a.fx().dirty);
  CHECK(a.fx().messages.size() == 2);
}

TEST_CASE("acceptor bugs: forget-promise and forget-accepted leave their part off the disk") {
  Bugs forget_promise;
  forget_promise.forget_promise = true;
  Bench a(config(1, false, true, false, forget_promise));
  a.node.step(1, from(0, Prepare{b11}));
  CHECK_FALSE(a.fx().dirty);  // the Promise leaves without a sync
  CHECK(a.node.durable().promised.none());
  Bugs forget_accepted;
  forget_accepted.forget_accepted = true;
  Bench b(config(1, false, true, false, forget_accepted));
  b.node.step(1, from(0, Accept{b11, "v"}));
  CHECK(b.node.durable().accepted.none());
  CHECK(b.node.durable().promised == b11);
  Bench correct(config(1, false, true, false));
  correct.node.step(1, from(0, Accept{b11, "v"}));
  CHECK(correct.node.durable() == SingleDurable{b11, b11, "v", 0});
}

TEST_CASE("acceptor bug accept-lower-ballot: an Accept below the promise is accepted") {
  Bugs bugs;
  bugs.accept_lower_ballot = true;
  Bench a(config(1, false, true, false, bugs), SingleDurable{b11, {}, {}, 0});
  a.node.step(1, from(0, Accept{b10, "v"}));
  CHECK(a.node.acceptor()->accepted() == b10);
  CHECK(sent<Accepted>(a.fx(), 0) != nullptr);
}

// ---------------------------------------------------------------- proposer

namespace {

// p0 begins an attempt: Prepare(1.0) to every acceptor.
Bench prepared(Bugs bugs = {}, std::uint64_t restored_round = 0) {
  Bench p(config(0, true, false, false, bugs), SingleDurable{{}, {}, {}, restored_round});
  p.node.tick(0);
  return p;
}

}  // namespace

TEST_CASE("proposer: an attempt begins with a durable round and a Prepare to every acceptor") {
  Bench p = prepared();
  CHECK(p.node.proposer()->phase() == Phase::prepare);
  CHECK(p.node.proposer()->ballot() == b10);
  CHECK(p.fx().dirty);
  CHECK(p.node.durable().round == 1);
  CHECK(p.fx().messages.size() == 3);
  REQUIRE(p.fx().attempts.size() == 1);
  CHECK(p.fx().attempts[0].begin);
  CHECK(p.fx().attempts[0].own == "p0-1");
}

TEST_CASE("proposer: a majority of promises adopts the value of the highest ballot reported") {
  Bench p = prepared({}, /*restored_round=*/4);  // ballot 5.0
  p.clear();
  p.node.step(1, from(1, Promise{b50, Ballot{1, 3}, "low"}));
  CHECK(p.node.proposer()->phase() == Phase::prepare);
  p.node.step(2, from(2, Promise{b50, Ballot{2, 1}, "high"}));
  CHECK(p.node.proposer()->phase() == Phase::accept);
  CHECK(p.node.proposer()->proposal() == "high");
  // Phase 2a goes to the acceptors that promised (§2.2: "to each of those acceptors").
  REQUIRE(p.fx().messages.size() == 2);
  CHECK(p.fx().messages[0].to == 1);
  CHECK(p.fx().messages[1].to == 2);
  REQUIRE(p.fx().observed.size() == 1);
  CHECK(p.fx().observed[0].kind == Observed::Kind::propose);
}

TEST_CASE("proposer: duplicate promises and promises of other ballots do not make a majority") {
  Bench p = prepared();
  CHECK(p.node.step(1, from(1, Promise{b10, {}, {}})).empty());
  CHECK_FALSE(p.node.step(2, from(1, Promise{b10, {}, {}})).empty());
  CHECK_FALSE(p.node.step(3, from(2, Promise{b11, {}, {}})).empty());
  CHECK(p.node.proposer()->phase() == Phase::prepare);
}

TEST_CASE("proposer bugs: ignore-accepted-value and any-accepted-value pick the wrong value") {
  Bugs ignore;
  ignore.ignore_accepted_value = true;
  Bench p = prepared(ignore, 4);
  p.node.step(1, from(1, Promise{b50, Ballot{1, 3}, "low"}));
  p.node.step(2, from(2, Promise{b50, Ballot{2, 1}, "high"}));
  CHECK(p.node.proposer()->proposal() == "p0-1");
  Bugs any;
  any.any_accepted_value = true;
  Bench q = prepared(any, 4);
  q.node.step(1, from(1, Promise{b50, Ballot{1, 3}, "low"}));
  q.node.step(2, from(2, Promise{b50, Ballot{2, 1}, "high"}));
  CHECK(q.node.proposer()->proposal() == "low");
}

TEST_CASE("proposer: a refusal backs off, the next ballot is above the promise it heard of") {
  Bench p = prepared();
  p.node.step(1, from(1, Nack{b10, Ballot{7, 2}}));
  CHECK(p.node.proposer()->phase() == Phase::backoff);
  CHECK(p.node.proposer()->preemptions() == 1);
  p.clear();
  p.node.tick(p.node.next_deadline());
  CHECK(p.node.proposer()->phase() == Phase::prepare);
  CHECK(p.node.proposer()->ballot() == Ballot{8, 0});
}

TEST_CASE("proposer: a phase that no majority answers times out into a backoff") {
  Bench p = prepared();
  const Time deadline = p.node.next_deadline();
  CHECK(deadline == SingleConfig{}.retry_ns);
  p.node.tick(deadline);
  CHECK(p.node.proposer()->phase() == Phase::backoff);
}

TEST_CASE("proposer: a majority of acceptances ends the attempt, the next starts after a pause") {
  Bench p = prepared();
  p.node.step(1, from(1, Promise{b10, {}, {}}));
  p.node.step(2, from(2, Promise{b10, {}, {}}));
  p.clear();
  p.node.step(3, from(1, Accepted{b10, "p0-1"}));
  CHECK(p.fx().attempts.empty());
  p.node.step(4, from(2, Accepted{b10, "p0-1"}));
  REQUIRE(p.fx().attempts.size() == 1);
  CHECK_FALSE(p.fx().attempts[0].begin);
  CHECK(p.fx().attempts[0].chosen == "p0-1");
  CHECK(p.node.proposer()->phase() == Phase::idle);
  CHECK(p.node.proposer()->attempts_done() == 1);
}

TEST_CASE("proposer bug quorum-off-by-one: one acceptance of three decides") {
  Bugs bugs;
  bugs.quorum_off_by_one = true;
  Bench p = prepared(bugs);
  p.node.step(1, from(1, Promise{b10, {}, {}}));
  p.node.step(2, from(2, Promise{b10, {}, {}}));
  p.node.step(3, from(1, Accepted{b10, "p0-1"}));
  CHECK(p.node.proposer()->attempts_done() == 1);
}

TEST_CASE("proposer: rounds survive a restart, and ballot-reuse forgets them") {
  Bench p = prepared({}, /*restored_round=*/5);
  CHECK(p.node.proposer()->ballot() == Ballot{6, 0});
  Bugs bugs;
  bugs.ballot_reuse = true;
  Bench q = prepared(bugs, 0);
  CHECK_FALSE(q.fx().dirty);  // the round is not synced before the Prepare leaves
  CHECK(q.node.durable().round == 0);
}

// ---------------------------------------------------------------- learner

TEST_CASE("learner: learns once a majority accepted in one ballot, never across ballots") {
  Bench l(config(4, false, false, true));
  l.node.step(1, from(1, Accepted{b10, "x"}));
  l.node.step(2, from(2, Accepted{b11, "x"}));
  CHECK_FALSE(l.node.learner()->learned().has_value());
  CHECK_FALSE(l.node.step(3, from(1, Accepted{b10, "x"})).empty());  // counted already
  l.node.step(4, from(3, Accepted{b11, "x"}));
  REQUIRE(l.node.learner()->learned().has_value());
  CHECK(*l.node.learner()->learned() == "x");
  CHECK(l.fx().observed.back().kind == Observed::Kind::learn);
}

TEST_CASE("a combined node hands an Accepted to both its proposer and its learner") {
  SingleConfig c = config(1, true, true, true);
  c.learners = {1, 4};
  Bench n(c);
  CHECK(n.node.roles_text() == "proposer+acceptor+learner");
  n.node.tick(0);
  n.node.step(1, from(1, Promise{b10, {}, {}}));
  n.node.step(2, from(2, Promise{b10, {}, {}}));
  n.node.step(3, from(1, Accepted{b10, "p0-1"}));
  n.node.step(4, from(2, Accepted{b10, "p0-1"}));
  CHECK(n.node.proposer()->attempts_done() == 1);
  REQUIRE(n.node.learner()->learned().has_value());
}

// ---------------------------------------------------------------- codec and fingerprints

TEST_CASE("the durable record reads back what was written, and a damaged one is refused") {
  const SingleDurable d{Ballot{3, 1}, Ballot{2, 4}, "p4-2", 9};
  const std::string record = write_single_durable(d);
  REQUIRE(read_single_durable(record).has_value());
  CHECK(*read_single_durable(record) == d);
  std::string damaged = record;
  damaged[1] ^= 0x20;
  CHECK_FALSE(read_single_durable(damaged).has_value());
  CHECK_FALSE(read_single_durable(record.substr(0, record.size() - 1)).has_value());
}

TEST_CASE("fingerprints: equal protocol states hash equal, a handled message changes it") {
  Bench a(config(1, false, true, false));
  Bench b(config(1, false, true, false));
  CHECK(a.node.fingerprint() == b.node.fingerprint());
  a.node.step(1, from(0, Prepare{b10}));
  CHECK(a.node.fingerprint() != b.node.fingerprint());
  b.node.step(7, from(0, Prepare{b10}));  // another time, same state
  CHECK(a.node.fingerprint() == b.node.fingerprint());
}

// ---------------------------------------------------------------- invariants

namespace {

// A simulation that only names nodes and holds no history; it never runs.
struct World {
  sim::SeededChoices choices{1};
  sim::Simulation sim{sim::SimConfig{}, choices};
  std::unique_ptr<PaxosInvariants> inv;
  World() {
    for (const char* name : {"p0", "a0", "a1", "a2", "p1"}) {
      sim.add_node({.name = name}, sim::lambda_actor([](sim::Context&) {}));
    }
    inv = std::make_unique<PaxosInvariants>(
        sim, std::vector<NodeId>{1, 2, 3},
        [](const sim::Simulation&, std::string_view v) { return v != "forged"; });
  }
  void fact(NodeId node, Observed::Kind kind, Ballot b, std::string value = {}, Slot slot = 0) {
    inv->observe(node, Observed{kind, slot, b, std::move(value)});
  }
  bool broken(Property p) const { return inv->violation(p).has_value(); }
};

using K = Observed::Kind;

}  // namespace

TEST_CASE("invariants: a correct duel violates nothing, and the chosen value is counted") {
  World w;
  w.fact(0, K::propose, b10, "x");
  w.fact(1, K::accept, b10, "x");
  w.fact(2, K::promise, b11);
  w.fact(3, K::promise, b11);
  w.fact(4, K::propose, b11, "y");  // its majority (a1, a2) reported nothing
  w.fact(2, K::accept, b11, "y");
  CHECK(w.inv->chosen(0) == nullptr);
  w.fact(3, K::accept, b11, "y");
  REQUIRE(w.inv->chosen(0) != nullptr);
  CHECK(*w.inv->chosen(0) == "y");
  w.fact(0, K::learn, b11, "y");
  CHECK_FALSE(w.inv->any_violation());
  CHECK(w.inv->stats().slots_chosen == 1);
  CHECK(w.inv->stats().chosen_over_rivals == 1);
}

TEST_CASE("invariants: two values chosen break agreement, a lower proposal is no P2c breach") {
  World w;
  w.fact(1, K::accept, b10, "x");
  w.fact(2, K::accept, b10, "x");
  CHECK_FALSE(w.inv->any_violation());
  w.fact(2, K::accept, b11, "y");
  w.fact(3, K::accept, b11, "y");
  CHECK(w.broken(Property::agreement));
}

TEST_CASE("invariants: p2c is checked both ways") {
  World before;  // the higher proposal came first, then the lower ballot's value was chosen
  before.fact(4, K::propose, b20, "y");
  before.fact(1, K::accept, b10, "x");
  before.fact(2, K::accept, b10, "x");
  CHECK(before.broken(Property::p2c));
  World after;  // chosen first, then a higher proposal of another value
  after.fact(1, K::accept, b10, "x");
  after.fact(2, K::accept, b10, "x");
  after.fact(4, K::propose, b11, "x");
  CHECK_FALSE(after.inv->any_violation());
  after.fact(4, K::propose, b20, "y");
  CHECK(after.broken(Property::p2c));
}

TEST_CASE("invariants: promises kept across incarnations, validity, learners, unique ballots") {
  World w;
  w.fact(1, K::promise, b20);
  w.fact(1, K::accept, b11, "x");
  CHECK(w.broken(Property::promises_kept));
  World forged;
  forged.fact(1, K::accept, b10, "forged");
  forged.fact(2, K::accept, b10, "forged");
  CHECK(forged.broken(Property::validity));
  World learner;
  learner.fact(1, K::accept, b10, "x");
  learner.fact(0, K::learn, b10, "x");  // one acceptance of three is not chosen
  CHECK(learner.broken(Property::learned_is_chosen));
  World twice;
  twice.fact(0, K::propose, b10, "x");
  twice.fact(0, K::propose, b10, "x");  // a retry of the same proposal is fine
  CHECK_FALSE(twice.inv->any_violation());
  twice.fact(0, K::propose, b10, "y");
  CHECK(twice.broken(Property::one_value_per_ballot));
}

TEST_CASE("invariants: slots are separate instances") {
  World w;
  w.fact(1, K::accept, b10, "x", 1);
  w.fact(2, K::accept, b10, "x", 1);
  w.fact(1, K::accept, b11, "y", 2);
  w.fact(2, K::accept, b11, "y", 2);
  CHECK_FALSE(w.inv->any_violation());
  CHECK(w.inv->stats().slots_chosen == 2);
  w.fact(4, K::propose, b20, "z", 1);
  REQUIRE(w.broken(Property::p2c));
  CHECK(w.inv->violation(Property::p2c)->find("at slot 1") != std::string::npos);
}
