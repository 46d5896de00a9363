#pragma once
// What the block store's nodes tell the run's checker as they act: observation only, it
// never changes what a node does (RaftObserver's role in raft/). Nodes call it when they
// have done something the invariants or the "sometimes" counts care about.
#include <cstdint>
#include <string_view>

#include "blockstore/bs_types.hpp"

namespace faultline::blockstore {

// Paths a run should sometimes take (STYLE.md habit 9): each safety property is paired
// with the count of runs in which the path it guards was taken.
enum class Sometimes : std::uint8_t {
  appends_ok,
  appends_info,
  appends_fail,
  reads_ok,
  reads_fail,
  range_reads,
  appends_reopened,        // an append reopened a file's complete last block
  pipeline_recoveries,     // a writer removed a failed node and carried on
  blocks_reallocated,      // a writer abandoned a block that failed before any data
  re_replications,         // a copy of an under-replicated block reached a new node
  lease_recoveries,        // a dead writer's file was recovered and closed
  corrupt_reported,        // a data node found a checksum failure and reported it
  stale_invalidated,       // the metadata server deleted a replica with an old stamp
  surplus_invalidated,     // ... or one of too many replicas
  datanodes_declared_dead, // the metadata server stopped hearing from a node
  namenode_restarts,
  disk_writes_lost,        // a node's read-back found its disk had lost synced writes
  node_losses,             // a data node lost for good (its disk with it)
};
inline constexpr int kSometimes = 18;
std::string_view sometimes_name(Sometimes s);

class BlockObserver {
 public:
  virtual ~BlockObserver() = default;
  virtual void count(Sometimes what) = 0;
  // A client's append was acknowledged: `piece` is at `offset` of `block`, whose
  // pipeline at stamp `gs` starts at `first`.
  virtual void acked(BlockId block, GenStamp gs, std::uint64_t offset, std::string_view piece,
                     NodeId first) = 0;
  // The metadata server completed a block (its writer finished it, or a recovery did).
  virtual void block_completed(BlockId block) = 0;
  // A node began, or ended, waiting for its disk to sync (for the liveness check: a
  // sync begun under slow-disk faults may last well past the heal).
  virtual void sync_started(NodeId node) = 0;
  virtual void sync_finished(NodeId node) = 0;
  // A data node truncated, deleted or re-stamped a replica on its disk.
  virtual void replica_changed(NodeId node, BlockId block) = 0;
  // A data node served `bytes` of its replica of `block` at `offset` to a reader.
  virtual void served(NodeId node, BlockId block, std::uint64_t offset, std::string_view bytes) = 0;
  // A client read `bytes` of `block` at `offset`.
  virtual void read_bytes(NodeId client, BlockId block, std::uint64_t offset,
                          std::string_view bytes) = 0;
};

}  // namespace faultline::blockstore
