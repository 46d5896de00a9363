// The metadata server's request handlers: clients (§III.A writing and reading, with the
// append and recovery steps of the HDFS append design) and data nodes (§II.B).
#include <algorithm>

#include "blockstore/bs_namenode.hpp"
#include "sim/assert.hpp"

namespace faultline::blockstore {

std::string_view NameNode::on_open(Time now, NodeId from, const OpenFile& m) {
  OpenReply reply{.req = m.req};
  auto it = ns_.files.find(m.file);
  if (safe_mode_) {
    reply.status = NnStatus::safe_mode;
  } else if (it != ns_.files.end() && it->second.open) {
    if (it->second.holder == m.holder) {
      renew(now, m.holder);  // a retry: the first answer was lost
      const BlockId last = ns_.last_block(m.file);
      if (last != kNoBlock && !ns_.blocks.at(last).complete) {
        const BlockMeta& b = ns_.blocks.at(last);
        reply.reopened = true;
        reply.last = BlockTarget{last, b.gs, b.length, b.expected};
      }
    } else {
      // §III.A: another writer holds it; past its lease, recovery starts now.
      if (!config_.bugs.lease_not_recovered && lease_expired(now, it->second.holder)) {
        recover_lease(now, m.file);
      }
      reply.status = NnStatus::busy;
    }
  } else {
    log(Edit{.op = EditOp::open, .file = m.file, .holder = m.holder});
    renew(now, m.holder);
    const BlockId last = ns_.last_block(m.file);
    if (last != kNoBlock && ns_.blocks.at(last).length < config_.block_size_bytes) {
      // Append to a block with room: reopen it on the nodes that hold it now.
      const LocatedBlock lb = locate(last);
      std::vector<NodeId> nodes;
      for (const Location& l : lb.locations) nodes.push_back(l.node);
      if (!nodes.empty()) {
        log(Edit{.op = EditOp::reopen_block, .block = last, .nodes = nodes});
        const BlockMeta& b = ns_.blocks.at(last);
        reply.reopened = true;
        reply.last = BlockTarget{last, b.gs, b.length, nodes};
      }
    }
  }
  send(from, std::move(reply));
  return {};
}

std::vector<NodeId> NameNode::choose_targets(const std::vector<NodeId>& excluded,
                                             std::size_t count) {
  std::vector<NodeId> candidates;
  for (const auto& [id, d] : datanodes_) {
    if (d.alive && std::find(excluded.begin(), excluded.end(), id) == excluded.end()) {
      candidates.push_back(id);
    }
  }
  // §III.C placement, without racks: any live nodes, in a random pipeline order.
  std::vector<NodeId> chosen;
  while (chosen.size() < count && !candidates.empty()) {
    const std::size_t k = random_.below(candidates.size());
    chosen.push_back(candidates[k]);
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(k));
  }
  FAULTLINE_ASSERT(chosen.size() <= count, "a pipeline has at most `replication` nodes");
  return chosen;
}

NnStatus NameNode::allocate_block(const std::string& file, const std::vector<NodeId>& excluded,
                                  BlockTarget& out) {
  const std::vector<NodeId> targets =
      choose_targets(excluded, static_cast<std::size_t>(config_.replication));
  if (targets.empty()) return NnStatus::no_datanodes;
  FAULTLINE_ASSERT(ns_.blocks.count(ns_.next_block) == 0, "a new block has a fresh id");
  out = BlockTarget{ns_.next_block, ns_.next_gs, 0, targets};
  log(Edit{.op = EditOp::add_block, .file = file, .block = out.block, .gs = out.gs, .nodes = targets});
  return NnStatus::ok;
}

std::string_view NameNode::on_add_block(Time now, NodeId from, const AddBlock& m) {
  AddBlockReply reply{.req = m.req};
  reply.status = safe_mode_ ? NnStatus::safe_mode : lease_status(now, m.file, m.holder);
  if (reply.status == NnStatus::ok) {
    const std::vector<BlockId>& blocks = ns_.files.at(m.file).blocks;
    const BlockId last = blocks.empty() ? kNoBlock : blocks.back();
    const BlockId before_last = blocks.size() >= 2 ? blocks[blocks.size() - 2] : kNoBlock;
    if (last != kNoBlock && !ns_.blocks.at(last).complete) {
      const BlockMeta& b = ns_.blocks.at(last);
      if (m.prev == last) {
        complete_by_writer(last, m.prev_length);
        reply.status = allocate_block(m.file, m.excluded, reply.target);
      } else if (m.prev == before_last) {
        reply.target = BlockTarget{last, b.gs, 0, b.expected};  // a retry: the same block
      } else {
        reply.status = NnStatus::refused;
      }
    } else if (m.prev == last || m.prev == kNoBlock) {
      reply.status = allocate_block(m.file, m.excluded, reply.target);
    } else {
      reply.status = NnStatus::refused;
    }
  }
  send(from, std::move(reply));
  return {};
}

