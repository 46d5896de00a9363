// The block store's pure nodes on a test bench, without the simulator: the metadata
// server's and the data nodes' handlers, pipeline and block recovery included, the
// namespace log and the storage formats. Each test feeds messages and reads back exactly
// what the node would send and store.
#include <doctest/doctest.h>

#include "blockstore/bs_datanode.hpp"
#include "blockstore/bs_namenode.hpp"
#include "blockstore/bs_namespace.hpp"
#include "blockstore/bs_storage.hpp"
#include "protocols/codec.hpp"
#include "sim/simulation.hpp"

using namespace faultline;
using namespace faultline::blockstore;

namespace {

class FixedRandom final : public BsRandom {
 public:
  std::uint64_t below(std::uint64_t /*n*/) override { return 0; }
};

template <class T>
sim::Envelope envelope(NodeId from, T message) {
  return sim::Envelope{from, 0, sim::Payload(std::move(message))};
}

// Every message of type T in `messages` with its destination; the others stay.
template <class T>
std::vector<std::pair<NodeId, T>> take(std::vector<protocols::Outgoing>& messages) {
  std::vector<std::pair<NodeId, T>> out;
  std::vector<protocols::Outgoing> rest;
  for (protocols::Outgoing& m : messages) {
    if (const T* t = m.get<T>()) out.emplace_back(m.to, *t);
    else rest.push_back(std::move(m));
  }
  messages.swap(rest);
  return out;
}

constexpr NodeId kNn = 0;
constexpr NodeId kClient = 9;
const Holder kWriter{kClient, 0, 1};

// A metadata server with data nodes 1..n that heartbeat and reported nothing yet.
struct NnBench {
  explicit NnBench(int nodes = 3, NnBugs bugs = {}) : datanodes(static_cast<NodeId>(nodes)) {
    NameNodeConfig c;
    c.self = kNn;
    for (NodeId i = 1; i <= datanodes; ++i) c.datanodes.push_back(i);
    c.bugs = bugs;
    nn.emplace(c, Namespace{}, random, nullptr);
    nn->start(now);
    for (NodeId d : c.datanodes) {
      nn->step(now, envelope(d, Heartbeat{0}));
      nn->step(now, envelope(d, BlockReport{0, 1, true, {}, {}}));
    }
    advance(c.monitor_interval_ns);  // out of safe mode: every (no) block is reported
    nn->effects().messages.clear();
  }
  void advance(Duration d) {
    now += d;
    nn->tick(now);
  }
  template <class T>
  void step(NodeId from, T m) {
    CHECK(nn->step(now, envelope(from, std::move(m))) == "");
  }
  template <class T>
  std::vector<std::pair<NodeId, T>> sent() {
    return take<T>(nn->effects().messages);
  }
  // Opens f0 and allocates its first block; returns the target.
  BlockTarget first_block() {
    step(kClient, OpenFile{1, "f0", kWriter});
    REQUIRE(sent<OpenReply>().at(0).second.status == NnStatus::ok);
    step(kClient, AddBlock{2, "f0", kWriter, kNoBlock, 0, {}});
    auto r = sent<AddBlockReply>();
    REQUIRE(r.size() == 1);
    REQUIRE(r[0].second.status == NnStatus::ok);
    return r[0].second.target;
  }
  // A data node that holds no copy of `t` (the last such one).
  NodeId spare(const BlockTarget& t) const {
    NodeId found = kNoNode;
    for (NodeId d = 1; d <= datanodes; ++d) {
      if (std::find(t.nodes.begin(), t.nodes.end(), d) == t.nodes.end()) found = d;
    }
    REQUIRE(found != kNoNode);
    return found;
  }
  // The pipeline finalized `t` at `length` and the writer completed the file.
  void complete(const BlockTarget& t, std::uint64_t length) {
    for (NodeId n : t.nodes) {
      step(n, BlockReport{0, ++seq, false, {ReplicaInfo{t.block, t.gs, length, ReplicaState::finalized}}, {}});
    }
    step(kClient, CompleteFile{3, "f0", kWriter, t.block, length});
    REQUIRE(sent<NnReply>().at(0).second.status == NnStatus::ok);
  }

  NodeId datanodes;  // ids 1 to datanodes
  FixedRandom random;
  Time now = 0;
  std::uint64_t seq = 1;
  std::optional<NameNode> nn;
};

}  // namespace

// ---------------------------------------------------------------- the namespace log

