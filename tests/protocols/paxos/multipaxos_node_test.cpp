// A Multi-Paxos server's handlers without the simulator: elections and phase 1 for all
// slots, the new leader's recovery of open slots, phase 2 per slot, applying in order,
// clients and sessions, replicas catching up, and the storage codec.
#include <doctest/doctest.h>

#include "paxos/multipaxos_node.hpp"

using namespace faultline;
using namespace faultline::paxos;

namespace {

class ZeroRandom final : public Random {
 public:
  std::uint64_t below(std::uint64_t) override { return 0; }
};

constexpr Time kMs = sim::kMillisecond;

MultiConfig config(NodeId id, Bugs bugs = {}) {
  MultiConfig c;
  c.id = id;
  c.index = id;
  c.servers = {0, 1, 2};
  c.bugs = bugs;
  return c;
}

template <class M>
sim::Envelope from(NodeId sender, M message) {
  return sim::Envelope{.from = sender, .id = 0, .payload = sim::Payload(std::move(message))};
}

// Server `id` of three on the bench; the node and its random source live on the heap.
struct Bench {
  std::unique_ptr<ZeroRandom> random = std::make_unique<ZeroRandom>();
  std::unique_ptr<MultiNode> owned;
  MultiNode& node;
  explicit Bench(MultiConfig c, MultiRestored restored = {})
      : owned(std::make_unique<MultiNode>(std::move(c), std::move(restored), *random)),
        node(*owned) {
    node.start(0);
  }
  MultiEffects& fx() { return node.effects(); }
  void clear() { fx() = MultiEffects{}; }
  template <class M>
  std::vector<std::pair<NodeId, const M*>> sent() const {
    std::vector<std::pair<NodeId, const M*>> out;
    for (const protocols::Outgoing& m : node.effects().messages) {
      if (const M* x = m.get<M>()) out.emplace_back(m.to, x);
    }
    return out;
  }
};

kv::Command put(NodeId client, std::uint64_t seq, std::string key, std::string value) {
  return kv::Command{kv::OpKind::put, client, seq, std::move(key), std::move(value), {}};
}

// Server 0 campaigns (its election timeout: 150 ms with the quiet random draw) and wins
// with server 1's promise, which reports `accepted`.
void elect(Bench& b, std::vector<AcceptedEntry> accepted = {}) {
  b.node.tick(150 * kMs);
  REQUIRE(b.node.role() == MultiRole::candidate);
  b.node.step(151 * kMs, from(1, MultiPromise{b.node.ballot(), 1, std::move(accepted)}));
  REQUIRE(b.node.role() == MultiRole::leader);
}

// Server 0 with `max_batch`, elected with `open` slots accepted (in ballot 0.1) by the
// promise it won with.
void elect_with_open_slots(Bench& b, Slot open) {
  std::vector<AcceptedEntry> accepted;
  for (Slot slot = 1; slot <= open; ++slot) {
    accepted.push_back(AcceptedEntry{slot, Ballot{0, 1}, command_value(put(9, slot, "k", "v"))});
  }
  elect(b, std::move(accepted));
}

MultiConfig batched(std::size_t max_batch) {
  MultiConfig c = config(0);
  c.max_batch = max_batch;
  return c;
}

}  // namespace

TEST_CASE("multipaxos: an election timeout starts phase 1 for every slot, with a durable round") {
  Bench b(config(0));
  CHECK(b.node.next_deadline() == 150 * kMs);
  b.node.tick(150 * kMs);
  CHECK(b.node.role() == MultiRole::candidate);
  CHECK(b.node.ballot() == Ballot{1, 0});
  CHECK(b.fx().promise_dirty);
  CHECK(b.node.promised() == Ballot{1, 0});  // its own acceptor answered at once
  const auto prepares = b.sent<MultiPrepare>();
  REQUIRE(prepares.size() == 2);  // to the two others; not to itself
  CHECK(prepares[0].second->from == 1);
}

