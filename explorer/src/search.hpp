#pragma once
// What the explorer's strategies share: moves and their dependence (for sleep sets and
// DPOR), the table of states seen, the budgets (states, time) and progress, and paths.
//
// Dependence (what partial-order reduction may not reorder). Two moves commute unless
//  - they change the same node's state (a delivery to it, its timer, its crash or restart),
//  - they act on the same message (its delivery, its drop, its duplication),
//  - both record client operations (the history's order is real-time order, which
//    linearizability reads), or
//  - both spend the same global budget (drops, duplicates, crashes, restarts): one may
//    leave the other disabled. Timer budgets are per node, so timers of different nodes
//    commute.
// A move's effect on the history is known once it has been performed; a move of another
// node does not change it (it depends only on its own node's state and message).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "explorer/explorer.hpp"

namespace faultline::explorer::detail {

struct Move {
  std::uint64_t key = 0;      // sim::explore_event_key: the event's identity
  std::uint64_t message = 0;  // the message's identity (message events), else 0
  sim::NodeId node = sim::kNoNode;  // the node whose state it changes, if any
  sim::ExploreKind kind = sim::ExploreKind::deliver;
  bool history = false;
};
Move make_move(const sim::ExploreEvent& e, bool history);
bool dependent(const Move& a, const Move& b);
bool contains(const std::vector<Move>& moves, std::uint64_t key);

// Fingerprints seen, each with the record of how it was first reached.
class StateTable {
 public:
  struct Record {
    std::uint64_t fp = 0;
    std::uint32_t parent = 0;  // record index (the root is its own parent)
    std::uint32_t choice = 0;  // index into the parent's enabled list
    std::uint32_t depth = 0;
  };
  StateTable();
  // The record index of `fp`, and whether it was new.
  std::pair<std::uint32_t, bool> insert(std::uint64_t fp, std::uint32_t parent,
                                        std::uint32_t choice, std::uint32_t depth);
  std::optional<std::uint32_t> find(std::uint64_t fp) const;
  const Record& record(std::uint32_t index) const { return records_[index]; }
  void set_depth(std::uint32_t index, std::uint32_t depth) { records_[index].depth = depth; }
  std::size_t size() const { return records_.size(); }
  std::uint64_t bytes() const;
  // The choices from the root to `index`.
  std::vector<std::uint32_t> path(std::uint32_t index) const;

 private:
  void grow();
  std::vector<std::uint64_t> keys_;   // 0: empty (a fingerprint 0 is stored as 1)
  std::vector<std::uint32_t> slots_;  // record index per key
  std::vector<Record> records_;
};

// A visited set of fingerprints with one 32-bit word per state, for searches that keep
// their paths on a stack (DFS): 12 bytes per slot, at most 70% full, so about 20-35 bytes
// per state against StateTable's 50-75 (which keeps parents for BFS's paths).
class FingerprintTable {
 public:
  FingerprintTable();
  // The slot of `fp`, and whether it was new (its word is 0 then). A slot's index holds
  // until the next insert.
  std::pair<std::size_t, bool> insert(std::uint64_t fp);
  std::uint32_t& word(std::size_t slot) {
    FAULTLINE_ASSERT(slot < keys_.size() && keys_[slot] != 0, "a slot insert() gave");
    return words_[slot];
  }
  std::size_t size() const { return size_; }

 private:
  void grow();
  std::vector<std::uint64_t> keys_;  // 0: empty (a fingerprint 0 is stored as 1)
  std::vector<std::uint32_t> words_;
  std::size_t size_ = 0;
};

// Wall-clock budget and progress on a terminal (never part of a verdict: a cut makes the
// result "not exhaustive").
class Pace {
 public:
  explicit Pace(const Options& options);
  // Why the search must stop now (--time-budget, --max-memory), if it must. Memory is read
  // at most every 50 ms; safe to call from several threads.
  std::optional<std::string> out_of_budget() const;
  void progress(std::uint64_t states, std::uint64_t queue, std::uint64_t depth);
  void done();
  double elapsed_s() const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
  double budget_s_;
  std::uint64_t memory_limit_bytes_;
  mutable std::atomic<std::int64_t> memory_checked_ns_{-1'000'000'000};  // the first call checks
  bool show_;
  Clock::time_point last_shown_;
  bool shown_ = false;
};

// What a strategy does with every new state.
class Visit {
 public:
  Visit(const Options& options, Result& result) : options_(options), result_(result) {}
  // Counts the state; true if its finding is a safety violation (the search stops).
  bool state(const protocols::ExploreWorld& world);
  // A state with nothing enabled: a liveness finding, if the world names one.
  std::optional<sim::Finding> terminal(const protocols::ExploreWorld& world);

 private:
  const Options& options_;
  Result& result_;
};

bool is_safety(const sim::Finding& f);

// The key of a state in a visited set: its fingerprint, or up to symmetry.
inline std::uint64_t state_key(const protocols::ExploreWorld& world, const Options& options) {
  return options.symmetry ? world.symmetric_fingerprint() : world.fingerprint();
}

// The path's steps with their texts and the finding, replayed from the root.
Counterexample make_path(const protocols::ExploreWorld& root, const std::vector<std::uint32_t>& choices,
                         const sim::Finding& finding);

std::uint64_t peak_memory_bytes();

Result run_bfs(const protocols::ExploreWorld& root, const Options& options);
Result run_dfs(const protocols::ExploreWorld& root, const Options& options);
Result run_dpor(const protocols::ExploreWorld& root, const Options& options);
Result run_walks(const protocols::ExploreWorld& root, const Options& options);

}  // namespace faultline::explorer::detail
