// A data node: reports and heartbeats (§II.B), the write pipeline (§III.A), reads.
#include "blockstore/bs_datanode.hpp"

#include <algorithm>

#include "sim/assert.hpp"
#include "sim/disk.hpp"

namespace faultline::blockstore {

DataNode::DataNode(DataNodeConfig config, DnRestored restored, BlockObserver* observer)
    : config_(std::move(config)), observer_(observer), replicas_(std::move(restored.replicas)),
      gs_max_(restored.gs_max) {
  for (const auto& [block, r] : replicas_) {
    check_replica(r);
    FAULTLINE_ASSERT(r.gs <= gs_max_, "a replica's stamp is within the node's watermark");
  }
}

void DataNode::check_replica(const Replica& r) const {
  std::uint64_t at = 0;
  for (const Chunk& c : r.chunks) {
    FAULTLINE_ASSERT(c.offset == at, "a replica's chunks are contiguous from offset 0");
    at += c.length;
  }
  FAULTLINE_ASSERT(at == r.length, "a replica's chunks sum to its length");
  FAULTLINE_ASSERT(r.acked <= r.length, "a node acknowledges only what it holds");
}

void DataNode::start(Time now) {
  next_heartbeat_ = now;
  next_report_ = now;
  tick(now);
}

const Replica* DataNode::replica(BlockId block) const {
  auto it = replicas_.find(block);
  return it == replicas_.end() ? nullptr : &it->second;
}

Replica* DataNode::find(BlockId block) {
  auto it = replicas_.find(block);
  return it == replicas_.end() ? nullptr : &it->second;
}

std::string_view DataNode::step(Time now, const sim::Envelope& e) {
  if (const auto* m = e.get<WritePacket>()) return on_packet(now, e.from, *m);
  if (const auto* m = e.get<PacketAck>()) return on_ack(e.from, *m);
  if (const auto* m = e.get<ReadBlock>()) return on_read_request(e.from, *m);
  if (const auto* m = e.get<PrepareReplica>()) return on_prepare(e.from, *m);
  if (e.get<ReportRequest>() != nullptr) {
    full_report();
    next_report_ = now + config_.report_interval_ns;
    return {};
  }
  if (const auto* m = e.get<ReplicateBlock>()) return on_replicate(*m);
  if (const auto* m = e.get<CopyBlock>()) return on_copy(*m);
  if (const auto* m = e.get<InvalidateBlock>()) return on_invalidate(*m);
  if (const auto* m = e.get<RecoverBlock>()) return on_recover(now, *m);
  if (const auto* m = e.get<InitRecovery>()) return on_init_recovery(e.from, *m);
  if (const auto* m = e.get<InitRecoveryReply>()) return on_init_reply(now, e.from, *m);
  if (const auto* m = e.get<UpdateReplica>()) return on_update_replica(e.from, *m);
  if (const auto* m = e.get<UpdateReplicaReply>()) return on_update_reply(e.from, *m);
  return "not a data node request";
}

void DataNode::tick(Time now) {
  if (now >= next_heartbeat_) {
    send(config_.namenode, Heartbeat{config_.incarnation});
    next_heartbeat_ = now + config_.heartbeat_ns;
  }
  if (now >= next_report_) {
    full_report();
    next_report_ = now + config_.report_interval_ns;
  }
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    // The next node did not answer in time: name it, so the writer drops it.
    if (!it->second.acked_upstream) {
      send(it->second.upstream, PacketAck{it->first, it->second.seq, false, it->second.next, 0});
    }
    it = in_flight_.erase(it);
  }
  std::vector<BlockId> due;
  for (const auto& [block, task] : recoveries_) {
    if (now >= task.deadline) due.push_back(block);
  }
  for (BlockId b : due) advance_recovery(now, b, true);
}

Time DataNode::next_deadline() const {
  Time t = std::min(next_heartbeat_, next_report_);
  for (const auto& [block, f] : in_flight_) t = std::min(t, f.deadline);
  for (const auto& [block, task] : recoveries_) t = std::min(t, task.deadline);
  return t;
}

std::string_view DataNode::deadline_name() const {
  const Time t = next_deadline();
  for (const auto& [block, f] : in_flight_) {
    if (f.deadline == t) return "downstream ack timeout";
  }
  for (const auto& [block, task] : recoveries_) {
    if (task.deadline == t) return "block recovery timeout";
  }
  return t == next_heartbeat_ ? "heartbeat" : "block report";
}