TEST_CASE(
    "multipaxos: a new leader re-proposes the highest accepted value of each open slot, "
    "fills gaps with no-ops, and adds a no-op of its own") {
  Bench b(config(0));
  const Value low = command_value(put(9, 1, "k", "old"));
  const Value high = command_value(put(9, 2, "k", "new"));
  elect(b, {AcceptedEntry{1, Ballot{0, 2}, low}, AcceptedEntry{3, Ballot{0, 1}, high}});
  b.node.step(152 * kMs,
              from(2, MultiPromise{b.node.ballot(), 1, {AcceptedEntry{1, Ballot{0, 2}, low}}}));
  b.clear();
  b.node.flush(152 * kMs);
  const auto accepts = b.sent<MultiAccept>();
  REQUIRE(accepts.size() == 2);
  const std::vector<SlotValue>& e = accepts[0].second->entries;
  REQUIRE(e.size() == 4);
  CHECK(e[0].slot == 1);
  CHECK(e[0].value == low);
  CHECK(e[1].slot == 2);
  CHECK(e[1].value.noop);  // a gap
  CHECK(e[2].slot == 3);
  CHECK(e[2].value == high);
  CHECK(e[3].slot == 4);
  CHECK(e[3].value.noop);                // its own: recovery ends when it is chosen
  CHECK(b.node.accepted(3) != nullptr);  // its own acceptor accepted at once
  CHECK_FALSE(b.node.leading());
}

TEST_CASE("multipaxos: a new leader recovers many open slots one Accept each (max_batch 1)") {
  // Found by a stress campaign (max_batch=1, election_timeout=20ms): 560 open slots made
  // 1,120 messages to itself, past a fixed bound of 1,000 rounds; the bound is per slot.
  Bench b(batched(1));
  elect_with_open_slots(b, 600);
  b.clear();
  b.node.flush(152 * kMs);
  const auto accepts = b.sent<MultiAccept>();
  CHECK(accepts.size() == 2 * 601);  // each slot (and its own no-op) to the two others
  for (const auto& [to, m] : accepts) CHECK(m->entries.size() == 1);
  CHECK(b.node.accepted(600) != nullptr);  // its own acceptor answered every one
  CHECK(b.node.accepted(601) != nullptr);
}

TEST_CASE("multipaxos: a heartbeat resends every unchosen slot, in messages of max_batch") {
  // Found by a stress campaign (7 servers, max_batch=2): one message per acceptor and
  // heartbeat recovered 2 slots per 50 ms, and a leader with 500 slots open after a
  // partition was still recovering 1.5 s after the heal.
  Bench b(batched(2));
  elect_with_open_slots(b, 6);
  b.node.flush(152 * kMs);
  b.clear();  // the first Accepts (7 slots: 6 recovered and its no-op) were lost
  b.node.tick(b.node.next_deadline());
  const auto accepts = b.sent<MultiAccept>();
  REQUIRE(accepts.size() == 2 * 4);  // 7 slots in messages of 2, to each of the two others
  std::size_t slots = 0;
  for (const auto& [to, m] : accepts) {
    CHECK(m->entries.size() <= 2);
    slots += m->entries.size();
  }
  CHECK(slots == 2 * 7);
}

TEST_CASE("multipaxos: the highest ballot wins in recovery, any-accepted-value takes the first") {
  const Value a = command_value(put(9, 1, "k", "a"));
  const Value c = command_value(put(9, 2, "k", "c"));
  for (bool bug : {false, true}) {
    Bugs bugs;
    bugs.any_accepted_value = bug;
    Bench b(config(0, bugs), MultiRestored{Ballot{1, 2}, 1, {AcceptedEntry{1, Ballot{1, 2}, a}}});
    b.node.tick(150 * kMs);  // its own promise reports (1.2, a) first
    REQUIRE(b.node.ballot() == Ballot{2, 0});
    b.node.step(151 * kMs,
                from(1, MultiPromise{b.node.ballot(), 1, {AcceptedEntry{1, Ballot{1, 5}, c}}}));
    b.clear();
    b.node.flush(151 * kMs);
    const auto accepts = b.sent<MultiAccept>();
    REQUIRE_FALSE(accepts.empty());
    CHECK(accepts[0].second->entries[0].value == (bug ? a : c));
  }
}

