// The metadata server's periodic work: liveness of data nodes (§II.B: a node not heard
// from within the timeout is dead and its replicas do not count), safe mode after a
// restart (§II.A), replication management (§III.D: under-replicated blocks are copied,
// surplus, stale and corrupt replicas deleted) and lease recovery (§III.A).
#include <algorithm>

#include "blockstore/bs_namenode.hpp"
#include "sim/assert.hpp"

namespace faultline::blockstore {

void NameNode::update_liveness(Time now) {
  for (auto& [id, d] : datanodes_) {
    if (d.alive && now - d.last_heartbeat > config_.dead_timeout_ns) {
      d.alive = false;
      ++version_;
      if (observer_) observer_->count(Sometimes::datanodes_declared_dead);
    }
  }
}

// Safe mode ends once every complete block has a current replica reported, or at the
// latest after safe_mode_max (a block whose nodes are all down must not hold the
// cluster hostage).
void NameNode::maybe_leave_safe_mode(Time now) {
  bool all_reported = true;
  for (const auto& [id, b] : ns_.blocks) {
    if (!b.complete) continue;
    auto it = replicas_.find(id);
    const bool reported = it != replicas_.end() &&
                          std::any_of(it->second.begin(), it->second.end(),
                                      [&](const Replica& r) { return current(b, r); });
    if (!reported) {
      all_reported = false;
      break;
    }
  }
  if (all_reported || now >= safe_until_) {
    safe_mode_ = false;
    ++version_;
  }
}

void NameNode::monitor_replication(Time now) {
  std::erase_if(replicating_, [now](const auto& p) { return now >= p.second.until; });
  int budget = config_.replications_per_round;
  for (const auto& [id, b] : ns_.blocks) check_block(now, b, budget);
}

namespace {

// A replica that can never become current: an older stamp (it missed writes), or a
// newer one on a block already complete (a pipeline setup that was never committed).
bool obsolete(const BlockMeta& b, const NameNode::Replica& r, bool stale_ok) {
  if (r.gs < b.gs) return !stale_ok;
  return r.gs > b.gs && b.complete;
}

}  // namespace

void NameNode::check_block(Time now, const BlockMeta& b, int& budget) {
  auto it = replicas_.find(b.id);
  std::vector<Replica> list = it == replicas_.end() ? std::vector<Replica>{} : it->second;
  int live = 0;
  int counted = 0;
  for (const Replica& r : list) {
    if (!current(b, r)) continue;
    if (alive(r.node)) ++live;
    // Planted bug count-dead-replicas: a dead node's replicas still count.
    if (alive(r.node) || config_.bugs.count_dead_replicas) ++counted;
  }
  FAULTLINE_ASSERT(live <= counted, "every live copy counts");
  // Stale copies go once the block has its replicas at the current stamp: until then a
  // stale copy may be the only one left of bytes acknowledged before it went stale.
  if (live >= config_.replication) {
    for (const Replica& r : list) {
      if (obsolete(b, r, config_.bugs.serve_stale_replica)) {
        invalidate(b.id, r.node, r.gs, Sometimes::stale_invalidated);
      }
    }
  }
  if (!b.complete) return;
  if (counted < config_.replication && budget > 0 && replicating_.count(b.id) == 0 &&
      schedule_copy(now, b)) {
    --budget;
  }
  if (live > config_.replication) {
    // Surplus: delete the live copy on the highest-numbered node (deterministic).
    for (auto r = list.rbegin(); r != list.rend(); ++r) {
      if (alive(r->node) && current(b, *r)) {
        invalidate(b.id, r->node, r->gs, Sometimes::surplus_invalidated);
        break;
      }
    }
  }
  if (live >= config_.replication) drop_bad_replicas(b, live);
}

// Corrupt copies, and copies at the block's stamp that are not the finalized block (a
// node restarted before it finalized), are deleted only once enough good copies exist.
void NameNode::drop_bad_replicas(const BlockMeta& b, int live) {
  FAULTLINE_ASSERT(live >= config_.replication, "bad copies go only when enough good ones exist");
  auto it = replicas_.find(b.id);
  if (it == replicas_.end()) return;
  const std::vector<Replica> list = it->second;
  for (const Replica& r : list) {
    if (r.gs == b.gs && !current(b, r)) {
      invalidate(b.id, r.node, r.gs, Sometimes::stale_invalidated);
    }
  }
}

bool NameNode::schedule_copy(Time now, const BlockMeta& b) {
  FAULTLINE_ASSERT(b.complete, "only complete blocks are re-replicated");
  std::vector<NodeId> sources;
  std::vector<NodeId> fallback;  // reported corrupt, yet perhaps only by a bad read
  std::vector<NodeId> holders;
  auto it = replicas_.find(b.id);
  if (it != replicas_.end()) {
    for (const Replica& r : it->second) {
      // A node with a stale, corrupt or unfinished copy may take the new one: the copy
      // replaces it.
      if (current(b, r) || r.gs > b.gs) holders.push_back(r.node);
      if (!alive(r.node)) continue;
      if (current(b, r)) sources.push_back(r.node);
      else if (r.corrupt && r.gs == b.gs && r.state == ReplicaState::finalized &&
               r.length == b.length)
        fallback.push_back(r.node);
    }
  }
  if (sources.empty()) sources = fallback;
  if (sources.empty()) return false;
  const NodeId source = sources[random_.below(sources.size())];
  std::vector<NodeId> targets;
  for (const auto& [id, d] : datanodes_) {
    if (d.alive && id != source && std::find(holders.begin(), holders.end(), id) == holders.end() &&
        deleting_.count({b.id, id}) == 0) {
      targets.push_back(id);
    }
  }
  if (targets.empty()) return false;
  const NodeId target = targets[random_.below(targets.size())];
  FAULTLINE_ASSERT(source != target && alive(target), "a copy goes from a holder to a live other node");
  send(source, ReplicateBlock{b.id, b.gs, b.length, target});
  replicating_[b.id] = Pending{target, now + config_.replication_timeout_ns};
  ++version_;
  return true;
}

// ---------------------------------------------------------------- leases

void NameNode::monitor_leases(Time now) {
  // Planted bug lease-not-recovered: expired leases are never looked at.
  if (config_.bugs.lease_not_recovered) return;
  std::vector<std::string> expired;
  for (const auto& [name, f] : ns_.files) {
    if (f.open && lease_expired(now, f.holder)) expired.push_back(name);
  }
  for (const std::string& name : expired) recover_lease(now, name);
}

// §III.A: the writer is gone. A file whose last block is complete (or that has none) is
// closed at once; otherwise a data node holding the block recovers it first (the
// primary, RecoverBlock) under a new stamp that shuts the old writer out.
void NameNode::recover_lease(Time now, const std::string& file) {
  FAULTLINE_ASSERT(ns_.files.at(file).open, "only an open file has a lease to recover");
  const BlockId last = ns_.last_block(file);
  if (last == kNoBlock || ns_.blocks.at(last).complete) {
    close_file(file);
    if (observer_) observer_->count(Sometimes::lease_recoveries);
    return;
  }
  auto rec = recovering_.find(last);
  if (rec != recovering_.end() && now < rec->second.started + config_.recovery_retry_ns) return;
  const BlockMeta& b = ns_.blocks.at(last);
  std::vector<NodeId> nodes = b.expected;
  if (auto it = replicas_.find(last); it != replicas_.end()) {
    for (const Replica& r : it->second) {
      if (r.gs >= b.gs) nodes.push_back(r.node);
    }
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  std::vector<NodeId> up;
  for (NodeId n : nodes) {
    if (alive(n)) up.push_back(n);
  }
  if (up.empty()) return;  // nobody to recover it from now: later
  const GenStamp recovery_gs = ns_.next_gs;
  FAULTLINE_ASSERT(recovery_gs > b.gs, "a recovery stamp shuts out every earlier writer");
  log(Edit{.op = EditOp::reserve_gs, .gs = recovery_gs});
  recovering_[last] = Recovery{recovery_gs, now};
  send(up[random_.below(up.size())], RecoverBlock{last, b.gs, recovery_gs, nodes, b.expected});
}

std::uint64_t NameNode::fingerprint() const {
  std::uint64_t h = mix(ns_.fingerprint(), safe_mode_);
  for (const auto& [block, list] : replicas_) {
    h = mix(h, block);
    for (const Replica& r : list) {
      h = mix(mix(mix(mix(mix(h, r.node), r.gs), r.length), static_cast<std::uint64_t>(r.state)),
              r.corrupt);
    }
  }
  for (const auto& [id, d] : datanodes_) h = mix(mix(mix(h, id), d.alive), d.last_heartbeat);
  for (const auto& [holder, t] : leases_) {
    h = mix(mix(mix(mix(h, holder.client), holder.incarnation), holder.session), t);
  }
  for (const auto& [block, r] : recovering_) h = mix(mix(mix(h, block), r.recovery_gs), r.started);
  for (const auto& [block, p] : replicating_) h = mix(mix(mix(h, block), p.target), p.until);
  for (const auto& [block, node] : deleting_) h = mix(mix(h, block), node);
  return h;
}

}  // namespace faultline::blockstore