void DataNode::changed(BlockId block) {
  changed_.insert(block);
  deleted_.erase(block);
  if (observer_) observer_->replica_changed(config_.self, block);
}

void DataNode::end_batch(Time /*now*/) {
  if (changed_.empty() && deleted_.empty()) return;
  BlockReport report{.incarnation = config_.incarnation, .seq = ++report_seq_, .full = false};
  for (BlockId b : changed_) {
    if (const Replica* r = replica(b)) report.replicas.push_back(r->info(b));
  }
  report.deleted.assign(deleted_.begin(), deleted_.end());
  changed_.clear();
  deleted_.clear();
  send(config_.namenode, std::move(report));
}

void DataNode::full_report() {
  BlockReport report{.incarnation = config_.incarnation, .seq = ++report_seq_, .full = true};
  for (const auto& [b, r] : replicas_) report.replicas.push_back(r.info(b));
  send(config_.namenode, std::move(report));
}

// ---------------------------------------------------------------- disk effects

void DataNode::adopt_gs(GenStamp gs) {
  if (gs <= gs_max_) return;
  gs_max_ = gs;
  disk(DiskOp{.kind = DiskOp::Kind::watermark, .gs = gs});
}

void DataNode::write_meta(BlockId block, const Replica& r) {
  const std::uint64_t length = r.state == ReplicaState::finalized ? r.length : 0;
  disk(DiskOp{.kind = DiskOp::Kind::write_meta, .block = block, .meta = {r.gs, r.state, length}});
}

void DataNode::truncate(BlockId block, Replica& r, std::size_t chunks) {
  FAULTLINE_ASSERT(chunks <= r.chunks.size(), "a truncation keeps at most what is there");
  r.chunks.resize(chunks);
  r.length = chunks == 0 ? 0 : r.chunks.back().offset + r.chunks.back().length;
  r.acked = std::min(r.acked, r.length);
  disk(DiskOp{.kind = DiskOp::Kind::truncate, .block = block, .chunks = chunks});
}

void DataNode::remove(BlockId block) {
  FAULTLINE_ASSERT(replicas_.count(block) == 1, "only a replica held is removed");
  replicas_.erase(block);
  in_flight_.erase(block);
  disk(DiskOp{.kind = DiskOp::Kind::remove, .block = block});
  changed_.erase(block);
  deleted_.insert(block);
  if (observer_) observer_->replica_changed(config_.self, block);
}

// ---------------------------------------------------------------- the write pipeline

std::string_view DataNode::refuse(NodeId to, const WritePacket& m) {
  send(to, PacketAck{m.block, m.seq, false, config_.self, 0});
  return {};
}

// Stores the packet's data (or finalizes); false if it does not fit the replica.
bool DataNode::store_packet(BlockId block, Replica& r, const WritePacket& m) {
  if (m.finalize) {
    if (m.offset != r.length || r.state == ReplicaState::rwr) return false;
    if (r.state == ReplicaState::rbw) {
      r.state = ReplicaState::finalized;
      r.acked = r.length;
      write_meta(block, r);
      changed(block);
    }
    return true;
  }
  if (r.state != ReplicaState::rbw) return false;
  if (m.offset < r.length) {
    // A packet resent after a pipeline recovery: already here, or a tail never
    // acknowledged (the shortest survivor did not have it) to replace.
    auto at = std::find_if(r.chunks.begin(), r.chunks.end(),
                           [&](const Chunk& c) { return c.offset == m.offset; });
    if (at == r.chunks.end()) return false;
    if (at->length == m.data.size() && at->crc == sim::crc32c(m.data)) return true;
    if (m.offset < r.acked) return false;  // never rewrite what was acknowledged
    truncate(block, r, static_cast<std::size_t>(at - r.chunks.begin()));
    changed(block);
  }
  if (m.offset != r.length) return false;
  if (m.data.empty()) return true;  // pipeline setup: the replica exists now, nothing to store
  r.chunks.push_back(Chunk{m.offset, static_cast<std::uint32_t>(m.data.size()), sim::crc32c(m.data)});
  r.length += m.data.size();
  FAULTLINE_ASSERT(r.length == m.offset + m.data.size(), "a packet lands where it says");
  disk(DiskOp{.kind = DiskOp::Kind::append_chunk, .block = block, .offset = m.offset, .data = m.data});
  return true;
}

