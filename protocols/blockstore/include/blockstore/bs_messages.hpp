#pragma once
// The block store's messages. The sender is the envelope's `from`. Requests a client
// retries carry a `req` number its reply echoes, so a late reply to an earlier attempt
// is recognised and ignored.
//
//   client -> metadata server   OpenFile, AddBlock, NewGenStamp, UpdatePipeline,
//                               AbandonBlock, CompleteFile, RenewLease, ReleaseLease,
//                               GetLocations
//   data node -> metadata       Heartbeat, BlockReport (full or incremental), BadBlock,
//                               CommitBlockSync
//   metadata -> data node       ReplicateBlock, InvalidateBlock, RecoverBlock
//   client -> data node         WritePacket (down the pipeline), PrepareReplica, ReadBlock
//   data node -> data node      WritePacket / PacketAck (the pipeline), CopyBlock,
//                               InitRecovery / UpdateReplica (block recovery)
#include <cstdint>
#include <string>
#include <vector>

#include "blockstore/bs_types.hpp"

namespace faultline::blockstore {

enum class NnStatus : std::uint8_t {
  ok,
  busy,          // another writer holds the lease (or its recovery is under way): later
  safe_mode,     // the metadata server restarted and waits for block reports: later
  no_file,       // no such file
  no_lease,      // the caller does not hold the file's lease (it expired and was recovered)
  no_datanodes,  // no live data node to place a block on
  refused,       // the request does not fit the file's state (a stale or repeated request)
};
std::string_view nn_status_name(NnStatus s);

// ---------------------------------------------------------------- client -> metadata

struct OpenFile {  // create-or-append (HDFS create + append in one)
  static constexpr std::string_view kName = "OpenFile";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  void describe(sim::Fields& f) const;
};

struct OpenReply {
  static constexpr std::string_view kName = "OpenReply";
  std::uint64_t req = 0;
  NnStatus status = NnStatus::ok;
  // The last block, reopened for appending (it was complete and not full): the writer
  // bumps its stamp on these nodes before writing (HDFS append).
  bool reopened = false;
  BlockTarget last = {};
  void describe(sim::Fields& f) const;
};

struct AddBlock {  // completes `prev` at `prev_length` and allocates the next block
  static constexpr std::string_view kName = "AddBlock";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  BlockId prev = kNoBlock;
  std::uint64_t prev_length = 0;
  std::vector<NodeId> excluded = {};  // nodes that just failed this writer
  void describe(sim::Fields& f) const;
};

struct AddBlockReply {
  static constexpr std::string_view kName = "AddBlockReply";
  std::uint64_t req = 0;
  NnStatus status = NnStatus::ok;
  BlockTarget target = {};
  void describe(sim::Fields& f) const;
};

struct NewGenStamp {  // HDFS updateBlockForPipeline
  static constexpr std::string_view kName = "NewGenStamp";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  BlockId block = kNoBlock;
  void describe(sim::Fields& f) const;
};

struct GenStampReply {
  static constexpr std::string_view kName = "GenStampReply";
  std::uint64_t req = 0;
  NnStatus status = NnStatus::ok;
  GenStamp gs = 0;
  void describe(sim::Fields& f) const { f("req", req)("status", nn_status_name(status))("gs", gs); }
};

struct UpdatePipeline {  // HDFS updatePipeline: the block's new stamp and pipeline
  static constexpr std::string_view kName = "UpdatePipeline";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  std::vector<NodeId> nodes = {};
  void describe(sim::Fields& f) const;
};

struct AbandonBlock {  // the last block never got data: drop it
  static constexpr std::string_view kName = "AbandonBlock";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  BlockId block = kNoBlock;
  void describe(sim::Fields& f) const;
};

struct CompleteFile {  // completes the last block at `length` and closes the file
  static constexpr std::string_view kName = "CompleteFile";
  std::uint64_t req = 0;
  std::string file = {};
  Holder holder = {};
  BlockId last = kNoBlock;
  std::uint64_t length = 0;
  void describe(sim::Fields& f) const;
};

struct NnReply {  // the answer to UpdatePipeline, AbandonBlock and CompleteFile
  static constexpr std::string_view kName = "NnReply";
  std::uint64_t req = 0;
  NnStatus status = NnStatus::ok;
  void describe(sim::Fields& f) const { f("req", req)("status", nn_status_name(status)); }
};

struct RenewLease {
  static constexpr std::string_view kName = "RenewLease";
  Holder holder = {};
  void describe(sim::Fields& f) const { f("holder", holder_name(holder)); }
};

// A writer that cannot finish its session hands the file back: recover it now rather
// than after the lease lapses (HDFS's recoverLease, called by the writer itself).
struct ReleaseLease {
  static constexpr std::string_view kName = "ReleaseLease";
  std::string file = {};
  Holder holder = {};
  void describe(sim::Fields& f) const { f("file", file)("holder", holder_name(holder)); }
};

struct GetLocations {
  static constexpr std::string_view kName = "GetLocations";
  std::uint64_t req = 0;
  std::string file = {};
  void describe(sim::Fields& f) const { f("req", req)("file", file); }
};

struct LocationsReply {
  static constexpr std::string_view kName = "LocationsReply";
  std::uint64_t req = 0;
  NnStatus status = NnStatus::ok;
  std::vector<LocatedBlock> blocks = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

// ---------------------------------------------------------------- data node <-> metadata

struct Heartbeat {
  static constexpr std::string_view kName = "Heartbeat";
  std::uint64_t incarnation = 0;
  void describe(sim::Fields& f) const { f("incarnation", incarnation); }
};

// Full: every replica the node holds (what it does not list, it does not have).
// Incremental: replicas that changed, and blocks deleted. (incarnation, seq) orders a
// node's reports, so a late one never undoes a newer one.
struct BlockReport {
  static constexpr std::string_view kName = "BlockReport";
  std::uint64_t incarnation = 0;
  std::uint64_t seq = 0;
  bool full = false;
  std::vector<ReplicaInfo> replicas = {};
  std::vector<BlockId> deleted = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

// The metadata server (re)started and has no report from this node yet: send a full
// one now (HDFS's re-registration), so safe mode ends as soon as the blocks are known.
struct ReportRequest {
  static constexpr std::string_view kName = "ReportRequest";
  void describe(sim::Fields&) const {}
};

struct BadBlock {  // a replica failed its checksum: not served, to be replaced
  static constexpr std::string_view kName = "BadBlock";
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  void describe(sim::Fields& f) const { f("block", block)("gs", gs); }
};

struct ReplicateBlock {  // copy a finalized replica to `target`
  static constexpr std::string_view kName = "ReplicateBlock";
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  NodeId target = kNoNode;
  void describe(sim::Fields& f) const;
};

struct InvalidateBlock {  // delete the replica if its stamp is at most `gs`
  static constexpr std::string_view kName = "InvalidateBlock";
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  void describe(sim::Fields& f) const { f("block", block)("gs", gs); }
};

// Lease recovery of a file's last block (HDFS block recovery): the primary asks every
// node for its replica, keeps those with the highest stamp, truncates them to the
// shortest one's length, finalizes them at `recovery_gs` and tells the metadata server.
struct RecoverBlock {
  static constexpr std::string_view kName = "RecoverBlock";
  BlockId block = kNoBlock;
  GenStamp nn_gs = 0;        // the stamp the metadata server has
  GenStamp recovery_gs = 0;  // the new stamp: older writers are shut out
  std::vector<NodeId> nodes = {};     // every node that may hold it
  std::vector<NodeId> pipeline = {};  // of those, the block's current pipeline
  void describe(sim::Fields& f) const;
};

struct CommitBlockSync {
  static constexpr std::string_view kName = "CommitBlockSync";
  BlockId block = kNoBlock;
  GenStamp recovery_gs = 0;
  std::uint64_t length = 0;
  std::vector<NodeId> nodes = {};  // empty: no node had a replica; the block goes
  void describe(sim::Fields& f) const;
};

// ---------------------------------------------------------------- the write pipeline

// One packet (one appended piece) or, with `finalize`, the end of the block. Each node
// stores and syncs it, then forwards it to the next one; acknowledgements come back.
struct WritePacket {
  static constexpr std::string_view kName = "WritePacket";
  NodeId client = kNoNode;
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t seq = 0;
  std::uint64_t offset = 0;  // where in the block the data goes
  std::string data = {};
  std::vector<NodeId> downstream = {};  // the rest of the pipeline after the receiver
  bool finalize = false;
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const { return 48 + static_cast<std::uint32_t>(data.size()); }
};

struct PacketAck {
  static constexpr std::string_view kName = "PacketAck";
  BlockId block = kNoBlock;
  std::uint64_t seq = 0;
  bool ok = true;
  NodeId failed = kNoNode;        // !ok: the node that failed (did not answer, or refused)
  std::uint64_t acked_length = 0;  // ok: every node from here down has synced this much
  void describe(sim::Fields& f) const;
};

// Pipeline setup for an append and pipeline recovery: adopt stamp `gs`, keep at least
// `min_length` bytes (what the writer has had acknowledged), and report the length.
struct PrepareReplica {
  static constexpr std::string_view kName = "PrepareReplica";
  std::uint64_t req = 0;
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t min_length = 0;
  void describe(sim::Fields& f) const;
};

struct PrepareReply {
  static constexpr std::string_view kName = "PrepareReply";
  std::uint64_t req = 0;
  bool ok = false;
  std::uint64_t length = 0;
  void describe(sim::Fields& f) const { f("req", req)("ok", ok)("length", length); }
};

enum class ReadStatus : std::uint8_t { ok, missing, corrupt, short_replica };
std::string_view read_status_name(ReadStatus s);

// Bytes [offset, offset + length) of the replica at stamp `gs`; length 0: to the end of
// what the node may serve (a finalized replica's length, or what the pipeline has
// acknowledged of a replica being written).
struct ReadBlock {
  static constexpr std::string_view kName = "ReadBlock";
  std::uint64_t req = 0;
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  void describe(sim::Fields& f) const;
};

struct ReadReply {
  static constexpr std::string_view kName = "ReadReply";
  std::uint64_t req = 0;
  ReadStatus status = ReadStatus::ok;
  GenStamp gs = 0;
  std::string data = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const { return 32 + static_cast<std::uint32_t>(data.size()); }
};

// ---------------------------------------------------------------- data node <-> data node

struct CopyBlock {  // re-replication: the whole finalized replica, chunk by chunk
  static constexpr std::string_view kName = "CopyBlock";
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  std::vector<std::string> chunks = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

struct InitRecovery {
  static constexpr std::string_view kName = "InitRecovery";
  BlockId block = kNoBlock;
  GenStamp nn_gs = 0;
  GenStamp recovery_gs = 0;
  void describe(sim::Fields& f) const;
};

enum class RecoveryAnswer : std::uint8_t { has, none, refused };
std::string_view recovery_answer_name(RecoveryAnswer a);

struct InitRecoveryReply {
  static constexpr std::string_view kName = "InitRecoveryReply";
  BlockId block = kNoBlock;
  GenStamp recovery_gs = 0;
  RecoveryAnswer answer = RecoveryAnswer::none;
  ReplicaInfo replica = {};
  void describe(sim::Fields& f) const;
};

struct UpdateReplica {
  static constexpr std::string_view kName = "UpdateReplica";
  BlockId block = kNoBlock;
  GenStamp recovery_gs = 0;
  std::uint64_t length = 0;
  void describe(sim::Fields& f) const;
};

struct UpdateReplicaReply {
  static constexpr std::string_view kName = "UpdateReplicaReply";
  BlockId block = kNoBlock;
  GenStamp recovery_gs = 0;
  bool ok = false;
  void describe(sim::Fields& f) const;
};

}  // namespace faultline::blockstore
