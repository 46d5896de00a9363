// A data node's part in replication management (§III.D: copies on the metadata
// server's order, deletion of stale and surplus replicas) and in block recovery (the
// lease recovery of HDFS-265: the primary collects the replicas, keeps those with the
// highest stamp, cuts them to the shortest, finalizes them under the recovery stamp).
#include <algorithm>

#include "blockstore/bs_datanode.hpp"
#include "sim/assert.hpp"
#include "sim/disk.hpp"

namespace faultline::blockstore {

std::string_view DataNode::on_replicate(const ReplicateBlock& m) {
  const Replica* r = replica(m.block);
  if (r == nullptr || r->gs != m.gs || r->state != ReplicaState::finalized ||
      r->length != m.length) {
    return "no such finalized replica to copy";
  }
  if (m.target == config_.self) return "a copy to itself";
  effects_.reads.push_back(ReadJob{.purpose = ReadJob::Purpose::copy, .block = m.block,
                                   .gs = m.gs, .first_chunk = 0, .end_chunk = r->chunks.size(),
                                   .to = m.target});
  return {};
}

std::string_view DataNode::on_copy(const CopyBlock& m) {
  Replica* r = find(m.block);
  if (r != nullptr && r->gs > m.gs) return "a newer replica is here";
  if (r != nullptr && r->gs == m.gs && r->length > m.length) return "a longer replica is here";
  if (r != nullptr && r->recovery_gs > m.gs) return "the replica is being recovered";
  // An older version, one left unfinished, or one found corrupt here: rewritten. (Only
  // a complete block is copied: nobody writes this stamp any more.)
  std::uint64_t total = 0;
  for (const std::string& c : m.chunks) total += c.size();
  if (total != m.length || std::any_of(m.chunks.begin(), m.chunks.end(),
                                       [](const std::string& c) { return c.empty(); })) {
    return "a copy whose chunks do not make the block";
  }
  if (r != nullptr) remove(m.block);  // an older version
  FAULTLINE_ASSERT(replica(m.block) == nullptr, "a copy replaces any older version");
  Replica& fresh = replicas_[m.block];
  fresh.gs = m.gs;
  fresh.state = ReplicaState::finalized;
  adopt_gs(m.gs);
  disk(DiskOp{.kind = DiskOp::Kind::create, .block = m.block,
              .meta = {m.gs, ReplicaState::finalized, m.length}});
  for (const std::string& c : m.chunks) {
    fresh.chunks.push_back(Chunk{fresh.length, static_cast<std::uint32_t>(c.size()), sim::crc32c(c)});
    disk(DiskOp{.kind = DiskOp::Kind::append_chunk, .block = m.block, .offset = fresh.length, .data = c});
    fresh.length += c.size();
  }
  fresh.acked = fresh.length;
  check_replica(fresh);
  changed(m.block);
  return {};
}

std::string_view DataNode::on_invalidate(const InvalidateBlock& m) {
  const Replica* r = replica(m.block);
  if (r == nullptr) {
    deleted_.insert(m.block);  // gone already: say so again
    return {};
  }
  if (r->gs > m.gs) return "the replica is newer than the one to delete";
  remove(m.block);
  return {};
}

// ---------------------------------------------------------------- block recovery

InitRecoveryReply DataNode::init_local(BlockId block, GenStamp nn_gs, GenStamp recovery_gs) {
  InitRecoveryReply reply{.block = block, .recovery_gs = recovery_gs};
  Replica* r = find(block);
  if (r == nullptr) {  // none; and none may appear under an older stamp from now on
    GenStamp& fence = fences_[block];
    fence = std::max(fence, recovery_gs);
    return reply;
  }
  // A copy older than the server's stamp missed writes: it cannot say the block is empty.
  // A recovery older than the copy (a late message) or than one under way is refused.
  if (r->gs < nn_gs || r->gs >= recovery_gs || r->recovery_gs > recovery_gs) {
    reply.answer = RecoveryAnswer::refused;
    return reply;
  }
  r->recovery_gs = recovery_gs;  // from now on the old writer is refused
  in_flight_.erase(block);
  reply.answer = RecoveryAnswer::has;
  reply.replica = r->info(block);
  return reply;
}

bool DataNode::update_local(BlockId block, GenStamp recovery_gs, std::uint64_t length) {
  Replica* r = find(block);
  if (r == nullptr || r->recovery_gs != recovery_gs || r->gs >= recovery_gs || r->length < length) {
    return false;  // a stamp never goes back
  }
  auto keep = std::find_if(r->chunks.begin(), r->chunks.end(),
                           [&](const Chunk& c) { return c.offset >= length; });
  if (keep != r->chunks.end() && keep->offset != length) return false;  // not a chunk boundary
  const auto chunks = static_cast<std::size_t>(keep - r->chunks.begin());
  if (chunks < r->chunks.size()) truncate(block, *r, chunks);
  FAULTLINE_ASSERT(r->length == length, "a recovered replica has the recovered length");
  r->gs = recovery_gs;
  r->state = ReplicaState::finalized;
  r->acked = length;
  r->recovery_gs = 0;
  adopt_gs(recovery_gs);
  write_meta(block, *r);
  changed(block);
  return true;
}

std::string_view DataNode::on_recover(Time now, const RecoverBlock& m) {
  auto it = recoveries_.find(m.block);
  if (it != recoveries_.end() && it->second.recovery_gs >= m.recovery_gs) {
    return "this recovery is under way";
  }
  RecoveryTask& task = recoveries_[m.block];
  task = RecoveryTask{.nn_gs = m.nn_gs, .recovery_gs = m.recovery_gs, .nodes = m.nodes,
                      .pipeline = m.pipeline, .deadline = now + config_.recovery_timeout_ns};
  for (NodeId n : m.nodes) {
    if (n == config_.self) task.replies[n] = init_local(m.block, m.nn_gs, m.recovery_gs);
    else send(n, InitRecovery{m.block, m.nn_gs, m.recovery_gs});
  }
  advance_recovery(now, m.block, false);
  return {};
}

std::string_view DataNode::on_init_recovery(NodeId from, const InitRecovery& m) {
  send(from, init_local(m.block, m.nn_gs, m.recovery_gs));
  return {};
}

std::string_view DataNode::on_init_reply(Time now, NodeId from, const InitRecoveryReply& m) {
  auto it = recoveries_.find(m.block);
  if (it == recoveries_.end() || it->second.recovery_gs != m.recovery_gs || it->second.updating) {
    return "no recovery waits for this answer";
  }
  it->second.replies[from] = m;
  advance_recovery(now, m.block, false);
  return {};
}

void DataNode::advance_recovery(Time now, BlockId block, bool deadline_passed) {
  RecoveryTask& task = recoveries_.at(block);
  if (task.updating) {
    if (deadline_passed || task.updated.size() == task.kept.size()) finish_recovery(block, task);
    return;
  }
  if (!deadline_passed && task.replies.size() < task.nodes.size()) return;
  start_update(now, block, task);
}

// Keeps the replicas with the highest stamp (the last pipeline's) and cuts them to the
// shortest: every byte acknowledged is on all of them, anything beyond was never acked.
void DataNode::start_update(Time now, BlockId block, RecoveryTask& task) {
  GenStamp top = 0;
  bool pipeline_node_empty = false;
  for (const auto& [node, reply] : task.replies) {
    if (reply.answer == RecoveryAnswer::has) top = std::max(top, reply.replica.gs);
    const bool in_pipeline =
        std::find(task.pipeline.begin(), task.pipeline.end(), node) != task.pipeline.end();
    pipeline_node_empty = pipeline_node_empty || (in_pipeline && reply.answer == RecoveryAnswer::none);
  }
  if (top == 0) {
    // Nobody who answered holds it. If a node of its pipeline has no copy at all, no
    // byte was ever acknowledged in it (acknowledged bytes are on every node of the
    // pipeline): the block goes. Otherwise the silent nodes may hold it: later.
    if (pipeline_node_empty) send(config_.namenode, CommitBlockSync{block, task.recovery_gs, 0, {}});
    recoveries_.erase(block);
    return;
  }
  task.length = ~std::uint64_t{0};
  for (const auto& [node, reply] : task.replies) {
    if (reply.answer != RecoveryAnswer::has || reply.replica.gs != top) continue;
    task.kept.push_back(node);
    task.length = std::min(task.length, reply.replica.length);
  }
  FAULTLINE_ASSERT(!task.kept.empty() && task.length != ~std::uint64_t{0},
                   "a recovery keeps the replicas with the highest stamp");
  task.updating = true;
  task.deadline = now + config_.recovery_timeout_ns;
  for (NodeId n : task.kept) {
    if (n == config_.self) task.updated[n] = update_local(block, task.recovery_gs, task.length);
    else send(n, UpdateReplica{block, task.recovery_gs, task.length});
  }
  advance_recovery(now, block, false);
}

std::string_view DataNode::on_update_replica(NodeId from, const UpdateReplica& m) {
  send(from, UpdateReplicaReply{m.block, m.recovery_gs, update_local(m.block, m.recovery_gs, m.length)});
  return {};
}

std::string_view DataNode::on_update_reply(NodeId from, const UpdateReplicaReply& m) {
  auto it = recoveries_.find(m.block);
  if (it == recoveries_.end() || it->second.recovery_gs != m.recovery_gs || !it->second.updating ||
      std::find(it->second.kept.begin(), it->second.kept.end(), from) == it->second.kept.end()) {
    return "no recovery waits for this answer";
  }
  it->second.updated[from] = m.ok;
  advance_recovery(0, m.block, false);
  return {};
}

void DataNode::finish_recovery(BlockId block, RecoveryTask& task) {
  CommitBlockSync commit{block, task.recovery_gs, task.length, {}};
  for (const auto& [node, ok] : task.updated) {
    if (ok) commit.nodes.push_back(node);
  }
  if (!commit.nodes.empty()) send(config_.namenode, std::move(commit));
  recoveries_.erase(block);
}

}  // namespace faultline::blockstore