// §III.A: "the data is pushed to the first DataNode ... which stores it and forwards it
// to the second", acknowledgements flow back through the pipeline.
std::string_view DataNode::on_packet(Time now, NodeId from, const WritePacket& m) {
  Replica* r = find(m.block);
  if (r == nullptr) {
    if (m.offset != 0 || m.finalize) return refuse(from, m);
    // A recovery was told there is no copy here: the writer it shut out creates none.
    if (auto f = fences_.find(m.block); f != fences_.end() && m.gs < f->second) {
      return refuse(from, m);
    }
    r = &replicas_[m.block];
    r->gs = m.gs;
    adopt_gs(m.gs);
    disk(DiskOp{.kind = DiskOp::Kind::create, .block = m.block, .meta = {m.gs, ReplicaState::rbw, 0}});
    changed(m.block);
  } else if (r->recovery_gs != 0 || r->gs != m.gs) {
    return refuse(from, m);  // a recovery shut this writer out, or its stamp is old
  }
  if (!store_packet(m.block, *r, m)) return refuse(from, m);
  check_replica(*r);
  forward_or_ack(now, from, m, *r);
  return {};
}

void DataNode::forward_or_ack(Time now, NodeId from, const WritePacket& m, const Replica& r) {
  in_flight_.erase(m.block);  // a newer packet of the block supersedes any older one
  if (m.downstream.empty()) {
    // The last node: what it holds is held by the whole pipeline above it.
    Replica& last = *find(m.block);
    last.acked = r.length;
    last.readable = true;
    send(from, PacketAck{m.block, m.seq, true, kNoNode, r.length});
    return;
  }
  FAULTLINE_ASSERT(std::find(m.downstream.begin(), m.downstream.end(), config_.self) == m.downstream.end(),
                   "a pipeline passes each node once");
  WritePacket next = m;
  next.downstream.erase(next.downstream.begin());
  send(m.downstream.front(), next);
  InFlight f{m.seq, from, m.downstream.front(),
             now + config_.ack_timeout_ns * static_cast<Duration>(m.downstream.size()), false};
  if (config_.bugs.ack_first_replica && from == m.client) {
    // Planted bug: the client hears "done" before the rest of the pipeline has it.
    Replica& head = *find(m.block);
    head.acked = r.length;
    head.readable = true;
    send(from, PacketAck{m.block, m.seq, true, kNoNode, r.length});
    f.acked_upstream = true;
  }
  in_flight_[m.block] = f;
}

std::string_view DataNode::on_ack(NodeId from, const PacketAck& m) {
  auto it = in_flight_.find(m.block);
  if (it == in_flight_.end() || it->second.seq != m.seq || it->second.next != from) {
    return "no packet waits for this acknowledgement";
  }
  const InFlight f = it->second;
  in_flight_.erase(it);
  Replica* r = find(m.block);
  PacketAck up = m;
  if (r == nullptr) {
    up = PacketAck{m.block, m.seq, false, config_.self, 0};
  } else if (m.ok) {
    up.acked_length = std::min(m.acked_length, r->length);
    r->acked = std::max(r->acked, up.acked_length);
    r->readable = true;
    FAULTLINE_ASSERT(r->acked <= r->length, "a node acknowledges only what it holds");
  }
  if (!f.acked_upstream) send(f.upstream, up);
  return {};
}

// Pipeline setup for an append, and pipeline recovery (HDFS-265): adopt the new stamp —
// the nodes left out keep the old one and are stale from now on — and keep every byte
// the writer had acknowledged.
std::string_view DataNode::on_prepare(NodeId from, const PrepareReplica& m) {
  Replica* r = find(m.block);
  PrepareReply reply{.req = m.req};
  if (r == nullptr || r->recovery_gs != 0 || r->length < m.min_length) {
    send(from, reply);
    return {};
  }
  if (r->gs == m.gs && r->state == ReplicaState::rbw) {
    reply.ok = true;  // a repeated (or late) request: already done
  } else if (r->gs < m.gs || (config_.bugs.no_genstamp_bump && r->gs == m.gs)) {
    in_flight_.erase(m.block);  // the old pipeline's packet is dead
    r->gs = m.gs;
    r->state = ReplicaState::rbw;
    r->acked = m.min_length;
    r->readable = false;
    adopt_gs(m.gs);
    write_meta(m.block, *r);
    changed(m.block);
    reply.ok = true;
    FAULTLINE_ASSERT(r->gs == m.gs && r->acked <= r->length, "a prepared replica has the new stamp");
  }
  reply.length = r->length;
  send(from, reply);
  return {};
}

