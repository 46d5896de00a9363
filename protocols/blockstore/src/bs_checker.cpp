#include "blockstore/bs_checker.hpp"

#include <algorithm>

#include "blockstore/bs_servers.hpp"
#include "blockstore/bs_storage.hpp"

namespace faultline::blockstore {

std::string_view property_name(Property p) {
  static constexpr std::string_view kNames[kProperties] = {
      "acknowledged data is on every current replica", "acknowledged data survives",
      "replicas served are intact", "reads return acknowledged bytes",
      "the metadata server lists no stale replica"};
  return kNames[static_cast<int>(p)];
}

std::string_view sometimes_name(Sometimes s) {
  static constexpr std::string_view kNames[kSometimes] = {
      "appends_ok",          "appends_info",       "appends_fail",
      "reads_ok",            "reads_fail",         "range_reads",
      "appends_reopened",    "pipeline_recoveries", "blocks_reallocated",
      "re_replications",     "lease_recoveries",   "corrupt_reported",
      "stale_invalidated",   "surplus_invalidated", "datanodes_declared_dead",
      "namenode_restarts",   "disk_writes_lost",   "node_losses"};
  return kNames[static_cast<int>(s)];
}

BlockChecker::BlockChecker(const sim::Simulation& sim, NodeId namenode, std::vector<NodeId> datanodes)
    : sim_(sim), namenode_(namenode), datanodes_(std::move(datanodes)),
      unsynced_(datanodes_.size(), 0), incarnation_(datanodes_.size(), 0),
      wipes_(datanodes_.size(), 0), lost_(datanodes_.size(), false) {}

std::size_t BlockChecker::index_of(NodeId datanode) const {
  auto it = std::find(datanodes_.begin(), datanodes_.end(), datanode);
  FAULTLINE_ASSERT(it != datanodes_.end(), "a replica lives on a data node");
  return static_cast<std::size_t>(it - datanodes_.begin());
}

void BlockChecker::report(Property p, std::string text) {
  std::optional<std::string>& slot = violations_[static_cast<int>(p)];
  if (!slot) slot = std::move(text);
}

void BlockChecker::count(Sometimes what) {
  ++counts_[static_cast<int>(what)];
  if (what == Sometimes::appends_ok || what == Sometimes::reads_ok) last_ok_ns_ = sim_.now();
  if (what == Sometimes::re_replications) {
    FAULTLINE_ASSERT(copies_ns_.empty() || copies_ns_.back() <= sim_.now(),
                     "copies are recorded in time order (copies_since searches them)");
    copies_ns_.push_back(sim_.now());
  }
}

bool BlockChecker::lost(NodeId node) const { return lost_[index_of(node)]; }

void BlockChecker::sync_finished(NodeId node) {
  auto it = syncing_since_.find(node);
  if (it == syncing_since_.end()) return;
  if (sim_.now() - it->second > 100 * sim::kMillisecond) stalls_.push_back({node, it->second, sim_.now()});
  syncing_since_.erase(it);
}

std::string BlockChecker::stalled_past(sim::Time heal_ns, sim::Duration slack_ns) const {
  for (const auto& [node, since] : syncing_since_) {
    if (since < heal_ns && sim_.is_up(node) && sim_.now() > heal_ns + slack_ns) {
      return name(node) + "'s disk sync begun at " + sim::format_time(since) + " has not finished";
    }
  }
  for (const Stall& s : stalls_) {
    if (s.from < heal_ns && s.to > heal_ns + slack_ns) {
      return name(s.node) + "'s disk sync begun at " + sim::format_time(s.from) +
             " finished only at " + sim::format_time(s.to);
    }
  }
  return {};
}

// ---------------------------------------------------------------- acknowledged data

void BlockChecker::acked(BlockId block, GenStamp gs, std::uint64_t offset, std::string_view piece,
                         NodeId first) {
  Acked& a = acked_[block];
  holders_[block].resize(datanodes_.size(), Holding::none);
  const std::uint64_t end = offset + piece.size();
  if (a.ref_known && a.ref.size() < offset) {
    // Bytes below this piece that no acknowledgement showed (an earlier writer's, or a
    // reopened block's): take them from the node that acknowledged.
    const std::optional<StoredReplica> r = peek_replica(sim_.disk(first).current(), block);
    const std::string bytes = r ? r->bytes() : std::string();
    if (bytes.size() >= offset) a.ref += bytes.substr(a.ref.size(), offset - a.ref.size());
    else a.ref_known = false;
  }
  if (a.ref_known && a.ref.size() >= end) {
    if (a.ref.compare(offset, piece.size(), piece) != 0) {
      report(Property::reads_match, "block " + std::to_string(block) + ": bytes at " +
                                        std::to_string(offset) + " acknowledged twice, differently");
    }
  } else if (a.ref_known && a.ref.size() == offset) {
    a.ref += piece;
  } else {
    a.ref_known = false;
  }
  a.length = std::max(a.length, end);
  a.gs = std::max(a.gs, gs);
  for (std::size_t i = 0; i < datanodes_.size(); ++i) dirty_.insert({block, i});
}

void BlockChecker::replica_changed(NodeId node, BlockId block) {
  if (acked_.count(block) > 0) dirty_.insert({block, index_of(node)});
}

void BlockChecker::node_lost(NodeId node) {
  const std::size_t i = index_of(node);
  lost_[i] = true;
  for (const auto& [block, a] : acked_) dirty_.insert({block, i});
}

bool BlockChecker::can_lose(NodeId node) const {
  const std::size_t victim = index_of(node);
  for (const auto& [block, holding] : holders_) {
    // Another node holds the acknowledged bytes ...
    bool elsewhere = false;
    for (std::size_t i = 0; i < holding.size(); ++i) {
      elsewhere = elsewhere || (i != victim && !lost_[i] && holding[i] != Holding::none);
    }
    if (!elsewhere) return false;
    // ... and a replica at the newest stamp on any disk (the one the metadata server
    // counts on: copies at older stamps are stale to it, however complete they are).
    GenStamp newest = 0;
    bool newest_elsewhere = false;
    for (std::size_t i = 0; i < datanodes_.size(); ++i) {
      if (lost_[i]) continue;
      const std::optional<StoredReplica> r = peek_replica(sim_.disk(datanodes_[i]).current(), block);
      if (!r) continue;
      if (r->meta.gs > newest) newest_elsewhere = false;
      if (r->meta.gs >= newest) newest_elsewhere = newest_elsewhere || i != victim;
      newest = std::max(newest, r->meta.gs);
    }
    if (!newest_elsewhere) return false;
  }
  return true;
}

namespace {

// Whether `r` holds `a`'s acknowledged bytes: their stamp or newer, long enough, and
// the same bytes (when they are known).
template <class A>
bool holds(const std::optional<StoredReplica>& r, const A& a) {
  if (!r || r->meta.gs < a.gs || r->length < a.length) return false;
  return !a.ref_known || r->bytes().compare(0, a.length, a.ref) == 0;
}

}  // namespace

void BlockChecker::check_pair(BlockId block, std::size_t dn) {
  const Acked& a = acked_.at(block);
  const sim::Disk& disk = sim_.disk(datanodes_[dn]);
  const std::optional<StoredReplica> now = peek_replica(disk.current(), block);
  if (now && now->meta.gs == a.gs && now->length < a.length) {
    report(Property::on_every_current_replica,
           name(datanodes_[dn]) + " holds block " + std::to_string(block) + " at its acknowledged "
           "generation stamp " + std::to_string(a.gs) + " with " + std::to_string(now->length) +
               " bytes, but " + std::to_string(a.length) + " were acknowledged");
  }
  Holding h = Holding::none;
  if (holds(now, a)) h = holds(peek_replica(disk.durable(), block), a) ? Holding::on_disk : Holding::in_memory;
  holders_[block][dn] = h;
}

void BlockChecker::check_survives(BlockId block) {
  const Acked& a = acked_.at(block);
  const std::vector<Holding>& all = holders_.at(block);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] != Holding::none && !lost_[i]) return;
  }
  report(Property::survives, "no disk holds the " + std::to_string(a.length) +
                                 " acknowledged bytes of block " + std::to_string(block) +
                                 " (acknowledged at generation stamp " + std::to_string(a.gs) + ")");
}

