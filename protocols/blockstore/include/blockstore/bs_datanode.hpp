#pragma once
// A data node (HDFS's DataNode, Shvachko et al. §II.B, and the write pipeline of §III.A)
// as a state machine that never does I/O. Handlers emit effects: disk operations (which
// the driver performs, syncs and reads back before anything that depends on them is
// sent), disk reads (performed by the driver, whose result comes back through
// on_read), and messages.
//
// Replicas live on the node's disk as chunks, one per packet, each with its checksum,
// verified whenever the node reads it (a replica that fails is reported, not served).
//
// The write pipeline is store-and-forward: a node appends and syncs a packet before it
// forwards it downstream, and acknowledges upstream only when its downstream has
// acknowledged. So along a pipeline, synced lengths never increase downstream, and a
// node's *acknowledged* length — all that it serves of a replica being written — is
// held by every node of the pipeline. Pipeline recovery and block recovery keep at
// least the shortest synced length of the nodes they keep, so nothing ever served or
// acknowledged is cut. A node waiting for its downstream gives up after ack_timeout per
// node below it, so the innermost failure is named first.
//
// Invariants (asserted): a replica's chunks are contiguous from offset 0 and sum to its
// length; acked <= length; a finalized replica is never written again except by an
// append's or a recovery's new stamp; at most one packet per block is in flight.
//
// Planted bug (DnBugs): ack_first_replica — the first node acknowledges the client once
// it has the packet itself, without waiting for the rest of the pipeline.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "blockstore/bs_messages.hpp"
#include "blockstore/bs_observer.hpp"
#include "blockstore/bs_storage.hpp"
#include "protocols/node_driver.hpp"
#include "sim/message.hpp"

namespace faultline::blockstore {

using protocols::Outgoing;

struct DnBugs {
  bool ack_first_replica = false;
  bool no_genstamp_bump = false;  // the pipeline keeps its stamp: a prepare at the same one reopens
};

struct DataNodeConfig {
  NodeId self = 0;
  NodeId namenode = 0;
  std::uint64_t incarnation = 0;
  Duration heartbeat_ns = 100 * sim::kMillisecond;
  Duration report_interval_ns = sim::kSecond;
  Duration ack_timeout_ns = 100 * sim::kMillisecond;       // per node downstream
  Duration recovery_timeout_ns = 200 * sim::kMillisecond;  // each phase of a block recovery
  DnBugs bugs = {};
};

struct Chunk {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t crc = 0;  // of the data, for recognising a packet already stored
  friend bool operator==(const Chunk&, const Chunk&) = default;
};

struct Replica {
  GenStamp gs = 0;
  ReplicaState state = ReplicaState::rbw;
  std::vector<Chunk> chunks = {};
  std::uint64_t length = 0;
  std::uint64_t acked = 0;      // rbw: what the whole pipeline has synced (served)
  // rbw: false from a new stamp (pipeline recovery, append) until an acknowledgement
  // passes through again: until then this node does not know how much the head of the
  // old pipeline let readers see, so it serves nothing.
  bool readable = true;
  GenStamp recovery_gs = 0;     // a block recovery in progress: writers are shut out
  ReplicaInfo info(BlockId block) const { return ReplicaInfo{block, gs, length, state}; }
};

struct DiskOp {
  enum class Kind : std::uint8_t { create, append_chunk, truncate, write_meta, remove, watermark };
  Kind kind = Kind::append_chunk;
  BlockId block = kNoBlock;
  std::uint64_t offset = 0;  // append_chunk
  std::string data = {};     // append_chunk
  std::size_t chunks = 0;    // truncate: chunks kept
  ReplicaMeta meta = {};     // create, write_meta
  GenStamp gs = 0;           // watermark
};

struct ReadJob {
  enum class Purpose : std::uint8_t { serve, copy };
  Purpose purpose = Purpose::serve;
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::size_t first_chunk = 0;
  std::size_t end_chunk = 0;
  NodeId to = kNoNode;
  std::uint64_t req = 0;
  std::uint64_t offset = 0;  // serve: bytes [offset, end) of the block
  std::uint64_t end = 0;
};

struct ReadResult {
  bool present = true;  // false: the disk lacks a chunk the node believes it has
  bool ok = false;      // false: a chunk failed its checksum
  std::vector<ChunkData> chunks = {};
};

struct DnEffects {
  std::vector<Outgoing> messages = {};
  std::vector<DiskOp> disk = {};
  std::vector<ReadJob> reads = {};
  bool empty() const { return messages.empty() && disk.empty() && reads.empty(); }
};

struct DnRestored {
  std::map<BlockId, Replica> replicas = {};
  GenStamp gs_max = 0;
};

class DataNode {
 public:
  DataNode(DataNodeConfig config, DnRestored restored, BlockObserver* observer = nullptr);