TEST_CASE("blockstore namespace: edits round-trip through the codec and replay to the same namespace") {
  const std::vector<Edit> edits = {
      {.op = EditOp::open, .file = "f0", .holder = {7, 1, 2}},
      {.op = EditOp::add_block, .file = "f0", .block = 1, .gs = 1, .nodes = {1, 2, 3}},
      {.op = EditOp::reserve_gs, .gs = 2},
      {.op = EditOp::update_block, .block = 1, .gs = 2, .nodes = {1, 3}},
      {.op = EditOp::complete_block, .block = 1, .gs = 2, .length = 14},
      {.op = EditOp::close, .file = "f0"}};
  Namespace live;
  Namespace replayed;
  for (const Edit& e : edits) {
    REQUIRE_FALSE(live.apply(e));
    const std::optional<Edit> back = decode_edit(encode_edit(e));
    REQUIRE(back.has_value());
    CHECK(*back == e);
    REQUIRE_FALSE(replayed.apply(*back));
  }
  CHECK(live == replayed);
  CHECK(live.check().empty());
  CHECK(live.next_gs == 3);
  CHECK(live.next_block == 2);
  CHECK(live.blocks.at(1).complete);
  CHECK(live.fingerprint() == replayed.fingerprint());
  std::string torn = encode_edit(edits[1]);
  torn.pop_back();
  CHECK_FALSE(decode_edit(torn).has_value());
}

TEST_CASE("blockstore namespace: an edit that does not fit is refused, naming why") {
  Namespace ns;
  CHECK(ns.apply({.op = EditOp::add_block, .file = "f0", .block = 1, .gs = 1}).has_value());
  REQUIRE_FALSE(ns.apply({.op = EditOp::open, .file = "f0", .holder = {7, 0, 1}}));
  REQUIRE_FALSE(ns.apply({.op = EditOp::add_block, .file = "f0", .block = 1, .gs = 1}));
  // Closing needs the last block complete; updating to an older stamp is refused.
  CHECK(ns.apply({.op = EditOp::close, .file = "f0"}).has_value());
  REQUIRE_FALSE(ns.apply({.op = EditOp::update_block, .block = 1, .gs = 5, .nodes = {1}}));
  CHECK(ns.apply({.op = EditOp::update_block, .block = 1, .gs = 4, .nodes = {1}}).has_value());
  CHECK(ns.edits == 3);
}

// ---------------------------------------------------------------- storage formats

TEST_CASE("blockstore storage: a replica on a disk image reads back with its meta and its valid chunks") {
  sim::DiskImage image;
  const std::string slot = protocols::RecordWriter().u64(1).str(encode_meta({5, ReplicaState::rbw, 0})).seal();
  image.kv[meta_slot(3) + ".1"] = slot;
  image.logs[chunk_log(3)] = {encode_chunk(0, "a.1;"), encode_chunk(4, "b.2;")};
  std::optional<StoredReplica> r = peek_replica(image, 3);
  REQUIRE(r.has_value());
  CHECK(r->meta.gs == 5);
  CHECK(r->length == 8);
  CHECK(r->bytes() == "a.1;b.2;");
  // A torn last record is not part of the replica; a flipped bit fails its checksum.
  image.logs[chunk_log(3)].back().resize(3);
  CHECK(peek_replica(image, 3)->bytes() == "a.1;");
  std::string flipped = encode_chunk(0, "a.1;");
  flipped[2] = static_cast<char>(flipped[2] ^ 1);
  CHECK_FALSE(decode_chunk(flipped).has_value());
  CHECK(decode_chunk_unchecked(flipped).data != "a.1;");  // what the planted bug serves
  CHECK_FALSE(peek_replica(image, 4).has_value());
}

TEST_CASE("blockstore storage: writes the disk dropped during their sync are caught by the read-back") {
  sim::SimConfig config;
  config.disk.sync_latency_min_ns = config.disk.sync_latency_max_ns = 10 * sim::kMillisecond;
  sim::SeededChoices choices(1);
  sim::Simulation sim(config, choices);
  std::string first;
  std::string second;
  const NodeId node = sim.add_node({.name = "dn0"}, sim::lambda_actor([&](sim::Context& ctx) {
    CheckedWrites w;
    w.append(ctx.disk(), "c1", encode_chunk(0, "a.1;"), 0);
    REQUIRE(ctx.disk().sync());
    first = w.verify(ctx.disk());
    w.append(ctx.disk(), "c1", encode_chunk(4, "a.2;"), 1);
    REQUIRE(ctx.disk().sync());  // the disk says yes ...
    second = w.verify(ctx.disk());  // ... and the read-back says otherwise
  }));
  sim.at(15 * sim::kMillisecond, "lose unsynced", [node](sim::Simulation& s) { s.lose_unsynced(node); });
  sim.run();
  CHECK(first.empty());
  CHECK(second.find("c1") != std::string::npos);
}