void BlockChecker::refresh() {
  // A node's unsynced writes were lost (a crash, lose_unsynced) or synced, or it
  // restarted: what it held only in memory is judged again. Its disk was wiped (a
  // scenario's disk wipe: a replaced disk, or with a crash a node lost): everything it
  // held is judged again.
  for (std::size_t i = 0; i < datanodes_.size(); ++i) {
    const sim::Disk& disk = sim_.disk(datanodes_[i]);
    const std::size_t unsynced = disk.unsynced();
    const std::uint64_t incarnation = sim_.incarnation(datanodes_[i]);
    const bool wiped = disk.wipes() != wipes_[i];
    if (wiped || unsynced < unsynced_[i] || incarnation != incarnation_[i]) {
      for (const auto& [block, holding] : holders_) {
        if (wiped || holding[i] == Holding::in_memory) dirty_.insert({block, i});
      }
    }
    unsynced_[i] = unsynced;
    incarnation_[i] = incarnation;
    wipes_[i] = disk.wipes();
  }
  // A node that crashed in the middle of a sync never finishes it.
  std::erase_if(syncing_since_, [this](const auto& e) { return !sim_.is_up(e.first); });
  for (const auto& [block, dn] : dirty_) check_pair(block, dn);
  BlockId last = kNoBlock;
  for (const auto& [block, dn] : dirty_) {
    if (block != last) check_survives(block);  // once all of its pairs are up to date
    last = block;
  }
  dirty_.clear();
  check_listing();
}