TEST_CASE(
    "multipaxos bugs: ignore-accepted-value fills a reported slot with a no-op; "
    "leader-skips-recovery gives it to the next command") {
  const Value v = command_value(put(9, 1, "k", "v"));
  Bugs ignore;
  ignore.ignore_accepted_value = true;
  Bench b(config(0, ignore));
  elect(b, {AcceptedEntry{1, Ballot{0, 1}, v}});
  b.clear();
  b.node.flush(152 * kMs);
  CHECK(b.sent<MultiAccept>()[0].second->entries[0].value.noop);
  Bugs skip;
  skip.leader_skips_recovery = true;
  Bench s(config(0, skip));
  elect(s, {AcceptedEntry{1, Ballot{0, 1}, v}});
  s.clear();
  s.node.flush(152 * kMs);
  const auto entries = s.sent<MultiAccept>()[0].second->entries;
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].slot == 1);  // its own no-op, over the accepted value
  CHECK(entries[0].value.noop);
}

TEST_CASE("multipaxos: a command is proposed, chosen by a majority, applied, and answered") {
  Bench b(config(0));
  elect(b);
  b.node.flush(152 * kMs);
  b.node.step(153 * kMs, from(1, MultiAccepted{b.node.ballot(), {1}}));  // its no-op
  CHECK(b.node.leading());
  b.clear();
  b.node.step(154 * kMs, from(7, kv::ClientRequest{put(7, 1, "k", "v")}));
  CHECK(b.node.step(155 * kMs, from(7, kv::ClientRequest{put(7, 1, "k", "v")})) ==
        "already proposed");
  b.node.flush(155 * kMs);
  CHECK(b.node.commit() == 1);
  b.node.step(156 * kMs, from(2, MultiAccepted{b.node.ballot(), {2}}));
  CHECK(b.node.commit() == 2);
  CHECK(b.node.kv().get("k") == std::optional<std::string>("v"));
  const auto replies = b.sent<kv::ClientReply>();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].first == 7);
  CHECK(replies[0].second->status == kv::ReplyStatus::ok);
  b.clear();  // a retry after it applied: the session's remembered answer
  b.node.step(157 * kMs, from(7, kv::ClientRequest{put(7, 1, "k", "v")}));
  REQUIRE(b.sent<kv::ClientReply>().size() == 1);
  CHECK(b.sent<MultiAccept>().empty());
}

TEST_CASE("multipaxos bug quorum-off-by-one: of three servers, the leader's own accept decides") {
  Bugs bugs;
  bugs.quorum_off_by_one = true;
  Bench b(config(0, bugs));
  elect(b);
  b.node.flush(152 * kMs);
  CHECK(b.node.commit() == 1);  // no other server accepted its no-op
  Bench correct(config(0));
  elect(correct);
  correct.node.flush(152 * kMs);
  CHECK(correct.node.commit() == 0);
}

TEST_CASE(
    "multipaxos: followers redirect clients, refuse lower ballots, and a refused "
    "leader steps down") {
  Bench f(config(1));
  f.node.step(1 * kMs, from(0, MultiAccept{Ballot{2, 0}, 0, {}}));
  f.clear();
  f.node.step(2 * kMs, from(7, kv::ClientRequest{put(7, 1, "k", "v")}));
  const auto redirect = f.sent<kv::ClientReply>();
  REQUIRE(redirect.size() == 1);
  CHECK(redirect[0].second->status == kv::ReplyStatus::not_leader);
  CHECK(redirect[0].second->leader_hint == 0);
  f.clear();
  f.node.step(3 * kMs, from(2, MultiAccept{Ballot{1, 2}, 0, {SlotValue{1, noop_value()}}}));
  REQUIRE(f.sent<MultiNack>().size() == 1);
  CHECK(f.node.accepted(1) == nullptr);
  Bench b(config(0));
  elect(b);
  b.node.step(160 * kMs, from(2, MultiNack{b.node.ballot(), Ballot{3, 2}}));
  CHECK(b.node.role() == MultiRole::follower);
  b.node.tick(b.node.next_deadline());  // its next campaign is above the ballot it heard of
  CHECK(b.node.ballot() == Ballot{4, 0});
}

