#pragma once
// The block store's safety properties, checked as the run goes over the omniscient
// view: every node's disk, the metadata server's state, and what the nodes report as
// they act (BlockObserver). The checks are incremental — a block's replicas are looked
// at again only when something that could change them happened (an acknowledgement, a
// replica rewritten, a node's unsynced writes lost, a restart, a node lost, a disk
// wiped) — so a check after every event stays cheap.
//
//  acknowledged data is on every current replica
//      A replica on any disk at the stamp a block's data was acknowledged at holds all
//      acknowledged bytes (the pipeline acknowledges only what all its nodes synced;
//      a node dropped from a pipeline keeps the older stamp). Judged on what survives:
//      a node's disk as it is, which after a crash or lost unsynced writes is what was
//      synced.
//  acknowledged data survives
//      Some node's disk holds every block's acknowledged bytes under a stamp at least
//      the acknowledged one. Node losses are kept within the budget (can_lose() refuses a
//      node that holds the last copy), so only the protocol can break this: deleting or
//      truncating the copies it should keep.
//  replicas served are intact
//      What a data node served equals what its disk holds (no bit flipped by a read).
//  reads return acknowledged bytes
//      Every byte a client read below a block's acknowledged length is the byte that was
//      acknowledged there.
//  the metadata server lists no stale replica
//      Every replica the metadata server would list for a complete block has the
//      block's generation stamp and length.
//
// Observation only: it never changes what a node does.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "blockstore/bs_observer.hpp"
#include "sim/simulation.hpp"

namespace faultline::blockstore {

enum class Property : std::uint8_t {
  on_every_current_replica,
  survives,
  served_intact,
  reads_match,
  lists_no_stale,
};
inline constexpr int kProperties = 5;
std::string_view property_name(Property p);

class BlockChecker final : public BlockObserver {
 public:
  BlockChecker(const sim::Simulation& sim, NodeId namenode, std::vector<NodeId> datanodes);

  void count(Sometimes what) override;
  void acked(BlockId block, GenStamp gs, std::uint64_t offset, std::string_view piece,
             NodeId first) override;
  void block_completed(BlockId block) override { completed_ns_[block] = sim_.now(); }
  void replica_changed(NodeId node, BlockId block) override;
  void sync_started(NodeId node) override { syncing_since_[node] = sim_.now(); }
  void sync_finished(NodeId node) override;
  void served(NodeId node, BlockId block, std::uint64_t offset, std::string_view bytes) override;
  void read_bytes(NodeId client, BlockId block, std::uint64_t offset,
                  std::string_view bytes) override;

  // The environment lost `node` for good, its disk with it.
  void node_lost(NodeId node);
  bool lost(NodeId node) const;
  // True if every block's acknowledged data has a copy on some other node not lost.
  bool can_lose(NodeId node) const;

  // Brings the incremental checks up to the current event; the first invariant of each
  // event calls it.
  void refresh();
  const std::optional<std::string>& violation(Property p) const {
    return violations_[static_cast<int>(p)];
  }

  std::uint64_t count_of(Sometimes s) const { return counts_[static_cast<int>(s)]; }
  sim::Time last_ok_ns() const { return last_ok_ns_; }  // an operation completed ok
  // Re-replications completed at or after `t` (the server's copies, as it counted them).
  std::uint64_t copies_since(sim::Time t) const {
    return static_cast<std::uint64_t>(
        copies_ns_.end() - std::lower_bound(copies_ns_.begin(), copies_ns_.end(), t));
  }
  std::size_t blocks_acknowledged() const { return acked_.size(); }
  // A server whose disk sync, begun before `heal_ns`, still ran `slack_ns` after it
  // (slow-disk windows multiply when they overlap): which and how long, else "".
  std::string stalled_past(sim::Time heal_ns, sim::Duration slack_ns) const;
  // When the metadata server last completed `block` (-1: never seen).
  sim::Time completed_ns(BlockId block) const {
    auto it = completed_ns_.find(block);
    return it == completed_ns_.end() ? -1 : it->second;
  }

 private:
  struct Acked {
    std::uint64_t length = 0;
    GenStamp gs = 0;
    std::string ref;        // the acknowledged bytes [0, length), when known
    bool ref_known = true;  // false: some bytes below `length` were never seen
  };
  enum Holding : std::uint8_t { none = 0, in_memory = 1, on_disk = 2 };

  std::size_t index_of(NodeId datanode) const;
  void check_pair(BlockId block, std::size_t dn);
  void check_survives(BlockId block);
  void check_listing();
  void report(Property p, std::string text);
  std::string name(NodeId id) const { return sim_.node_name(id); }

  const sim::Simulation& sim_;
  NodeId namenode_;
  std::vector<NodeId> datanodes_;
  std::map<BlockId, Acked> acked_;
  std::map<BlockId, std::vector<Holding>> holders_;  // per data node index
  std::map<BlockId, sim::Time> completed_ns_;
  std::vector<sim::Time> copies_ns_;  // when each re-replication completed, in order
  std::map<NodeId, sim::Time> syncing_since_;  // a sync in progress, since
  struct Stall {
    NodeId node = kNoNode;
    sim::Time from = 0;
    sim::Time to = 0;
  };
  std::vector<Stall> stalls_;  // finished syncs that took over 100 ms
  std::set<std::pair<BlockId, std::size_t>> dirty_;
  std::vector<std::size_t> unsynced_;        // per data node: unsynced writes last seen
  std::vector<std::uint64_t> incarnation_;   // per data node: last seen
  std::vector<std::uint64_t> wipes_;         // per data node: disk wipes last seen
  std::vector<bool> lost_;
  std::uint64_t nn_version_ = ~std::uint64_t{0};
  std::uint64_t nn_incarnation_ = ~std::uint64_t{0};
  std::array<std::optional<std::string>, kProperties> violations_;
  std::array<std::uint64_t, kSometimes> counts_{};
  sim::Time last_ok_ns_ = -1;
};

}  // namespace faultline::blockstore