// ---------------------------------------------------------------- reads

void BlockChecker::served(NodeId node, BlockId block, std::uint64_t offset, std::string_view bytes) {
  const std::optional<StoredReplica> r = peek_replica(sim_.disk(node).current(), block);
  if (!r || offset + bytes.size() > r->length) return;  // not on disk: other checks judge that
  if (r->bytes().compare(offset, bytes.size(), bytes) != 0) {
    report(Property::served_intact,
           name(node) + " served bytes " + std::to_string(offset) + ".." +
               std::to_string(offset + bytes.size()) + " of block " + std::to_string(block) +
               " that differ from what its disk holds: '" + std::string(bytes) + "' for '" +
               r->bytes().substr(offset, bytes.size()) + "'");
  }
}

void BlockChecker::read_bytes(NodeId client, BlockId block, std::uint64_t offset,
                              std::string_view bytes) {
  auto it = acked_.find(block);
  if (it == acked_.end() || !it->second.ref_known) return;
  const std::string& ref = it->second.ref;
  if (offset >= ref.size()) return;
  const std::size_t n = std::min<std::size_t>(bytes.size(), ref.size() - offset);
  if (ref.compare(offset, n, bytes.substr(0, n)) != 0) {
    report(Property::reads_match,
           name(client) + " read '" + std::string(bytes.substr(0, n)) + "' at " +
               std::to_string(offset) + " of block " + std::to_string(block) +
               " where '" + ref.substr(offset, n) + "' was acknowledged");
  }
}

// ---------------------------------------------------------------- the metadata server

void BlockChecker::check_listing() {
  const auto* server = dynamic_cast<const NameNodeServer*>(sim_.actor(namenode_));
  const NameNode* nn = server ? server->node() : nullptr;
  if (nn == nullptr) return;
  if (nn->version() == nn_version_ && sim_.incarnation(namenode_) == nn_incarnation_) return;
  nn_version_ = nn->version();
  nn_incarnation_ = sim_.incarnation(namenode_);
  for (const auto& [block, list] : nn->replicas()) {
    auto b = nn->ns().blocks.find(block);
    if (b == nn->ns().blocks.end() || !b->second.complete) continue;
    for (const NameNode::Replica& r : list) {
      if (!nn->alive(r.node) || !nn->current(b->second, r)) continue;  // not listed
      if (r.gs == b->second.gs && r.length == b->second.length) continue;
      report(Property::lists_no_stale,
             "the metadata server lists " + name(r.node) + "'s replica of block " +
                 std::to_string(block) + " (generation stamp " + std::to_string(r.gs) + ", " +
                 std::to_string(r.length) + " bytes) for the block at stamp " +
                 std::to_string(b->second.gs) + " with " + std::to_string(b->second.length) + " bytes");
    }
  }
}

}  // namespace faultline::blockstore
