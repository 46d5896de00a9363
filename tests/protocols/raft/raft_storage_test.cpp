// Raft's storage: encodings that detect torn records, and what a server finds on its
// disk after a crash.
#include <doctest/doctest.h>

#include "raft/raft_storage.hpp"
#include "sim/simulation.hpp"
#include "raft_test_util.hpp"

using namespace faultline;
using namespace faultline::raft;

namespace {
Command op(OpKind kind, std::string key, std::uint64_t seq, std::string value = "",
           std::optional<std::string> expected = std::nullopt, NodeId client = 7) {
  return Command{.op = kind,
                 .client = client,
                 .seq = seq,
                 .key = std::move(key),
                 .value = std::move(value),
                 .expected = std::move(expected)};
}
}  // namespace

TEST_CASE("raft storage: every record decodes to what was encoded, and a torn one not at all") {
  Entry cmd = make_command(3, op(OpKind::cas, "key", 9, "new", "old"));
  Entry noop = make_noop(4);
  Entry config = make_config(5, {0, 2, 3});
  for (const Entry& e : {cmd, noop, config}) {
    const std::string record = encode_entry(e);
    auto back = decode_entry(record);
    REQUIRE(back.has_value());
    CHECK(*back == e);  // the digest too: recomputed from the content
    for (std::size_t cut = 0; cut < record.size(); ++cut) {
      CHECK_FALSE(decode_entry(std::string_view(record).substr(0, cut)).has_value());
    }
    std::string flipped = record;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x10);
    CHECK_FALSE(decode_entry(flipped).has_value());
  }
  Snapshot s;
  s.last_index = 40;
  s.last_term = 6;
  s.config = {1, 2, 3};
  s.state.data = {{"a", "1"}, {"b", ""}};
  s.state.sessions[7] = Session{.seq = 12, .outcome = {false, "x"}};
  s.state.sessions[8] = Session{.seq = 3, .outcome = {true, std::nullopt}};
  CHECK(decode_snapshot(encode_snapshot(s)) == s);
  const HardState h{.term = 9, .voted_for = kNoNode};
  auto hb = decode_hard_state(encode_hard_state(h));
  REQUIRE(hb.has_value());
  CHECK(hb->term == 9);
  CHECK(hb->voted_for == kNoNode);
  auto mb = decode_meta(
      encode_meta(Meta{.generation = 3, .snapshot_index = 40, .snapshot_term = 6}));
  REQUIRE(mb.has_value());
  CHECK(mb->generation == 3);
}

namespace {

// One server's storage across crashes: the first incarnation writes and syncs some
// state, then writes more without syncing; the test crashes it with a torn last write.
struct StorageRun {
  Restored seen;  // what the second incarnation loaded
  sim::DiskImage durable_before_restart;
};

StorageRun crash_and_reload(bool compact, bool tear_hard_state) {
  StorageRun out;
  sim::SimConfig config;
  config.disk.torn_write = sim::Ratio{1, 1};
  sim::SeededChoices choices(5);
  sim::Simulation s(config, choices);
  const sim::NodeId id = s.add_node(
      {.name = "s0"}, sim::lambda_actor([&out, compact, tear_hard_state](sim::Context& ctx) {
        RaftStorage storage(ctx.disk());
        Restored loaded = storage.load();
        if (ctx.incarnation() > 0) {
          out.seen = std::move(loaded);
          return;
        }
        RaftLog log(0, 0, testing::log_of_terms({1, 1, 2}));
        log.truncate_from(1);  // everything is unstable: write it all
        for (const Entry& e : testing::log_of_terms({1, 1, 2})) log.append(e);
        storage.write_hard_state(2, 1);
        storage.write_log(log);
        if (compact) {
          Snapshot snap;
          snap.last_index = 2;
          snap.last_term = 1;
          snap.state.data["k"] = "v2";
          log.compact_to(2, 1);
          storage.write_generation(snap, log);
        }
        ctx.disk().sync();
        storage.collect_garbage();
        // Unsynced writes: the crash tears the last one, the ones before it survive whole.
        log.append(testing::put_entry(3, "k", 9));
        storage.write_log(log);
        if (tear_hard_state) storage.write_hard_state(3, kNoNode);
        ctx.sleep(sim::kSecond);
      }));
  s.at(sim::kMillisecond, "crash", [id, &out](sim::Simulation& sim) {
    sim.crash(id);
    out.durable_before_restart = sim.disk(id).durable();
  });
  s.at(2 * sim::kMillisecond, "restart", [id](sim::Simulation& sim) { sim.restart(id); });
  s.run();
  return out;
}

}  // namespace

TEST_CASE("raft storage: a torn term write leaves the previous, synced term and vote") {
  const StorageRun run = crash_and_reload(false, true);
  CHECK(run.seen.term == 2);  // the other hard-state key: the synced value
  CHECK(run.seen.voted_for == 1);
  CHECK(run.seen.entries.size() == 4);  // the log append before the torn write survived
}

TEST_CASE("raft storage: a torn log record is dropped, the synced log is all there") {
  const StorageRun run = crash_and_reload(false, false);
  CHECK(run.seen.term == 2);
  CHECK(run.seen.voted_for == 1);
  REQUIRE(run.seen.entries.size() == 3);  // the torn fourth record is dropped
  CHECK(run.seen.entries[2].term == 2);
  CHECK_FALSE(run.seen.snapshot.has_value());
  const HeldEntry held = held_at(run.durable_before_restart, 3);
  CHECK(held.kind == HeldEntry::Kind::in_log);
  CHECK(held.term == 2);
  CHECK(held_at(run.durable_before_restart, 4).kind == HeldEntry::Kind::absent);
}

TEST_CASE("raft storage: a compacted generation restores the snapshot and the entries after it") {
  const StorageRun run = crash_and_reload(true, false);
  REQUIRE(run.seen.snapshot.has_value());
  CHECK(run.seen.snapshot->last_index == 2);
  CHECK(run.seen.snapshot->state.data.at("k") == "v2");
  REQUIRE(run.seen.entries.size() == 1);  // entry 3; entry 4 was torn
  CHECK(run.seen.entries[0].term == 2);
  CHECK(held_at(run.durable_before_restart, 1).kind == HeldEntry::Kind::in_snapshot);
  CHECK(held_at(run.durable_before_restart, 3).kind == HeldEntry::Kind::in_log);
}