TEST_CASE("multipaxos: a replica applies chosen values in slot order and acks its prefix") {
  Bench r(config(1));
  const Ballot leader{1, 0};
  r.node.step(1 * kMs, from(0, Commit{leader, 3, 2, {command_value(put(7, 2, "k", "b"))}}));
  CHECK(r.node.commit() == 0);  // slot 1 is missing: nothing applies past the gap
  r.clear();
  r.node.step(2 * kMs, from(0, Commit{leader, 3, 1, {command_value(put(7, 1, "k", "a"))}}));
  CHECK(r.node.commit() == 2);
  CHECK(r.node.kv().get("k") == std::optional<std::string>("b"));
  const auto acks = r.sent<CommitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second->commit == 2);
}

TEST_CASE("multipaxos: the leader sends a lagging replica the chosen values it lacks") {
  Bench b(config(0));
  elect(b);
  b.node.flush(152 * kMs);
  b.node.step(153 * kMs, from(1, MultiAccepted{b.node.ballot(), {1}}));
  REQUIRE(b.node.commit() == 1);
  b.clear();
  b.node.step(154 * kMs, from(2, CommitAck{b.node.ballot(), 0}));
  const auto commits = b.sent<Commit>();
  REQUIRE(commits.size() == 1);
  CHECK(commits[0].first == 2);
  CHECK(commits[0].second->first == 1);
  CHECK(commits[0].second->values.size() == 1);
}

TEST_CASE("multipaxos storage: records read back, a later acceptance of a slot wins") {
  const AcceptedEntry e{4, Ballot{3, 1},
                        command_value(kv::Command{kv::OpKind::cas, 8, 2, "k", "n", "o"})};
  const auto back = read_accepted_entry(write_accepted_entry(e));
  REQUIRE(back.has_value());
  CHECK(back->slot == 4);
  CHECK(back->ballot == e.ballot);
  CHECK(back->value == e.value);
  const auto promise = read_multi_promise(write_multi_promise(Ballot{5, 2}, 7));
  REQUIRE(promise.has_value());
  CHECK(promise->first == Ballot{5, 2});
  CHECK(promise->second == 7);
  std::string damaged = write_multi_promise(Ballot{5, 2}, 7);
  damaged[0] ^= 1;
  CHECK_FALSE(read_multi_promise(damaged).has_value());
  Bench b(config(0), MultiRestored{Ballot{3, 1},
                                   2,
                                   {AcceptedEntry{1, Ballot{1, 1}, noop_value()}, e,
                                    AcceptedEntry{1, Ballot{2, 2}, e.value}}});
  REQUIRE(b.node.accepted(1) != nullptr);
  CHECK(b.node.accepted(1)->ballot == Ballot{2, 2});
  CHECK(b.node.accepted_count() == 2);
  CHECK(b.node.round() == 2);
}

TEST_CASE("multipaxos fingerprints: equal states hash equal, an acceptance changes it") {
  Bench a(config(1));
  Bench c(config(1));
  CHECK(a.node.fingerprint() == c.node.fingerprint());
  a.node.step(1 * kMs, from(0, MultiAccept{Ballot{1, 0}, 0, {SlotValue{1, noop_value()}}}));
  CHECK(a.node.fingerprint() != c.node.fingerprint());
}

TEST_CASE(
    "multipaxos: the invariants' value keys are equal exactly when the values are, and read back "
    "as text") {
  const std::vector<Value> values = {
      noop_value(),
      command_value(kv::Command{kv::OpKind::put, 3, 7, "k1", "0.3", {}}),
      command_value(kv::Command{kv::OpKind::put, 3, 7, "k1", "0.4", {}}),
      command_value(kv::Command{kv::OpKind::put, 3, 8, "k1", "0.3", {}}),
      command_value(kv::Command{kv::OpKind::append, 3, 7, "k1", "0.3", {}}),
      command_value(kv::Command{kv::OpKind::cas, 4, 1, "k", "n", std::nullopt}),
      command_value(kv::Command{kv::OpKind::cas, 4, 1, "k", "n", ""}),
      command_value(kv::Command{kv::OpKind::get, 4, 1, "k", "", {}}),
  };
  for (std::size_t i = 0; i < values.size(); ++i) {
    CAPTURE(i);
    CHECK(value_key_text(value_key(values[i])) == value_text(values[i]));
    for (std::size_t j = 0; j < values.size(); ++j) {
      CHECK((value_key(values[i]) == value_key(values[j])) == (i == j));
    }
  }
}
