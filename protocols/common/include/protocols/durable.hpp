#pragma once
// Durable state that must never go backwards across a crash and restart: Raft's term and
// vote, a Paxos acceptor's promise and accepted ballot, a 2PC participant's prepared or
// decided state, a block's generation stamp.
//
// A protocol declares its facts (a name and a tuple of numbers compared
// lexicographically). The node driver reports them to the ledger at two moments:
//   promised  right before the node sends anything: the node has synced, and what it
//             sends may depend on these values, so it may never forget them;
//   restored  right after a restart loaded the node from its disk.
// A restored fact below the highest promised one is a violation: the node forgot what it
// had told the world (e.g. a term change never written to disk). Values a node held only
// in memory and never acted on may legally go back, and are not promised. A node whose
// disk was replaced (wiped) since it last started owes nothing at its restart: the disk
// holds nothing of what it promised, or only part of it (a wipe under a running node),
// and a data node that comes back empty has not forgotten anything it kept.
//
// The ledger is observation only: it never changes what a node does.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/types.hpp"

namespace faultline::sim {
class Simulation;
}

namespace faultline::protocols {

struct DurableFact {
  std::string_view name;               // static text: "term", "vote", "promised ballot"
  std::array<std::uint64_t, 3> value;  // compared lexicographically
};

// A node's facts at one moment; reused between reports (no allocation once warm).
class DurableFacts {
 public:
  void clear() { facts_.clear(); }
  void add(std::string_view name, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    facts_.push_back(DurableFact{name, {a, b, c}});
  }
  const std::vector<DurableFact>& all() const { return facts_; }

 private:
  std::vector<DurableFact> facts_;
};

class DurableLedger {
 public:
  void promised(sim::NodeId node, const DurableFacts& facts);
  void restored(sim::NodeId node, std::string_view name, sim::Time now,
                const DurableFacts& facts);
  // The simulation whose disks the ledger watches for wipes (watch_durable_state sets it;
  // without one, as in a pure model, no disk is ever replaced).
  void watch_disks(const sim::Simulation* sim) { sim_ = sim; }
  // The first regression seen, as a sentence; for the invariant.
  const std::optional<std::string>& violation() const { return violation_; }

 private:
  struct Entry {
    std::string_view name;
    std::array<std::uint64_t, 3> value;
  };
  // Makes room for `node`; at a restart (`restart`), forgets its promises when its disk
  // was wiped since it last started.
  void on_disk(sim::NodeId node, bool restart);
  const sim::Simulation* sim_ = nullptr;
  std::vector<std::vector<Entry>> highest_;  // per node: the highest promised value per fact
  std::vector<std::uint64_t> disk_;          // per node: its disk's wipe count at its last start
  std::optional<std::string> violation_;
};

// Registers the ledger's check as a simulator invariant named "durable state never goes
// back" (the name planted bugs list in `finds`), judged after every event. The ledger
// must outlive the run.
void watch_durable_state(sim::Simulation& sim, DurableLedger& ledger);

}  // namespace faultline::protocols