TEST_CASE("blockstore storage: the replica index and meta round-trip") {
  const std::vector<BlockId> blocks = {1, 7, 300};
  CHECK(decode_index(encode_index(blocks)) == std::optional<std::vector<BlockId>>(blocks));
  const ReplicaMeta m{9, ReplicaState::finalized, 31};
  CHECK(decode_meta(encode_meta(m)) == std::optional<ReplicaMeta>(m));
}

// ---------------------------------------------------------------- the metadata server

TEST_CASE("blockstore metadata server: a new block gets a pipeline of `replication` live nodes, logged") {
  NnBench b;
  const BlockTarget t = b.first_block();
  CHECK(t.block == 1);
  CHECK(t.gs == 1);
  CHECK(t.nodes.size() == 3);
  CHECK(b.nn->effects().edits.size() == 2);  // open, add_block
  CHECK(b.nn->ns().blocks.at(1).expected == t.nodes);
  // Another writer is refused while the lease is held.
  b.step(8, OpenFile{1, "f0", Holder{8, 0, 1}});
  CHECK(b.sent<OpenReply>().at(0).second.status == NnStatus::busy);
}

TEST_CASE("blockstore metadata server: a block being written is read from its pipeline's head only") {
  NnBench b;
  const BlockTarget t = b.first_block();
  const LocatedBlock lb = b.nn->locate(t.block);
  REQUIRE(lb.locations.size() == 1);
  CHECK(lb.locations[0].node == t.nodes.front());
  CHECK(lb.locations[0].length == 0);  // read what the head has had acknowledged
}

TEST_CASE("blockstore metadata server: pipeline recovery bumps the stamp, the dropped node is stale") {
  NnBench b;
  const BlockTarget t = b.first_block();
  b.step(kClient, NewGenStamp{5, "f0", kWriter, t.block});
  const GenStamp gs = b.sent<GenStampReply>().at(0).second.gs;
  CHECK(gs > t.gs);
  const std::vector<NodeId> survivors(t.nodes.begin(), t.nodes.end() - 1);
  b.step(kClient, UpdatePipeline{6, "f0", kWriter, t.block, gs, 14, survivors});
  CHECK(b.sent<NnReply>().at(0).second.status == NnStatus::ok);
  CHECK(b.nn->ns().blocks.at(t.block).gs == gs);
  b.complete(BlockTarget{t.block, gs, 14, survivors}, 14);
  // The dropped node comes back with the old stamp: never listed.
  b.step(t.nodes.back(), BlockReport{0, 9, false, {ReplicaInfo{t.block, t.gs, 7, ReplicaState::rbw}}, {}});
  for (const Location& l : b.nn->locate(t.block).locations) CHECK(l.gs == gs);
  CHECK(b.nn->locate(t.block).locations.size() == 2);
}

TEST_CASE("blockstore metadata server bug serve-stale-replica: a replica with an old stamp is listed") {
  NnBench b(3, NnBugs{.serve_stale_replica = true});
  const BlockTarget t = b.first_block();
  b.complete(t, 14);
  b.step(kClient, OpenFile{7, "f0", Holder{kClient, 0, 2}});  // append: reopen the block
  auto open = b.sent<OpenReply>();
  REQUIRE(open.at(0).second.reopened);
  b.step(kClient, NewGenStamp{8, "f0", Holder{kClient, 0, 2}, t.block});
  const GenStamp gs = b.sent<GenStampReply>().at(0).second.gs;
  const std::vector<NodeId> two(t.nodes.begin(), t.nodes.begin() + 2);
  b.step(kClient, UpdatePipeline{9, "f0", Holder{kClient, 0, 2}, t.block, gs, 14, two});
  b.step(kClient, CompleteFile{10, "f0", Holder{kClient, 0, 2}, t.block, 21});
  b.step(t.nodes.back(), BlockReport{0, 9, false, {ReplicaInfo{t.block, t.gs, 14, ReplicaState::finalized}}, {}});
  bool stale_listed = false;
  for (const Location& l : b.nn->locate(t.block).locations) stale_listed = stale_listed || l.gs == t.gs;
  CHECK(stale_listed);
}

