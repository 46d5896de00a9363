// The participant's and the coordinator's handlers, one rule per test, without the
// simulator: a handler reads a message and the node's state and records effects
// (messages, log records, reports), which these tests inspect. Recovery is tested by
// rebuilding a node from the records an earlier one emitted.
#include <doctest/doctest.h>

#include "twopc/twopc_coordinator.hpp"
#include "twopc/twopc_participant.hpp"
#include "twopc/twopc_storage.hpp"

using namespace faultline;
using namespace faultline::twopc;
using sim::kMillisecond;

namespace {

constexpr NodeId kCoord = 0;
constexpr NodeId kP0 = 1;
constexpr NodeId kP1 = 2;
constexpr NodeId kClient = 9;
const TxnId kT1 = TxnId::make(0, 1, 1);
const TxnId kT2 = TxnId::make(0, 1, 2);

ParticipantConfig p0_config(Bugs bugs = {}) {
  ParticipantConfig c;
  c.id = kP0;
  c.keys = {"a0", "a2"};
  c.initial_balance = 100;
  c.retry_ns = 50 * kMillisecond;
  c.working_timeout_ns = 500 * kMillisecond;
  c.bugs = bugs;
  return c;
}

template <class M>
std::vector<M> sent(const std::vector<protocols::Outgoing>& out, NodeId to) {
  std::vector<M> found;
  for (const protocols::Outgoing& o : out) {
    if (o.to == to && o.get<M>() != nullptr) found.push_back(*o.get<M>());
  }
  return found;
}

// A participant with the effects of its last handler only.
struct TestParticipant {
  explicit TestParticipant(ParticipantConfig config = p0_config(),
                           Stored<ParticipantRecord> stored = {}, sim::Time now = 0)
      : node(std::move(config), stored, now), log(stored.records) {
    take();
  }
  // The effects so far, cleared; records are kept in `log` as a disk would keep them.
  ParticipantEffects take() {
    ParticipantEffects fx = std::move(node.effects());
    node.effects() = {};
    for (const ParticipantRecord& r : fx.records) log.push_back(r);
    return fx;
  }
  Stored<ParticipantRecord> disk() const { return {node.epoch(), log}; }
  Participant node;
  std::vector<ParticipantRecord> log;
};

Lock lock_of(TxnId txn, std::vector<LockItem> items) {
  return Lock{txn, std::move(items)};
}

// Locks a0 (exclusive) for kT1 and returns the grant.
Grant lock_a0(TestParticipant& p, TxnId txn = kT1, sim::Time now = 0) {
  REQUIRE(p.node.on_lock(now, kClient, lock_of(txn, {{"a0", true}})).empty());
  ParticipantEffects fx = p.take();
  auto replies = sent<LockReply>(fx.messages, kClient);
  REQUIRE(replies.size() == 1);
  REQUIRE(replies[0].granted);
  return replies[0].grant;
}

Prepare prepare_of(TxnId txn, Grant grant, std::vector<Write> writes) {
  return Prepare{txn, grant, std::move(writes), {kP0, kP1}};
}

}  // namespace

TEST_CASE(
    "twopc participant: a lock is granted with the values read, and a retry gets the same grant") {
  TestParticipant p;
  REQUIRE(p.node.on_lock(0, kClient, lock_of(kT1, {{"a0", true}, {"a2", false}})).empty());
  ParticipantEffects fx = p.take();
  auto replies = sent<LockReply>(fx.messages, kClient);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].granted);
  CHECK(replies[0].values == std::vector<std::int64_t>{100, 100});
  CHECK(p.node.txns().at(kT1).state == TxnState::working);
  CHECK(fx.records.empty());  // nothing is promised while working

  REQUIRE(p.node.on_lock(1, kClient, lock_of(kT1, {{"a0", true}, {"a2", false}})).empty());
  fx = p.take();
  auto again = sent<LockReply>(fx.messages, kClient);
  REQUIRE(again.size() == 1);
  CHECK(again[0].grant == replies[0].grant);
}

