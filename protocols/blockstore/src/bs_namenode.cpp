#include "blockstore/bs_namenode.hpp"

#include <algorithm>

#include "sim/assert.hpp"

namespace faultline::blockstore {

NameNode::NameNode(NameNodeConfig config, Namespace restored, BsRandom& random,
                   BlockObserver* observer)
    : config_(std::move(config)), ns_(std::move(restored)), random_(random), observer_(observer) {
  FAULTLINE_ASSERT(config_.replication >= 1, "a block is stored at least once");
  FAULTLINE_ASSERT(ns_.check().empty(), "the replayed metadata log gives a consistent namespace");
  for (NodeId d : config_.datanodes) datanodes_[d] = DatanodeInfo{};
}

void NameNode::start(Time now) {
  now_ = now;
  safe_mode_ = true;
  safe_until_ = now + config_.safe_mode_max_ns;
  // §III.A: a restarted server cannot know when leases were last renewed: it renews all.
  for (const auto& [name, f] : ns_.files) {
    if (f.open) leases_[f.holder] = now;
  }
  next_monitor_ = now + config_.monitor_interval_ns;
  ++version_;
}

std::string_view NameNode::step(Time now, const sim::Envelope& e) {
  now_ = now;
  if (const auto* m = e.get<Heartbeat>()) return on_heartbeat(now, e.from, *m);
  if (const auto* m = e.get<BlockReport>()) return on_report(now, e.from, *m);
  if (const auto* m = e.get<GetLocations>()) return on_locations(e.from, *m);
  if (const auto* m = e.get<RenewLease>()) {
    if (leases_.count(m->holder) == 0) return "no lease to renew";
    renew(now, m->holder);
    return {};
  }
  if (const auto* m = e.get<ReleaseLease>()) {
    auto it = ns_.files.find(m->file);
    if (safe_mode_ || it == ns_.files.end() || !it->second.open || it->second.holder != m->holder) {
      return "not the holder of an open file";
    }
    recover_lease(now, m->file);
    return {};
  }
  if (const auto* m = e.get<OpenFile>()) return on_open(now, e.from, *m);
  if (const auto* m = e.get<AddBlock>()) return on_add_block(now, e.from, *m);
  if (const auto* m = e.get<NewGenStamp>()) return on_new_gen_stamp(now, e.from, *m);
  if (const auto* m = e.get<UpdatePipeline>()) return on_update_pipeline(now, e.from, *m);
  if (const auto* m = e.get<AbandonBlock>()) return on_abandon(now, e.from, *m);
  if (const auto* m = e.get<CompleteFile>()) return on_complete(now, e.from, *m);
  if (const auto* m = e.get<BadBlock>()) return on_bad_block(e.from, *m);
  if (const auto* m = e.get<CommitBlockSync>()) return on_commit_sync(e.from, *m);
  return "not a metadata request";
}

void NameNode::tick(Time now) {
  now_ = now;
  if (now < next_monitor_) return;
  next_monitor_ = now + config_.monitor_interval_ns;
  update_liveness(now);
  if (safe_mode_) maybe_leave_safe_mode(now);
  if (safe_mode_) return;
  monitor_replication(now);
  monitor_leases(now);
}

void NameNode::log(Edit e) {
  const std::optional<std::string> error = ns_.apply(e);
  FAULTLINE_ASSERT(!error, "the metadata server logs only edits that fit its namespace: " + *error);
  effects_.edits.push_back(std::move(e));
  ++version_;
}

// ---------------------------------------------------------------- replicas

bool NameNode::alive(NodeId datanode) const {
  auto it = datanodes_.find(datanode);
  return it != datanodes_.end() && it->second.alive;
}

bool NameNode::current(const BlockMeta& b, const Replica& r) const {
  if (r.corrupt) return false;
  // Planted bug serve-stale-replica: an older stamp passes, and such a replica's own
  // length is believed.
  const bool stale_ok = config_.bugs.serve_stale_replica && r.gs < b.gs;
  if (r.gs != b.gs && !stale_ok) return false;
  if (!b.complete) return true;
  return r.state == ReplicaState::finalized && (stale_ok || r.length == b.length);
}

NameNode::Replica* NameNode::find(BlockId block, NodeId node) {
  auto it = replicas_.find(block);
  if (it == replicas_.end()) return nullptr;
  for (Replica& r : it->second) {
    if (r.node == node) return &r;
  }
  return nullptr;
}

void NameNode::forget(NodeId node, BlockId block) {
  auto it = replicas_.find(block);
  if (it == replicas_.end()) return;
  std::erase_if(it->second, [node](const Replica& r) { return r.node == node; });
  if (it->second.empty()) replicas_.erase(it);
  ++version_;
}

// One replica as a node reported it (§II.B block reports).
void NameNode::record(NodeId node, const ReplicaInfo& info) {
  auto bit = ns_.blocks.find(info.block);
  if (bit == ns_.blocks.end()) {
    // Abandoned, or the node's copy of a block the namespace never kept.
    if (!safe_mode_) send(node, InvalidateBlock{info.block, info.gs});
    return;
  }
  if (deleting_.count({info.block, node}) > 0) {
    send(node, InvalidateBlock{info.block, info.gs});  // the order was lost: again
    return;
  }
  Replica* r = find(info.block, node);
  if (r == nullptr) {
    std::vector<Replica>& list = replicas_[info.block];
    auto at = std::find_if(list.begin(), list.end(), [node](const Replica& x) { return x.node > node; });
    r = &*list.insert(at, Replica{.node = node});
    FAULTLINE_ASSERT(std::is_sorted(list.begin(), list.end(),
                                    [](const Replica& a, const Replica& b) { return a.node < b.node; }),
                     "a block's replica list is sorted by node, one entry per node");
  }
  auto pending = replicating_.find(info.block);
  const bool copied_here = pending != replicating_.end() && pending->second.target == node;
  // A new version, or the copy ordered here (it rewrote the replica): not corrupt.
  if (r->gs != info.gs || r->length != info.length || copied_here) r->corrupt = false;
  r->gs = info.gs;
  r->length = info.length;
  r->state = info.state;
  if (copied_here && current(bit->second, *r)) {
    replicating_.erase(pending);
    if (observer_) observer_->count(Sometimes::re_replications);
  }
  ++version_;
}

void NameNode::invalidate(BlockId block, NodeId node, GenStamp gs, Sometimes why) {
  FAULTLINE_ASSERT(datanodes_.count(node) > 0, "only a data node holds replicas");
  send(node, InvalidateBlock{block, gs});
  forget(node, block);
  FAULTLINE_ASSERT(find(block, node) == nullptr, "a replica ordered deleted is no longer counted");
  deleting_.insert({block, node});
  if (observer_) observer_->count(why);
}

// The writer told us which nodes now hold `block` at `gs` (pipeline update, recovery).
void NameNode::restamp(BlockId block, GenStamp gs, const std::vector<NodeId>& nodes,
                       std::uint64_t length, ReplicaState state) {
  FAULTLINE_ASSERT(!nodes.empty(), "a block is restamped on at least one node");
  FAULTLINE_ASSERT(gs >= ns_.blocks.at(block).gs, "the nodes hold the block's stamp");
  for (NodeId n : nodes) {
    deleting_.erase({block, n});  // it holds the block at the new stamp now
    record(n, ReplicaInfo{block, gs, length, state});
  }
}

LocatedBlock NameNode::locate(BlockId block) const {
  const BlockMeta& b = ns_.blocks.at(block);
  LocatedBlock lb{block, b.complete, {}};
  if (!b.complete) {
    // A block being written is read from the head of its pipeline only, up to what the
    // head has had acknowledged: one node decides what readers see, so a byte once read
    // is read by every later reader (the nodes of a pipeline learn of acknowledgements
    // at different times). What the head acknowledged is on every node of the pipeline.
    if (!b.expected.empty() && alive(b.expected.front())) {
      lb.locations.push_back(Location{b.expected.front(), b.gs, 0});
    }
    return lb;
  }
  auto it = replicas_.find(block);
  if (it == replicas_.end()) return lb;
  lb.locations.reserve(it->second.size());  // one allocation, not one per doubling
  for (const Replica& r : it->second) {
    if (alive(r.node) && current(b, r)) lb.locations.push_back(Location{r.node, r.gs, r.length});
  }
  FAULTLINE_ASSERT(lb.locations.size() <= it->second.size(), "a location names a replica the map holds");
  if (!lb.locations.empty()) return lb;
  // No clean replica: one a checksum failure was reported on may still read (a read
  // that flipped a bit does not damage the disk), and each read checks again.
  for (const Replica& r : it->second) {
    if (alive(r.node) && r.corrupt && r.gs == b.gs && r.state == ReplicaState::finalized &&
        r.length == b.length) {
      lb.locations.push_back(Location{r.node, r.gs, r.length});
    }
  }
  return lb;
}

// ---------------------------------------------------------------- leases

void NameNode::renew(Time now, const Holder& holder) { leases_[holder] = now; }

bool NameNode::lease_expired(Time now, const Holder& holder) const {
  auto it = leases_.find(holder);
  return it == leases_.end() || now - it->second > config_.lease_timeout_ns;
}

// §III.A: only the lease holder writes a file; a request of a holder whose file is
// being recovered is too late.
NnStatus NameNode::lease_status(Time now, const std::string& file, const Holder& holder) {
  auto it = ns_.files.find(file);
  if (it == ns_.files.end()) return NnStatus::no_file;
  if (!it->second.open || it->second.holder != holder) return NnStatus::no_lease;
  const BlockId last = ns_.last_block(file);
  if (last != kNoBlock && recovering_.count(last) > 0) return NnStatus::no_lease;
  renew(now, holder);
  return NnStatus::ok;
}

void NameNode::close_file(const std::string& file) {
  const Holder holder = ns_.files.at(file).holder;
  log(Edit{.op = EditOp::close, .file = file});
  const bool holds_more = std::any_of(ns_.files.begin(), ns_.files.end(), [&](const auto& f) {
    return f.second.open && f.second.holder == holder;
  });
  if (!holds_more) leases_.erase(holder);
}

}  // namespace faultline::blockstore