TEST_CASE("blockstore metadata server: block reports that arrive out of order each count for their blocks") {
  // Found by a stress campaign (6 data nodes, two lost, 16-byte blocks): incremental
  // reports a few milliseconds apart overtook each other, and the server dropped the older
  // one whole, with the re-replicated copy it announced; the block stayed short.
  NnBench b(4);
  const BlockTarget t = b.first_block();
  b.complete(t, 14);
  const NodeId spare = b.spare(t);
  auto holds = [&] {
    const auto& list = b.nn->replicas().at(t.block);
    return std::any_of(list.begin(), list.end(), [&](const NameNode::Replica& r) { return r.node == spare; });
  };
  b.step(spare, BlockReport{0, 61, false, {}, {}});
  b.step(spare, BlockReport{0, 60, false, {ReplicaInfo{t.block, t.gs, 14, ReplicaState::finalized}}, {}});
  CHECK(holds());
  // But an older report does not undo what a newer one said of the same block.
  b.step(spare, BlockReport{0, 71, false, {}, {t.block}});
  CHECK_FALSE(holds());
  b.step(spare, BlockReport{0, 70, false, {ReplicaInfo{t.block, t.gs, 14, ReplicaState::finalized}}, {}});
  CHECK_FALSE(holds());
}

TEST_CASE("blockstore metadata server: a late full report does not cancel a deletion a newer report saw pending") {
  NnBench b(4);
  const BlockTarget t = b.first_block();
  b.complete(t, 14);
  const NodeId spare = b.spare(t);
  // A fourth copy: the surplus one is ordered deleted at the next monitor round.
  b.step(spare, BlockReport{0, 60, false, {ReplicaInfo{t.block, t.gs, 14, ReplicaState::finalized}}, {}});
  b.sent<InvalidateBlock>();
  b.advance(100 * sim::kMillisecond);
  const auto ordered = b.sent<InvalidateBlock>();
  REQUIRE(ordered.size() == 1);
  const NodeId victim = ordered[0].first;
  const ReplicaInfo still{t.block, t.gs, 14, ReplicaState::finalized};
  // Its report 200 still lists the copy (the order was lost): ordered again.
  b.step(victim, BlockReport{0, 200, false, {still}, {}});
  CHECK(b.sent<InvalidateBlock>().size() == 1);
  // A full report sent before it, without the block, arrives late: the deletion stays
  // pending, so report 201, still listing the copy, orders it again rather than count it.
  b.step(victim, BlockReport{0, 199, true, {}, {}});
  b.step(victim, BlockReport{0, 201, false, {still}, {}});
  CHECK(b.sent<InvalidateBlock>().size() == 1);
}

TEST_CASE("blockstore metadata server: a dead node's replicas are re-replicated, with count-dead-replicas not") {
  for (const bool bug : {false, true}) {
    CAPTURE(bug);
    NnBench b(4, NnBugs{.count_dead_replicas = bug});
    const BlockTarget t = b.first_block();
    b.complete(t, 14);
    // One pipeline node stops heartbeating; the others go on.
    const NodeId dead = t.nodes.front();
    for (int round = 0; round < 12; ++round) {
      for (NodeId d = 1; d <= 4; ++d) {
        if (d != dead) b.step(d, Heartbeat{0});
      }
      b.advance(100 * sim::kMillisecond);
    }
    CHECK_FALSE(b.nn->alive(dead));
    const auto copies = b.sent<ReplicateBlock>();
    if (bug) {
      CHECK(copies.empty());
    } else {
      REQUIRE(copies.size() >= 1);
      CHECK(copies[0].second.block == t.block);
      CHECK(copies[0].second.target != dead);
      CHECK(std::find(t.nodes.begin(), t.nodes.end(), copies[0].second.target) == t.nodes.end());
    }
  }
}

