#include "blockstore/bs_servers.hpp"

#include "protocols/codec.hpp"
#include "sim/assert.hpp"

namespace faultline::blockstore {
namespace {

// Syncs what `writes` holds and reads it back; a disk that refuses or lost it halts the
// node (it restarts from what the disk really holds).
void verify_or_halt(sim::Context& ctx, CheckedWrites& writes, BlockObserver* observer,
                    std::string_view when) {
  const std::string lost = writes.verify(ctx.disk());
  if (lost.empty()) return;
  if (observer) observer->count(Sometimes::disk_writes_lost);
  ctx.halt("the disk lost synced writes " + std::string(when) + " (" + lost + ")",
           protocols::NodeHost::kHaltRestartNs);
}

void sync_verified(sim::Context& ctx, CheckedWrites& writes, BlockObserver* observer,
                   std::string_view when) {
  if (writes.empty()) return;
  if (!ctx.disk().sync()) {
    ctx.halt("the disk refused writes " + std::string(when), protocols::NodeHost::kHaltRestartNs);
  }
  verify_or_halt(ctx, writes, observer, when);
}

}  // namespace

// ---------------------------------------------------------------- the metadata server

Namespace NameNodeServer::replay(sim::Context& ctx) {
  sim::DiskHandle& disk = ctx.disk();
  Namespace ns;
  const std::size_t stored = disk.log_size(kEditLog);
  for (std::size_t i = 0; i < stored; ++i) {
    const std::optional<std::string> record = read_record(disk, kEditLog, i);
    const std::optional<Edit> edit = record ? decode_edit(*record) : std::nullopt;
    if (!edit) {
      // A torn tail: the write was never synced, so nothing was ever sent after it.
      writes_.truncate(disk, std::string(kEditLog), i);
      break;
    }
    const std::optional<std::string> error = ns.apply(*edit);
    FAULTLINE_ASSERT(!error, "the metadata log replays: " + *error);
  }
  log_records_ = ns.edits;
  return ns;
}

void NameNodeServer::boot(sim::Context& ctx) {
  ctx_ = &ctx;
  writes_.clear();
  held_.clear();
  holding_ = false;
  random_.emplace(ctx);
  published_.clear();
  published_version_ = ~std::uint64_t{0};
  Namespace ns = replay(ctx);
  sync_verified(ctx, writes_, observer_, "at restart");
  node_.emplace(config_, std::move(ns), *random_, observer_);
  node_->start(ctx.now());
  if (ctx.incarnation() > 0 && observer_ != nullptr) observer_->count(Sometimes::namenode_restarts);
}

bool NameNodeServer::persist(sim::DiskHandle& disk) {
  NnEffects& fx = node_->effects();
  const bool wrote = !fx.edits.empty();
  for (const Edit& e : fx.edits) {
    writes_.append(disk, std::string(kEditLog), encode_edit(e), log_records_++);
  }
  fx.edits.clear();
  for (protocols::Outgoing& m : fx.messages) held_.push_back(std::move(m));
  fx.messages.clear();
  FAULTLINE_ASSERT(log_records_ == node_->ns().edits, "every edit applied is in the log");
  holding_ = wrote;
  if (wrote && observer_ != nullptr) observer_->sync_started(ctx_->self());
  return wrote;
}

void NameNodeServer::take_messages(std::vector<protocols::Outgoing>& out) {
  if (!holding_) out.swap(held_);
}

void NameNodeServer::persisted(sim::DiskHandle& /*disk*/, Time /*now*/) {
  if (!holding_) return;
  if (observer_ != nullptr) observer_->sync_finished(ctx_->self());
  verify_or_halt(*ctx_, writes_, observer_, "to the metadata log");  // the driver synced
  holding_ = false;
}

void NameNodeServer::durable_facts(protocols::DurableFacts& out) const {
  out.add("metadata log length", node_->ns().edits);
  out.add("next generation stamp", node_->ns().next_gs);
}

std::string NameNodeServer::datanode_name(NodeId node) const {
  for (std::size_t i = 0; i < config_.datanodes.size(); ++i) {
    if (config_.datanodes[i] == node) return "dn" + std::to_string(i);
  }
  return "n" + std::to_string(node);
}

// What the viewer draws: each data node live or dead as this server sees it, safe mode,
// and each block's state (only when it changes: the trace keeps every change).
void NameNodeServer::publish(sim::Context& ctx) {
  const NameNode& nn = *node_;
  if (published_version_ == nn.version()) return;  // nothing it shows has changed
  published_version_ = nn.version();
  auto put = [&](const std::string& key, std::string value) {
    auto it = published_.find(key);
    if (it != published_.end() && it->second == value) return;
    ctx.annotate(key, value);
    published_[key] = std::move(value);
  };
  put("safe_mode", nn.safe_mode() ? "on" : "off");
  for (NodeId d : config_.datanodes) put(datanode_name(d), nn.alive(d) ? "live" : "dead");
  int under = 0;
  for (const auto& [id, b] : nn.ns().blocks) {
    LocatedBlock lb = nn.locate(id);
    const bool short_of =
        b.complete && lb.locations.size() < static_cast<std::size_t>(config_.replication);
    under += short_of ? 1 : 0;
    ShownBlock& shown = shown_[id];
    if (shown.where.block == id && shown.gs == b.gs && shown.complete == b.complete &&
        shown.length == b.length && shown.where == lb) {
      continue;  // the text below would be the one published
    }
    std::string text = "gs=" + std::to_string(b.gs);
    if (!b.complete) {
      text += " under construction";
    } else {
      text += " len=" + std::to_string(b.length) + (short_of ? " under-replicated" : " complete");
    }
    text += " on";
    for (const Location& l : lb.locations) text += " " + datanode_name(l.node);
    put("blk" + std::to_string(id), std::move(text));
    shown = ShownBlock{b.gs, b.complete, b.length, std::move(lb)};
  }
  put("under_replicated", std::to_string(under));
}

// ---------------------------------------------------------------- a data node

void DataNodeServer::drop(sim::DiskHandle& disk, BlockId block) {
  CheckedSlot(meta_slot(block)).erase(disk, writes_);
  writes_.truncate(disk, chunk_log(block), 0);
}

std::optional<Replica> DataNodeServer::load_replica(sim::DiskHandle& disk, BlockId block,
                                                    Stored& stored) {
  const std::optional<std::string> body = stored.meta.load(disk);
  const std::optional<ReplicaMeta> meta = body ? decode_meta(*body) : std::nullopt;
  if (!meta) return std::nullopt;  // created, never synced: nothing was acknowledged
  Replica r;
  r.gs = meta->gs;
  r.state = meta->state;
  const std::string log = chunk_log(block);
  const std::size_t n = disk.log_size(log);
  for (std::size_t i = 0; i < n; ++i) {
    const std::optional<std::string> record = read_record(disk, log, i);
    const std::optional<ChunkData> c = record ? decode_chunk(*record) : std::nullopt;
    if (!c || c->offset != r.length || c->data.empty()) {
      writes_.truncate(disk, log, i);  // a torn tail
      break;
    }
    r.chunks.push_back(Chunk{c->offset, static_cast<std::uint32_t>(c->data.size()), sim::crc32c(c->data)});
    r.length += c->data.size();
  }
  stored.chunks = r.chunks.size();
  if (r.state == ReplicaState::finalized) {
    if (r.length != meta->length) return std::nullopt;  // not the block it claims to be
    r.acked = r.length;
  } else {
    r.state = ReplicaState::rwr;  // its writer's pipeline died with this node
  }
  return r;
}

DnRestored DataNodeServer::load(sim::Context& ctx) {
  sim::DiskHandle& disk = ctx.disk();
  DnRestored restored;
  std::vector<BlockId> index;
  if (const std::optional<std::string> body = index_.load(disk)) {
    index = decode_index(*body).value_or(std::vector<BlockId>{});
  }
  if (const std::optional<std::string> body = gs_slot_.load(disk)) {
    protocols::RecordReader r(*body);
    const GenStamp gs = r.u64();
    if (r.done()) restored.gs_max = gs;
  }
  bool dropped = false;
  for (BlockId b : index) {
    Stored s{CheckedSlot(meta_slot(b)), 0};
    std::optional<Replica> r = load_replica(disk, b, s);
    if (!r) {
      drop(disk, b);
      dropped = true;
      continue;
    }
    restored.gs_max = std::max(restored.gs_max, r->gs);
    restored.replicas.emplace(b, std::move(*r));
    stored_.emplace(b, std::move(s));
  }
  if (dropped) write_index(disk);
  return restored;
}

void DataNodeServer::boot(sim::Context& ctx) {
  ctx_ = &ctx;
  stored_.clear();
  writes_.clear();
  held_.clear();
  holding_ = false;
  DnRestored restored = load(ctx);
  sync_verified(ctx, writes_, observer_, "at restart");
  config_.incarnation = ctx.incarnation();
  node_.emplace(config_, std::move(restored), observer_);
  node_->start(ctx.now());
}

void DataNodeServer::write_index(sim::DiskHandle& disk) {
  std::vector<BlockId> ids;
  for (const auto& [b, s] : stored_) ids.push_back(b);
  index_.store(disk, writes_, encode_index(ids));
}

void DataNodeServer::apply(sim::DiskHandle& disk, const DiskOp& op) {
  const std::string log = chunk_log(op.block);
  switch (op.kind) {
    case DiskOp::Kind::create: {
      auto [it, fresh] = stored_.try_emplace(op.block, Stored{CheckedSlot(meta_slot(op.block)), 0});
      FAULTLINE_ASSERT(fresh, "a replica is created only where there is none");
      writes_.truncate(disk, log, 0);  // leftovers of an earlier copy that never made it
      it->second.meta.store(disk, writes_, encode_meta(op.meta));
      return;
    }
    case DiskOp::Kind::append_chunk: {
      Stored& s = stored_.at(op.block);
      writes_.append(disk, log, encode_chunk(op.offset, op.data), s.chunks++);
      return;
    }
    case DiskOp::Kind::truncate:
      stored_.at(op.block).chunks = op.chunks;
      writes_.truncate(disk, log, op.chunks);
      return;
    case DiskOp::Kind::write_meta:
      stored_.at(op.block).meta.store(disk, writes_, encode_meta(op.meta));
      return;
    case DiskOp::Kind::remove:
      stored_.at(op.block).meta.erase(disk, writes_);
      writes_.truncate(disk, log, 0);
      stored_.erase(op.block);
      return;
    case DiskOp::Kind::watermark:
      gs_slot_.store(disk, writes_, protocols::RecordWriter().u64(op.gs).seal());
      return;
  }
}

ReadResult DataNodeServer::read(sim::DiskHandle& disk, const ReadJob& job) {
  ReadResult result{.ok = true};
  const std::string log = chunk_log(job.block);
  if (disk.log_size(log) < job.end_chunk) return ReadResult{.present = false};  // lost writes
  for (std::size_t i = job.first_chunk; i < job.end_chunk; ++i) {
    const std::string record = disk.read(log, i);
    if (bugs_.skip_checksum) {
      // Planted bug: the bytes are believed without their checksum.
      result.chunks.push_back(decode_chunk_unchecked(record));
      continue;
    }
    std::optional<ChunkData> c = decode_chunk(record);
    if (!c) return ReadResult{.ok = false};
    result.chunks.push_back(std::move(*c));
  }
  return result;
}

bool DataNodeServer::persist(sim::DiskHandle& disk) {
  DnEffects& fx = node_->effects();
  bool wrote = false;
  bool only_data = true;
  bool index_changed = false;
  for (const DiskOp& op : fx.disk) {
    apply(disk, op);
    wrote = true;
    only_data = only_data && op.kind == DiskOp::Kind::append_chunk;
    index_changed = index_changed || op.kind == DiskOp::Kind::create || op.kind == DiskOp::Kind::remove;
  }
  fx.disk.clear();
  if (index_changed) write_index(disk);
  // Reads after this round's writes, so they see them (they serve only synced data).
  std::vector<ReadJob> jobs;
  jobs.swap(fx.reads);
  for (const ReadJob& job : jobs) node_->on_read(job, read(disk, job));
  for (protocols::Outgoing& m : fx.messages) held_.push_back(std::move(m));
  fx.messages.clear();
  if (wrote && only_data && bugs_.ack_before_sync) {
    holding_ = false;  // planted bug: acknowledged from memory; synced some time later
    return false;
  }
  holding_ = wrote;
  if (wrote && observer_ != nullptr) observer_->sync_started(ctx_->self());
  return wrote;
}

void DataNodeServer::take_messages(std::vector<protocols::Outgoing>& out) {
  if (!holding_) out.swap(held_);
}

void DataNodeServer::persisted(sim::DiskHandle& /*disk*/, Time /*now*/) {
  if (!holding_) return;
  if (observer_ != nullptr) observer_->sync_finished(ctx_->self());
  verify_or_halt(*ctx_, writes_, observer_, "to a replica");  // the driver synced
  holding_ = false;
}

void DataNodeServer::publish(sim::Context& ctx) {
  const std::size_t n = node_->replicas().size();
  if (n == published_replicas_) return;
  ctx.annotate("replicas", static_cast<std::int64_t>(n));
  published_replicas_ = n;
}

}  // namespace faultline::blockstore