TEST_CASE(
    "twopc participant: no waiting — a conflicting lock is refused at once, shared locks share") {
  TestParticipant p;
  lock_a0(p, kT1);
  REQUIRE(p.node.on_lock(0, kClient, lock_of(kT2, {{"a0", false}})).empty());
  ParticipantEffects fx = p.take();
  auto refused = sent<LockReply>(fx.messages, kClient);
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(refused[0].granted);
  CHECK(refused[0].holder == kT1);
  CHECK(p.node.txns().count(kT2) == 0);

  const TxnId t3 = TxnId::make(0, 1, 3);
  const TxnId t4 = TxnId::make(0, 1, 4);
  REQUIRE(p.node.on_lock(0, kClient, lock_of(t3, {{"a2", false}})).empty());
  REQUIRE(p.node.on_lock(0, kClient, lock_of(t4, {{"a2", false}})).empty());
  fx = p.take();
  auto shared = sent<LockReply>(fx.messages, kClient);
  REQUIRE(shared.size() == 2);
  CHECK((shared[0].granted && shared[1].granted));
  CHECK(p.node.locks().at("a2").shared.size() == 2);
}

TEST_CASE("twopc participant: phase 1 — a matching grant prepares durably and votes yes") {
  TestParticipant p;
  const Grant g = lock_a0(p);
  REQUIRE(p.node.on_prepare(10, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  ParticipantEffects fx = p.take();
  REQUIRE(fx.records.size() == 1);  // written before the vote leaves (the driver syncs)
  CHECK(fx.records[0].kind == ParticipantRecord::Kind::prepared);
  CHECK(fx.records[0].writes == std::vector<Write>{{"a0", 70}});
  auto votes = sent<Vote>(fx.messages, kCoord);
  REQUIRE(votes.size() == 1);
  CHECK(votes[0].yes);
  CHECK(p.node.txns().at(kT1).state == TxnState::prepared);
  CHECK(p.node.locks().at("a0").exclusive == kT1);  // locks held until the decision
  CHECK(p.node.balances().at("a0") == 100);         // nothing applied yet
}

TEST_CASE("twopc participant: phase 1 — an unknown transaction or a stale grant votes no") {
  TestParticipant p;
  REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, 77, {{"a0", 70}})).empty());
  ParticipantEffects fx = p.take();
  auto votes = sent<Vote>(fx.messages, kCoord);
  REQUIRE(votes.size() == 1);
  CHECK_FALSE(votes[0].yes);
  CHECK(fx.records.empty());

  const Grant g = lock_a0(p, kT2);
  REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT2, g + 1, {{"a0", 70}})).empty());
  fx = p.take();
  votes = sent<Vote>(fx.messages, kCoord);
  REQUIRE(votes.size() == 1);
  CHECK_FALSE(votes[0].yes);
  CHECK(p.node.locks().empty());  // the other working state was given up with the no
}

TEST_CASE("twopc participant: phase 2 — commit applies, logs, releases and acknowledges") {
  TestParticipant p;
  const Grant g = lock_a0(p);
  REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  p.take();
  REQUIRE(p.node.on_decision(5, kCoord, Decision{kT1, true}).empty());
  ParticipantEffects fx = p.take();
  CHECK(p.node.balances().at("a0") == 70);
  CHECK(p.node.locks().empty());
  CHECK(p.node.decided().at(kT1) == true);
  REQUIRE(fx.records.size() == 1);
  CHECK(fx.records[0].kind == ParticipantRecord::Kind::decided);
  CHECK(sent<DecisionAck>(fx.messages, kCoord).size() == 1);

  // A resent decision is acknowledged again and changes nothing.
  REQUIRE(p.node.on_decision(6, kCoord, Decision{kT1, true}).empty());
  fx = p.take();
  CHECK(fx.records.empty());
  CHECK(sent<DecisionAck>(fx.messages, kCoord).size() == 1);
  // A presumed abort about the forgotten commit (a stale inquiry's answer) is ignored.
  CHECK_FALSE(p.node.on_decision(7, kCoord, Decision{kT1, false}).empty());
  CHECK(p.node.decided().at(kT1) == true);
}

TEST_CASE("twopc participant: phase 2 — abort undoes nothing, logs and is not acknowledged") {
  TestParticipant p;
  const Grant g = lock_a0(p);
  REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  p.take();
  REQUIRE(p.node.on_decision(5, kCoord, Decision{kT1, false}).empty());
  ParticipantEffects fx = p.take();
  CHECK(p.node.balances().at("a0") == 100);
  CHECK(p.node.locks().empty());
  CHECK(p.node.decided().at(kT1) == false);
  CHECK(sent<DecisionAck>(fx.messages, kCoord).empty());
}