TEST_CASE("blockstore metadata server: an expired lease is recovered through a primary, with lease-not-recovered never") {
  for (const bool bug : {false, true}) {
    CAPTURE(bug);
    NnBench b(3, NnBugs{.lease_not_recovered = bug});
    const BlockTarget t = b.first_block();
    for (int round = 0; round < 15; ++round) {
      for (NodeId d = 1; d <= 3; ++d) b.step(d, Heartbeat{0});
      b.advance(100 * sim::kMillisecond);
    }
    const auto recover = b.sent<RecoverBlock>();
    if (bug) {
      CHECK(recover.empty());
      CHECK(b.nn->ns().files.at("f0").open);
      continue;
    }
    REQUIRE(recover.size() == 1);
    const RecoverBlock& r = recover[0].second;
    CHECK(r.nn_gs == t.gs);
    CHECK(r.recovery_gs > t.gs);
    b.step(recover[0].first, CommitBlockSync{t.block, r.recovery_gs, 7, {t.nodes[0], t.nodes[1]}});
    CHECK_FALSE(b.nn->ns().files.at("f0").open);
    CHECK(b.nn->ns().blocks.at(t.block).complete);
    CHECK(b.nn->ns().blocks.at(t.block).gs == r.recovery_gs);
    // The old writer is too late now.
    b.step(kClient, NewGenStamp{11, "f0", kWriter, t.block});
    CHECK(b.sent<GenStampReply>().at(0).second.status == NnStatus::no_lease);
  }
}

TEST_CASE("blockstore metadata server: after a restart it stays in safe mode until the blocks are reported") {
  NnBench b;
  const BlockTarget t = b.first_block();
  b.complete(t, 14);
  NameNodeConfig c;
  c.self = kNn;
  c.datanodes = {1, 2, 3};
  FixedRandom random;
  NameNode restarted(c, b.nn->ns(), random);
  restarted.start(0);
  CHECK(restarted.safe_mode());
  restarted.step(0, envelope(1, Heartbeat{0}));
  CHECK(take<ReportRequest>(restarted.effects().messages).size() == 1);  // report at once
  restarted.step(0, envelope(kClient, OpenFile{1, "f1", kWriter}));
  CHECK(take<OpenReply>(restarted.effects().messages).at(0).second.status == NnStatus::safe_mode);
  restarted.step(0, envelope(1, BlockReport{0, 1, true, {ReplicaInfo{t.block, t.gs, 14, ReplicaState::finalized}}, {}}));
  restarted.tick(100 * sim::kMillisecond);
  CHECK_FALSE(restarted.safe_mode());
}

// ---------------------------------------------------------------- data nodes

namespace {

struct DnBench {
  explicit DnBench(NodeId self, DnBugs bugs = {}) {
    DataNodeConfig c;
    c.self = self;
    c.namenode = kNn;
    c.bugs = bugs;
    dn.emplace(c, DnRestored{}, nullptr);
    dn->start(0);
    clear();
  }
  void clear() {
    dn->effects().messages.clear();
    dn->effects().disk.clear();
    dn->effects().reads.clear();
  }
  template <class T>
  void step(NodeId from, T m, Time now = 0) {
    CHECK(dn->step(now, envelope(from, std::move(m))) == "");
  }
  template <class T>
  std::vector<std::pair<NodeId, T>> sent() {
    return take<T>(dn->effects().messages);
  }
  std::optional<DataNode> dn;
};

WritePacket packet(BlockId block, GenStamp gs, std::uint64_t seq, std::uint64_t offset,
                   std::string data, std::vector<NodeId> downstream) {
  return WritePacket{kClient, block, gs, seq, offset, std::move(data), std::move(downstream), false};
}

}  // namespace

TEST_CASE("blockstore data node: the head stores a packet, forwards it, and acks only after downstream does") {
  DnBench b(1);
  b.step(kClient, packet(4, 2, 1, 0, "x.1;", {2, 3}));
  const auto& disk = b.dn->effects().disk;
  REQUIRE(disk.size() == 3);  // create (with the stamp), the chunk, the watermark
  CHECK(std::any_of(disk.begin(), disk.end(), [](const DiskOp& op) {
    return op.kind == DiskOp::Kind::append_chunk && op.data == "x.1;";
  }));
  auto forwarded = b.sent<WritePacket>();
  REQUIRE(forwarded.size() == 1);
  CHECK(forwarded[0].first == 2);
  CHECK(forwarded[0].second.downstream == std::vector<NodeId>{3});
  CHECK(b.sent<PacketAck>().empty());
  // Not readable beyond what was acknowledged.
  b.step(kClient, ReadBlock{7, 4, 2, 0, 0});
  CHECK(b.sent<ReadReply>().at(0).second.data.empty());
  b.step(2, PacketAck{4, 1, true, kNoNode, 4});
  auto acks = b.sent<PacketAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].first == kClient);
  CHECK(acks[0].second.ok);
  CHECK(acks[0].second.acked_length == 4);
  CHECK(b.dn->replica(4)->acked == 4);
}