// ---------------------------------------------------------------- reads

std::string_view DataNode::on_read_request(NodeId from, const ReadBlock& m) {
  const Replica* r = replica(m.block);
  ReadReply reply{.req = m.req};
  if (r == nullptr || r->gs != m.gs || r->state == ReplicaState::rwr ||
      (r->state == ReplicaState::rbw && !r->readable)) {
    reply.status = ReadStatus::missing;
    send(from, std::move(reply));
    return {};
  }
  const std::uint64_t limit = r->state == ReplicaState::finalized ? r->length : r->acked;
  const std::uint64_t end = m.length == 0 ? limit : m.offset + m.length;
  if (end > limit || m.offset > end) {
    reply.status = ReadStatus::short_replica;
    send(from, std::move(reply));
    return {};
  }
  reply.gs = r->gs;
  if (m.offset == end) {
    send(from, std::move(reply));
    return {};
  }
  ReadJob job{.purpose = ReadJob::Purpose::serve, .block = m.block, .gs = r->gs, .to = from,
              .req = m.req, .offset = m.offset, .end = end};
  while (job.first_chunk + 1 < r->chunks.size() &&
         r->chunks[job.first_chunk].offset + r->chunks[job.first_chunk].length <= m.offset) {
    ++job.first_chunk;
  }
  job.end_chunk = job.first_chunk;
  while (job.end_chunk < r->chunks.size() && r->chunks[job.end_chunk].offset < end) ++job.end_chunk;
  effects_.reads.push_back(job);
  return {};
}

void DataNode::on_read(const ReadJob& job, const ReadResult& result) {
  const Replica* r = replica(job.block);
  bool fits = r != nullptr && r->gs == job.gs && job.end_chunk <= r->chunks.size();
  if (fits && result.ok) {
    fits = result.chunks.size() == job.end_chunk - job.first_chunk &&
           (job.purpose == ReadJob::Purpose::copy || !result.chunks.empty());
    for (std::size_t i = 0; fits && i < result.chunks.size(); ++i) {
      fits = result.chunks[i].offset == r->chunks[job.first_chunk + i].offset;
    }
  }
  fits = fits && result.present;
  if (fits && !result.ok) {
    // §II.B: a checksum failure is reported; the replica is not served.
    send(config_.namenode, BadBlock{job.block, job.gs});
    if (observer_) observer_->count(Sometimes::corrupt_reported);
  }
  if (job.purpose == ReadJob::Purpose::copy) {
    if (!fits || !result.ok) return;
    CopyBlock copy{job.block, job.gs, r->length, {}};
    for (const ChunkData& c : result.chunks) copy.chunks.push_back(c.data);
    send(job.to, std::move(copy));
    return;
  }
  ReadReply reply{.req = job.req, .status = ReadStatus::ok, .gs = job.gs};
  if (!fits) reply.status = ReadStatus::missing;  // changed while the read was queued
  else if (!result.ok) reply.status = ReadStatus::corrupt;
  if (reply.status == ReadStatus::ok) {
    std::string bytes;
    for (const ChunkData& c : result.chunks) bytes += c.data;
    const std::uint64_t start = job.offset - result.chunks.front().offset;
    reply.data = bytes.substr(start, job.end - job.offset);
    if (observer_) observer_->served(config_.self, job.block, job.offset, reply.data);
  }
  send(job.to, std::move(reply));
}

std::uint64_t DataNode::fingerprint() const {
  std::uint64_t h = mix(gs_max_, replicas_.size());
  for (const auto& [block, r] : replicas_) {
    h = mix(mix(mix(mix(h, block), r.gs), static_cast<std::uint64_t>(r.state)), r.acked);
    h = mix(h, r.recovery_gs);
    for (const Chunk& c : r.chunks) h = mix(mix(mix(h, c.offset), c.length), c.crc);
  }
  for (const auto& [block, f] : in_flight_) {
    h = mix(mix(mix(mix(h, block), f.seq), f.next), f.deadline);
  }
  for (const auto& [block, t] : recoveries_) {
    h = mix(mix(mix(mix(h, block), t.recovery_gs), t.updating), t.replies.size());
  }
  for (const auto& [block, gs] : fences_) h = mix(mix(h, block), gs);
  return h;
}

}  // namespace faultline::blockstore