TEST_CASE("twopc participant: an unprepared transaction is given up alone after working_timeout") {
  TestParticipant p;
  lock_a0(p);
  p.node.tick(499 * kMillisecond);
  CHECK(p.node.txns().count(kT1) == 1);
  p.node.tick(500 * kMillisecond);
  ParticipantEffects fx = p.take();
  CHECK(p.node.txns().count(kT1) == 0);
  CHECK(p.node.locks().empty());
  CHECK(fx.records.empty());  // nothing was promised, nothing is logged
}

TEST_CASE("twopc participant: once it voted yes it never decides alone, and asks until told") {
  TestParticipant p;
  const Grant g = lock_a0(p);
  REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  p.take();
  int inquiries = 0;
  for (sim::Time t = 0; t <= 10 * sim::kSecond; t += 10 * kMillisecond) {
    p.node.tick(t);
    ParticipantEffects fx = p.take();
    inquiries += static_cast<int>(sent<Inquiry>(fx.messages, kCoord).size());
    CHECK(fx.records.empty());
  }
  CHECK(p.node.txns().at(kT1).state == TxnState::in_doubt);
  CHECK(p.node.locks().at("a0").exclusive == kT1);
  CHECK(inquiries >= 190);                                   // every retry (50 ms) for 10 s
  CHECK(sent<PeerInquiry>(p.take().messages, kP1).empty());  // not cooperative
}