TEST_CASE("blockstore data node: a downstream node that does not answer is named in the error ack") {
  DnBench b(1);
  b.step(kClient, packet(4, 2, 1, 0, "x.1;", {2, 3}));
  b.clear();
  b.dn->tick(150 * sim::kMillisecond);  // one node below waits 100 ms, two 200 ms
  CHECK(b.sent<PacketAck>().empty());
  b.dn->tick(250 * sim::kMillisecond);
  auto acks = b.sent<PacketAck>();
  REQUIRE(acks.size() == 1);
  CHECK_FALSE(acks[0].second.ok);
  CHECK(acks[0].second.failed == 2);
}

TEST_CASE("blockstore data node bug ack-first-replica: the head acks the client before its downstream") {
  DnBench b(1, DnBugs{.ack_first_replica = true});
  b.step(kClient, packet(4, 2, 1, 0, "x.1;", {2, 3}));
  auto acks = b.sent<PacketAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.ok);
}

TEST_CASE("blockstore data node: pipeline recovery adopts the new stamp, the old writer is refused") {
  DnBench b(2);
  b.step(1, packet(4, 2, 1, 0, "x.1;", {}));
  b.step(1, packet(4, 2, 2, 4, "x.2;", {}));
  b.clear();
  b.step(kClient, PrepareReplica{3, 4, 5, 4});
  auto reply = b.sent<PrepareReply>();
  REQUIRE(reply.size() == 1);
  CHECK(reply[0].second.ok);
  CHECK(reply[0].second.length == 8);
  CHECK(b.dn->replica(4)->gs == 5);
  CHECK_FALSE(b.dn->replica(4)->readable);  // until an acknowledgement passes through
  b.clear();
  // A packet with the old stamp is refused; the piece resent with the new one is
  // recognised as already stored.
  b.step(1, packet(4, 2, 3, 8, "x.3;", {}));
  CHECK_FALSE(b.sent<PacketAck>().at(0).second.ok);
  b.step(kClient, packet(4, 5, 4, 4, "x.2;", {}));
  CHECK(b.dn->effects().disk.empty());
  auto ok = b.sent<PacketAck>();
  CHECK(ok.at(0).second.ok);
  CHECK(ok.at(0).second.acked_length == 8);
  CHECK(b.dn->replica(4)->readable);
  // An older stamp or a promise of more bytes than it has is refused.
  b.step(kClient, PrepareReplica{5, 4, 4, 0});
  CHECK_FALSE(b.sent<PrepareReply>().at(0).second.ok);
  b.step(kClient, PrepareReplica{6, 4, 9, 12});
  CHECK_FALSE(b.sent<PrepareReply>().at(0).second.ok);
}

TEST_CASE("blockstore data node: after telling a recovery it has no copy, it creates none for the old writer") {
  // Found by a stress campaign (5 ms heartbeats, 30 ms leases): the lease recovery asked
  // this node before the writer's pipeline setup reached it; it answered "none", the
  // recovery closed the block empty, and then the setup created a replica at the old
  // stamp and acknowledged the writer's next 6 bytes, which the server then deleted.
  DnBench b(2);
  b.step(3, InitRecovery{4, 2, 7});
  auto reply = b.sent<InitRecoveryReply>();
  REQUIRE(reply.size() == 1);
  CHECK(reply[0].second.answer == RecoveryAnswer::none);
  b.step(1, packet(4, 2, 1, 0, "", {}));  // the old writer's pipeline setup
  CHECK_FALSE(b.sent<PacketAck>().at(0).second.ok);
  CHECK(b.dn->replica(4) == nullptr);
  // A writer with the recovery's stamp or a newer one is not held back.
  b.step(1, packet(4, 7, 1, 0, "", {}));
  CHECK(b.sent<PacketAck>().at(0).second.ok);
  CHECK(b.dn->replica(4) != nullptr);
}