// The writer finalized the block through its whole pipeline before it said so: those
// nodes hold it finalized (their own reports confirm it later).
void NameNode::complete_by_writer(BlockId block, std::uint64_t length) {
  const BlockMeta& b = ns_.blocks.at(block);
  FAULTLINE_ASSERT(!b.complete, "a writer completes an open block");
  const std::vector<NodeId> pipeline = b.expected;
  const GenStamp gs = b.gs;
  log(Edit{.op = EditOp::complete_block, .block = block, .gs = gs, .length = length});
  restamp(block, gs, pipeline, length, ReplicaState::finalized);
  if (observer_) observer_->block_completed(block);
}

std::string_view NameNode::on_new_gen_stamp(Time now, NodeId from, const NewGenStamp& m) {
  GenStampReply reply{.req = m.req};
  reply.status = safe_mode_ ? NnStatus::safe_mode : lease_status(now, m.file, m.holder);
  if (reply.status == NnStatus::ok) {
    if (m.block != ns_.last_block(m.file) || ns_.blocks.at(m.block).complete) {
      reply.status = NnStatus::refused;
    } else {
      reply.gs = ns_.next_gs;
      log(Edit{.op = EditOp::reserve_gs, .gs = reply.gs});
    }
  }
  send(from, reply);
  return {};
}

std::string_view NameNode::on_update_pipeline(Time now, NodeId from, const UpdatePipeline& m) {
  NnReply reply{.req = m.req};
  reply.status = safe_mode_ ? NnStatus::safe_mode : lease_status(now, m.file, m.holder);
  if (reply.status == NnStatus::ok) {
    if (m.block != ns_.last_block(m.file) || ns_.blocks.at(m.block).complete ||
        m.gs < ns_.blocks.at(m.block).gs || m.nodes.empty()) {
      reply.status = NnStatus::refused;
    } else {
      log(Edit{.op = EditOp::update_block, .block = m.block, .gs = m.gs, .nodes = m.nodes});
      restamp(m.block, m.gs, m.nodes, m.length, ReplicaState::rbw);
    }
  }
  send(from, reply);
  return {};
}

std::string_view NameNode::on_abandon(Time now, NodeId from, const AbandonBlock& m) {
  NnReply reply{.req = m.req};
  reply.status = safe_mode_ ? NnStatus::safe_mode : lease_status(now, m.file, m.holder);
  if (reply.status == NnStatus::ok) {
    if (m.block != ns_.last_block(m.file) || ns_.blocks.at(m.block).complete) {
      reply.status = NnStatus::refused;
    } else {
      log(Edit{.op = EditOp::abandon_block, .file = m.file, .block = m.block});
      replicas_.erase(m.block);  // the nodes' copies are unknown blocks now: deleted
      replicating_.erase(m.block);
    }
  }
  send(from, reply);
  return {};
}

std::string_view NameNode::on_complete(Time now, NodeId from, const CompleteFile& m) {
  NnReply reply{.req = m.req};
  auto it = ns_.files.find(m.file);
  const BlockId last = ns_.last_block(m.file);
  if (safe_mode_) {
    reply.status = NnStatus::safe_mode;
  } else if (it != ns_.files.end() && !it->second.open && last == m.last) {
    reply.status = NnStatus::ok;  // already closed (a retry, or a recovery that kept it all)
  } else {
    reply.status = lease_status(now, m.file, m.holder);
    if (reply.status == NnStatus::ok && last != m.last) reply.status = NnStatus::refused;
    if (reply.status == NnStatus::ok) {
      if (last != kNoBlock && !ns_.blocks.at(last).complete) complete_by_writer(last, m.length);
      close_file(m.file);
    }
  }
  send(from, reply);
  return {};
}

std::string_view NameNode::on_locations(NodeId from, const GetLocations& m) {
  LocationsReply reply{.req = m.req};
  auto it = ns_.files.find(m.file);
  if (it == ns_.files.end()) {
    reply.status = NnStatus::no_file;
  } else {
    for (BlockId b : it->second.blocks) reply.blocks.push_back(locate(b));
  }
  send(from, std::move(reply));
  return {};
}

// ---------------------------------------------------------------- data nodes