  // Up at local time `now`: a full block report and a heartbeat go out at once.
  void start(Time now);
  std::string_view step(Time now, const sim::Envelope& envelope);
  void tick(Time now);
  Time next_deadline() const;
  std::string_view deadline_name() const;
  // Sends the incremental report of what this batch changed.
  void end_batch(Time now);
  // The driver performed `job`'s reads.
  void on_read(const ReadJob& job, const ReadResult& result);
  DnEffects& effects() { return effects_; }
  const DnEffects& effects() const { return effects_; }

  const std::map<BlockId, Replica>& replicas() const { return replicas_; }
  const Replica* replica(BlockId block) const;
  GenStamp gs_max() const { return gs_max_; }
  std::uint64_t fingerprint() const;

  std::string_view on_packet(Time now, NodeId from, const WritePacket& m);
  std::string_view on_ack(NodeId from, const PacketAck& m);
  std::string_view on_prepare(NodeId from, const PrepareReplica& m);
  std::string_view on_read_request(NodeId from, const ReadBlock& m);
  std::string_view on_replicate(const ReplicateBlock& m);
  std::string_view on_copy(const CopyBlock& m);
  std::string_view on_invalidate(const InvalidateBlock& m);
  std::string_view on_recover(Time now, const RecoverBlock& m);
  std::string_view on_init_recovery(NodeId from, const InitRecovery& m);
  std::string_view on_init_reply(Time now, NodeId from, const InitRecoveryReply& m);
  std::string_view on_update_replica(NodeId from, const UpdateReplica& m);
  std::string_view on_update_reply(NodeId from, const UpdateReplicaReply& m);

 private:
  struct InFlight {  // a packet forwarded downstream, its acknowledgement awaited
    std::uint64_t seq = 0;
    NodeId upstream = kNoNode;
    NodeId next = kNoNode;
    Time deadline = 0;
    bool acked_upstream = false;  // planted bug ack_first_replica
  };
  struct RecoveryTask {  // this node is the primary of a block recovery
    GenStamp nn_gs = 0;
    GenStamp recovery_gs = 0;
    std::vector<NodeId> nodes = {};
    std::vector<NodeId> pipeline = {};
    std::map<NodeId, InitRecoveryReply> replies = {};
    bool updating = false;
    std::uint64_t length = 0;
    std::vector<NodeId> kept = {};
    std::map<NodeId, bool> updated = {};
    Time deadline = 0;
  };

  template <class T>
  void send(NodeId to, T message) {
    effects_.messages.push_back({to, sim::Payload(std::move(message))});
  }
  Replica* find(BlockId block);
  void disk(DiskOp op) { effects_.disk.push_back(std::move(op)); }
  void adopt_gs(GenStamp gs);
  void write_meta(BlockId block, const Replica& r);
  void changed(BlockId block);
  std::string_view refuse(NodeId to, const WritePacket& m);
  bool store_packet(BlockId block, Replica& r, const WritePacket& m);
  void truncate(BlockId block, Replica& r, std::size_t chunks);
  void remove(BlockId block);
  void forward_or_ack(Time now, NodeId from, const WritePacket& m, const Replica& r);
  void full_report();
  InitRecoveryReply init_local(BlockId block, GenStamp nn_gs, GenStamp recovery_gs);
  bool update_local(BlockId block, GenStamp recovery_gs, std::uint64_t length);
  void advance_recovery(Time now, BlockId block, bool deadline_passed);
  void start_update(Time now, BlockId block, RecoveryTask& task);
  void finish_recovery(BlockId block, RecoveryTask& task);
  void check_replica(const Replica& r) const;

  DataNodeConfig config_;
  BlockObserver* observer_;
  std::map<BlockId, Replica> replicas_;
  GenStamp gs_max_ = 0;
  std::map<BlockId, InFlight> in_flight_;
  std::map<BlockId, RecoveryTask> recoveries_;
  // Blocks this node told a recovery it holds no copy of, with that recovery's stamp: a
  // writer's pipeline setup of an older stamp must not create one afterwards (it would
  // acknowledge data the recovery has already closed the block without). In memory only:
  // a pipeline reaches a restarted node again only through a setup with a new stamp.
  std::map<BlockId, GenStamp> fences_;
  std::set<BlockId> changed_;
  std::set<BlockId> deleted_;
  std::uint64_t report_seq_ = 0;
  Time next_heartbeat_ = sim::kTimeNever;
  Time next_report_ = sim::kTimeNever;
  DnEffects effects_;
};

}  // namespace faultline::blockstore