TEST_CASE(
    "twopc participant: recovery — a prepared transaction is in doubt, keeps its locks, asks") {
  TestParticipant before;
  const Grant g = lock_a0(before);
  REQUIRE(before.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  before.take();
  TestParticipant after(p0_config(), before.disk(), 1000);
  CHECK(after.node.epoch() == before.node.epoch() + 1);
  CHECK(after.node.txns().at(kT1).state == TxnState::in_doubt);
  CHECK(after.node.locks().at("a0").exclusive == kT1);
  CHECK(after.node.stats().recovered_in_doubt == 1);
  after.node.tick(1000);
  auto asked = sent<Inquiry>(after.take().messages, kCoord);
  CHECK(asked.size() == 1);
  // A new lock is refused while in doubt; the decision finishes it.
  REQUIRE(after.node.on_lock(1001, kClient, lock_of(kT2, {{"a0", true}})).empty());
  CHECK_FALSE(sent<LockReply>(after.take().messages, kClient).at(0).granted);
  REQUIRE(after.node.on_decision(1002, kCoord, Decision{kT1, true}).empty());
  CHECK(after.node.balances().at("a0") == 70);
  // Restarted again: the decision is replayed, nothing is in doubt.
  after.take();
  TestParticipant again(p0_config(), after.disk(), 2000);
  CHECK(again.node.txns().empty());
  CHECK(again.node.balances().at("a0") == 70);
  CHECK(again.node.decided().at(kT1) == true);
}

TEST_CASE("twopc participant: grants of an earlier incarnation never match after a restart") {
  TestParticipant before;
  const Grant g = lock_a0(before);
  TestParticipant after(p0_config(), before.disk(), 100);  // the working state died
  const Grant fresh = lock_a0(after);
  CHECK(fresh != g);
  REQUIRE(after.node.on_prepare(200, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
  auto votes = sent<Vote>(after.take().messages, kCoord);
  REQUIRE(votes.size() == 1);
  CHECK_FALSE(votes[0].yes);
}

TEST_CASE("twopc participant: cooperative termination — what a peer answers") {
  ParticipantConfig config = p0_config();
  config.cooperative = true;
  TestParticipant p(config);
  // Unknown: it never voted yes, so abort.
  REQUIRE(p.node.on_peer_inquiry(0, kP1, PeerInquiry{kT1}).empty());
  auto answers = sent<PeerAnswer>(p.take().messages, kP1);
  REQUIRE(answers.size() == 1);
  CHECK_FALSE(answers[0].commit);
  // Working: it gives the transaction up and says abort; its grant is then dead.
  const Grant g = lock_a0(p, kT2);
  REQUIRE(p.node.on_peer_inquiry(0, kP1, PeerInquiry{kT2}).empty());
  CHECK_FALSE(sent<PeerAnswer>(p.take().messages, kP1).at(0).commit);
  CHECK(p.node.locks().empty());
  REQUIRE(p.node.on_prepare(1, kCoord, prepare_of(kT2, g, {{"a0", 1}})).empty());
  CHECK_FALSE(sent<Vote>(p.take().messages, kCoord).at(0).yes);
  // In doubt itself: no answer. And an in-doubt participant asks its peers too.
  const TxnId t3 = TxnId::make(0, 1, 3);
  const Grant g3 = lock_a0(p, t3);
  REQUIRE(p.node.on_prepare(2, kCoord, prepare_of(t3, g3, {{"a0", 5}})).empty());
  p.take();
  CHECK_FALSE(p.node.on_peer_inquiry(3, kP1, PeerInquiry{t3}).empty());
  p.node.tick(2 + 50 * kMillisecond);
  CHECK(sent<PeerInquiry>(p.take().messages, kP1).size() == 1);
  // A peer that knows the commit ends the doubt.
  REQUIRE(p.node.on_peer_answer(4, kP1, PeerAnswer{t3, true}).empty());
  CHECK(p.node.balances().at("a0") == 5);
  CHECK(sent<DecisionAck>(p.take().messages, kCoord).size() == 1);
}

TEST_CASE("twopc participant: planted bugs change the paths they name") {
  SUBCASE("unilateral-abort-after-yes: a prepared transaction aborts after working_timeout") {
    TestParticipant p(p0_config(Bugs{.unilateral_abort_after_yes = true}));
    const Grant g = lock_a0(p);
    REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
    p.take();
    for (sim::Time t = 0; t <= 500 * kMillisecond; t += 10 * kMillisecond) p.node.tick(t);
    CHECK(p.node.decided().at(kT1) == false);
    CHECK(p.node.stats().unilateral_aborts == 1);
  }
  SUBCASE("release-locks-at-prepare: the vote releases the locks") {
    TestParticipant p(p0_config(Bugs{.release_locks_at_prepare = true}));
    const Grant g = lock_a0(p);
    REQUIRE(p.node.on_prepare(0, kCoord, prepare_of(kT1, g, {{"a0", 70}})).empty());
    CHECK(p.node.locks().empty());
    CHECK(p.node.txns().at(kT1).state == TxnState::prepared);
  }
}

// ---------------------------------------------------------------- coordinator

namespace {

CoordinatorConfig coord_config(Bugs bugs = {}) {
  CoordinatorConfig c;
  c.id = kCoord;
  c.index = 0;
  c.vote_timeout_ns = 200 * kMillisecond;
  c.retry_ns = 50 * kMillisecond;
  c.begin_timeout_ns = sim::kSecond;
  c.bugs = bugs;
  return c;
}

struct TestCoordinator {
  explicit TestCoordinator(CoordinatorConfig config = coord_config(),
                           Stored<CoordinatorRecord> stored = {}, sim::Time now = 0)
      : node(std::move(config), stored, now), log(stored.records) {
    take();
  }
  CoordinatorEffects take() {
    CoordinatorEffects fx = std::move(node.effects());
    node.effects() = {};
    for (const CoordinatorRecord& r : fx.records) log.push_back(r);
    return fx;
  }
  Stored<CoordinatorRecord> disk() const { return {node.epoch(), log}; }
  // Begin and a commit request over p0 and p1; returns the id.
  TxnId start(sim::Time now = 0) {
    REQUIRE(node.on_begin(now, kClient, Begin{1}).empty());
    const TxnId txn = sent<Begun>(take().messages, kClient).at(0).txn;
    CommitRequest request{txn, false, {{kP0, 11, {{"a0", 70}}}, {kP1, 22, {{"a1", 130}}}}};
    REQUIRE(node.on_commit_request(now, kClient, request).empty());
    return txn;
  }
  Coordinator node;
  std::vector<CoordinatorRecord> log;
};

}  // namespace

TEST_CASE("twopc coordinator: ids are unique, and a retried begin gets the same id") {
  TestCoordinator c;
  REQUIRE(c.node.on_begin(0, kClient, Begin{1}).empty());
  const TxnId first = sent<Begun>(c.take().messages, kClient).at(0).txn;
  REQUIRE(c.node.on_begin(1, kClient, Begin{1}).empty());
  CHECK(sent<Begun>(c.take().messages, kClient).at(0).txn == first);
  REQUIRE(c.node.on_begin(2, kClient, Begin{2}).empty());
  const TxnId second = sent<Begun>(c.take().messages, kClient).at(0).txn;
  CHECK(second != first);
  CHECK(first.epoch() == 1);
}

TEST_CASE("twopc coordinator: phase 1 sends each participant its writes, all yes commits durably") {
  TestCoordinator c;
  const TxnId txn = c.start();
  CoordinatorEffects fx = c.take();
  auto to_p0 = sent<Prepare>(fx.messages, kP0);
  REQUIRE(to_p0.size() == 1);
  CHECK(to_p0[0].grant == 11);
  CHECK(to_p0[0].writes == std::vector<Write>{{"a0", 70}});
  CHECK(to_p0[0].participants == std::vector<NodeId>{kP0, kP1});

  REQUIRE(c.node.on_vote(1, kP0, Vote{txn, true}).empty());
  REQUIRE(c.node.on_vote(1, kP0, Vote{txn, true}).empty());  // a duplicate is one voter
  CHECK(c.take().records.empty());
  REQUIRE(c.node.on_vote(2, kP1, Vote{txn, true}).empty());
  fx = c.take();
  REQUIRE(fx.records.size() == 1);  // logged in the same round the decision is sent
  CHECK(fx.records[0].kind == CoordinatorRecord::Kind::commit);
  CHECK(sent<Decision>(fx.messages, kP0).at(0).commit);
  CHECK(sent<Decision>(fx.messages, kP1).at(0).commit);
  CHECK(sent<Outcome>(fx.messages, kClient).at(0).commit);

  // Resent until each acknowledged; then done, and forgotten.
  c.node.tick(60 * kMillisecond);
  fx = c.take();
  CHECK(sent<Decision>(fx.messages, kP0).size() == 1);
  REQUIRE(c.node.on_decision_ack(61, kP0, DecisionAck{txn}).empty());
  REQUIRE(c.node.on_decision_ack(61, kP1, DecisionAck{txn}).empty());
  CHECK(c.take().records.empty());
  REQUIRE(c.node.on_outcome_ack(62, kClient, OutcomeAck{txn}).empty());
  fx = c.take();
  REQUIRE(fx.records.size() == 1);
  CHECK(fx.records[0].kind == CoordinatorRecord::Kind::done);
  CHECK(c.node.txns().empty());
}

TEST_CASE("twopc coordinator: a no vote aborts at once — not logged (presumed abort)") {
  TestCoordinator c;
  const TxnId txn = c.start();
  c.take();
  REQUIRE(c.node.on_vote(1, kP0, Vote{txn, true}).empty());
  REQUIRE(c.node.on_vote(2, kP1, Vote{txn, false}).empty());
  CoordinatorEffects fx = c.take();
  CHECK(fx.records.empty());
  CHECK_FALSE(sent<Decision>(fx.messages, kP0).at(0).commit);
  CHECK_FALSE(sent<Outcome>(fx.messages, kClient).at(0).commit);
  CHECK(c.node.txns().empty());
  // Asked later, it presumes abort.
  REQUIRE(c.node.on_inquiry(3, kP0, Inquiry{txn}).empty());
  CHECK_FALSE(sent<Decision>(c.take().messages, kP0).at(0).commit);
}

TEST_CASE("twopc coordinator: the vote timeout aborts, with commit-without-all-votes it commits") {
  for (const bool bug : {false, true}) {
    TestCoordinator c(coord_config(Bugs{.commit_without_all_votes = bug}));
    const TxnId txn = c.start();
    c.take();
    REQUIRE(c.node.on_vote(1, kP0, Vote{txn, true}).empty());
    c.node.tick(100 * kMillisecond);
    CoordinatorEffects fx = c.take();
    CHECK(sent<Prepare>(fx.messages, kP1).size() == 1);  // resent to the silent one
    CHECK(sent<Prepare>(fx.messages, kP0).empty());
    c.node.tick(200 * kMillisecond);
    fx = c.take();
    CHECK(sent<Decision>(fx.messages, kP1).at(0).commit == bug);
    CHECK(c.node.stats().vote_timeouts == 1);
  }
}

TEST_CASE(
    "twopc coordinator: recovery finishes the commits its log holds, and starts a new epoch") {
  TestCoordinator before;
  const TxnId txn = before.start();
  before.take();
  REQUIRE(before.node.on_vote(1, kP0, Vote{txn, true}).empty());
  REQUIRE(before.node.on_vote(1, kP1, Vote{txn, true}).empty());
  before.take();
  const TxnId undecided = TxnId::make(0, 1, 2);
  REQUIRE(before.node.on_begin(2, kClient, Begin{2}).empty());
  before.take();

  TestCoordinator after(coord_config(), before.disk(), 1000);
  CHECK(after.node.epoch() == 2);
  CHECK(after.node.stats().recovered_commits == 1);
  after.node.tick(1000);
  CoordinatorEffects fx = after.take();
  CHECK(sent<Decision>(fx.messages, kP0).at(0).commit);
  CHECK(sent<Outcome>(fx.messages, kClient).at(0).commit);
  // What it held only in memory is presumed aborted; its ids are never handed out again.
  REQUIRE(after.node.on_inquiry(1001, kP0, Inquiry{undecided}).empty());
  CHECK_FALSE(sent<Decision>(after.take().messages, kP0).at(0).commit);
  REQUIRE(after.node.on_begin(1002, kClient, Begin{3}).empty());
  CHECK(sent<Begun>(after.take().messages, kClient).at(0).txn.epoch() == 2);
}

TEST_CASE("twopc coordinator: forget-decision sends a commit it never logged") {
  TestCoordinator c(coord_config(Bugs{.forget_decision = true}));
  const TxnId txn = c.start();
  c.take();
  REQUIRE(c.node.on_vote(1, kP0, Vote{txn, true}).empty());
  REQUIRE(c.node.on_vote(1, kP1, Vote{txn, true}).empty());
  CoordinatorEffects fx = c.take();
  CHECK(fx.records.empty());
  CHECK(sent<Decision>(fx.messages, kP0).at(0).commit);
  CHECK(c.node.commits_made() == 1);  // the durable fact it will not find after a crash
}

TEST_CASE("twopc storage: records round-trip through the codec, a corrupted one does not decode") {
  const ParticipantRecord prepared{.kind = ParticipantRecord::Kind::prepared,
                                   .txn = kT1,
                                   .coordinator = kCoord,
                                   .grant = make_grant(3, 7),
                                   .participants = {kP0, kP1},
                                   .locks = {{"a0", true}, {"a2", false}},
                                   .writes = {{"a0", -5}}};
  const ParticipantRecord decided{
      .kind = ParticipantRecord::Kind::decided, .txn = kT1, .commit = true};
  const CoordinatorRecord commit{.kind = CoordinatorRecord::Kind::commit,
                                 .txn = kT2,
                                 .client = kClient,
                                 .participants = {kP0, kP1}};
  CHECK(decode_participant_record(encode_record(prepared)) == prepared);
  CHECK(decode_participant_record(encode_record(decided)) == decided);
  CHECK(decode_coordinator_record(encode_record(commit)) == commit);
  std::string torn = encode_record(prepared);
  torn[3] = static_cast<char>(torn[3] ^ 0x10);
  CHECK_FALSE(decode_participant_record(torn).has_value());
  CHECK_FALSE(decode_participant_record(encode_record(prepared).substr(0, 9)).has_value());
}

TEST_CASE("twopc fingerprints: equal states hash equal, the protocol state changes them") {
  TestParticipant a;
  TestParticipant b;
  CHECK(a.node.fingerprint() == b.node.fingerprint());
  lock_a0(a);
  CHECK(a.node.fingerprint() != b.node.fingerprint());
  lock_a0(b, kT1, 123);  // a different time: the same protocol state
  CHECK(a.node.fingerprint() == b.node.fingerprint());
  TestCoordinator c;
  TestCoordinator d;
  CHECK(c.node.fingerprint() == d.node.fingerprint());
  c.start();
  CHECK(c.node.fingerprint() != d.node.fingerprint());
}