TEST_CASE("blockstore data node: a read is verified by the driver, a checksum failure is reported, not served") {
  DnBench b(2);
  b.step(1, packet(4, 2, 1, 0, "x.1;", {}));
  b.step(1, WritePacket{kClient, 4, 2, 2, 4, "", {}, true});  // finalize
  b.clear();
  b.step(kClient, ReadBlock{7, 4, 2, 0, 4});
  REQUIRE(b.dn->effects().reads.size() == 1);
  const ReadJob job = b.dn->effects().reads[0];
  b.clear();
  b.dn->on_read(job, ReadResult{.ok = false});
  CHECK(b.sent<BadBlock>().size() == 1);
  CHECK(b.sent<ReadReply>().at(0).second.status == ReadStatus::corrupt);
  b.dn->on_read(job, ReadResult{.ok = true, .chunks = {ChunkData{0, "x.1;"}}});
  auto reply = b.sent<ReadReply>();
  CHECK(reply.at(0).second.status == ReadStatus::ok);
  CHECK(reply.at(0).second.data == "x.1;");
  // A stale stamp is not served at all.
  b.step(kClient, ReadBlock{8, 4, 1, 0, 4});
  CHECK(b.sent<ReadReply>().at(0).second.status == ReadStatus::missing);
}

TEST_CASE("blockstore data node: block recovery keeps the replicas with the highest stamp, cut to the shortest") {
  DnBench primary(1);
  primary.step(9, packet(4, 3, 1, 0, "x.1;", {}));
  primary.step(9, packet(4, 3, 2, 4, "x.2;", {}));
  primary.clear();
  primary.step(kNn, RecoverBlock{4, 3, 7, {1, 2, 3}});
  auto init = primary.sent<InitRecovery>();
  CHECK(init.size() == 2);  // the primary answers itself
  // Node 2 holds the last pipeline's stamp with less; node 3 an older, longer one.
  primary.step(2, InitRecoveryReply{4, 7, RecoveryAnswer::has, ReplicaInfo{4, 3, 4, ReplicaState::rbw}});
  primary.step(3, InitRecoveryReply{4, 7, RecoveryAnswer::has, ReplicaInfo{4, 2, 12, ReplicaState::rbw}});
  auto update = primary.sent<UpdateReplica>();
  REQUIRE(update.size() == 1);
  CHECK(update[0].first == 2);
  CHECK(update[0].second.length == 4);
  CHECK(primary.dn->replica(4)->length == 4);  // cut to the shortest
  CHECK(primary.dn->replica(4)->state == ReplicaState::finalized);
  CHECK(primary.dn->replica(4)->gs == 7);
  primary.step(2, UpdateReplicaReply{4, 7, true});
  auto commit = primary.sent<CommitBlockSync>();
  REQUIRE(commit.size() == 1);
  CHECK(commit[0].second.length == 4);
  CHECK(commit[0].second.nodes == std::vector<NodeId>{1, 2});
  // Under recovery the old writer is refused.
  primary.step(9, packet(4, 3, 3, 4, "x.3;", {}));
  CHECK_FALSE(primary.sent<PacketAck>().at(0).second.ok);
}

TEST_CASE("blockstore data node: invalidation deletes a replica only up to the stamp named") {
  DnBench b(2);
  b.step(1, packet(4, 5, 1, 0, "x.1;", {}));
  b.clear();
  CHECK(b.dn->step(0, envelope(kNn, InvalidateBlock{4, 3})) == "the replica is newer than the one to delete");
  CHECK(b.dn->replica(4) != nullptr);
  b.step(kNn, InvalidateBlock{4, 5});
  CHECK(b.dn->replica(4) == nullptr);
  CHECK(b.dn->effects().disk.back().kind == DiskOp::Kind::remove);
}

TEST_CASE("blockstore fingerprints: equal for equal protocol state, different after a change") {
  NnBench a;
  NnBench b;
  CHECK(a.nn->fingerprint() == b.nn->fingerprint());
  a.first_block();
  CHECK(a.nn->fingerprint() != b.nn->fingerprint());
  b.first_block();
  CHECK(a.nn->fingerprint() == b.nn->fingerprint());

  DnBench x(2);
  DnBench y(2);
  CHECK(x.dn->fingerprint() == y.dn->fingerprint());
  x.step(1, packet(4, 2, 1, 0, "x.1;", {}));
  CHECK(x.dn->fingerprint() != y.dn->fingerprint());
  y.step(1, packet(4, 2, 1, 0, "x.1;", {}));
  CHECK(x.dn->fingerprint() == y.dn->fingerprint());
  y.step(kClient, PrepareReplica{3, 4, 5, 4});
  CHECK(x.dn->fingerprint() != y.dn->fingerprint());
}