std::string_view NameNode::on_heartbeat(Time now, NodeId from, const Heartbeat& m) {
  auto it = datanodes_.find(from);
  if (it == datanodes_.end()) return "not a data node";
  DatanodeInfo& d = it->second;
  if (m.incarnation < d.incarnation) return "a heartbeat of an earlier incarnation";
  if (m.incarnation > d.incarnation) {
    d.incarnation = m.incarnation;  // restarted: its reports count from zero again
    d.report_seq = 0;
    d.block_seq.clear();
  }
  if (!d.alive) ++version_;
  d.alive = true;
  d.last_heartbeat = now;
  if (!d.reported && (d.report_requested < 0 || now - d.report_requested > 5 * config_.monitor_interval_ns)) {
    send(from, ReportRequest{});
    d.report_requested = now;
  }
  return {};
}

std::string_view NameNode::on_report(Time now, NodeId from, const BlockReport& m) {
  auto it = datanodes_.find(from);
  if (it == datanodes_.end()) return "not a data node";
  DatanodeInfo& d = it->second;
  if (m.incarnation < d.incarnation) return "a report of an earlier incarnation";
  if (m.incarnation > d.incarnation) {
    d.incarnation = m.incarnation;
    d.report_seq = 0;
    d.block_seq.clear();
  }
  // Reports of one incarnation may arrive out of order (the network reorders them; the
  // incremental ones are a few milliseconds apart). Each says what it says of its blocks:
  // it counts for a block unless a later report already spoke of that block. (Dropping a
  // whole report that came after a later one lost a re-replicated copy until the next full
  // report, and the copy was ordered again.)
  if (m.seq == d.report_seq) return "this report again";
  d.report_seq = std::max(d.report_seq, m.seq);
  auto later_said = [&](BlockId b) {
    auto said = d.block_seq.find(b);
    return said != d.block_seq.end() && said->second > m.seq;
  };
  auto newer = [&](BlockId b) {
    if (later_said(b)) return false;
    d.block_seq[b] = m.seq;
    return true;
  };
  if (!d.alive) ++version_;
  d.alive = true;
  d.last_heartbeat = now;
  if (m.full) {
    d.reported = true;
    std::set<BlockId> listed;
    for (const ReplicaInfo& r : m.replicas) listed.insert(r.block);
    std::vector<BlockId> gone;
    for (const auto& [block, list] : replicas_) {
      for (const Replica& r : list) {
        if (r.node == from && listed.count(block) == 0) gone.push_back(block);
      }
    }
    for (BlockId b : gone) {
      if (newer(b)) forget(from, b);
    }
    std::erase_if(deleting_, [&](const auto& e) {
      return e.second == from && listed.count(e.first) == 0 && !later_said(e.first);
    });
  }
  for (const ReplicaInfo& r : m.replicas) {
    if (newer(r.block)) record(from, r);
  }
  for (BlockId b : m.deleted) {
    if (!newer(b)) continue;
    forget(from, b);
    deleting_.erase({b, from});
  }
  return {};
}

std::string_view NameNode::on_bad_block(NodeId from, const BadBlock& m) {
  Replica* r = find(m.block, from);
  if (r == nullptr || r->gs != m.gs) return "no such replica";
  r->corrupt = true;
  ++version_;
  return {};
}

std::string_view NameNode::on_commit_sync(NodeId /*from*/, const CommitBlockSync& m) {
  auto bit = ns_.blocks.find(m.block);
  if (bit == ns_.blocks.end()) return "unknown block";
  if (bit->second.complete) return "block already complete";
  auto rec = recovering_.find(m.block);
  if (rec == recovering_.end() || rec->second.recovery_gs != m.recovery_gs) {
    return "not the recovery in progress";
  }
  const std::string file = bit->second.file;
  FAULTLINE_ASSERT(m.recovery_gs > bit->second.gs, "a recovery stamp is newer than the block's");
  if (m.nodes.empty()) {
    log(Edit{.op = EditOp::abandon_block, .file = file, .block = m.block});  // nobody had it
    replicas_.erase(m.block);
  } else {
    log(Edit{.op = EditOp::complete_block, .block = m.block, .gs = m.recovery_gs, .length = m.length});
    restamp(m.block, m.recovery_gs, m.nodes, m.length, ReplicaState::finalized);
    if (observer_) observer_->block_completed(m.block);
  }
  recovering_.erase(rec);
  close_file(file);
  if (observer_) observer_->count(Sometimes::lease_recoveries);
  return {};
}

}  // namespace faultline::blockstore
