// Depth-first search with a visited set, and sleep sets (search.hpp).
//
// Sleep sets (Godefroid 1996, ch. 5): after exploring move t from state s, a move u
// explored from s before t, or asleep at s, that commutes with t is asleep at s.t — the
// state s.t.u is reached as s.u.t already. Sleep sets prune transitions, never states.
// With a visited set, a state reached again with a smaller sleep set than the one it
// was explored with must still explore the moves that were asleep then and are not now
// (Godefroid's "sleep sets with state caching"): each state keeps the sleep set it was
// explored with, which shrinks to the intersection at every visit.
//
// Shortest mode (Options::shortest; SPIN's -i, Holzmann 2003 ch. 9): the visited set
// keeps the depth each state was reached at. A violation at depth L does not stop the
// search: from then on only paths of at most L-1 steps are explored, and a state reached
// again by a shorter path than before is expanded again. Every state within the bound is
// so expanded at its shortest depth at least once, so when the search ends the last
// violation found is a shortest one.
#include <algorithm>

#include "search.hpp"

namespace faultline::explorer::detail {
namespace {

struct DfsFrame {
  std::unique_ptr<protocols::ExploreWorld> world;
  std::uint64_t key = 0;     // state_key() of the world
  std::uint32_t choice = 0;  // the choice that led here
  std::vector<Move> sleep;
  std::vector<std::uint32_t> todo;
  std::size_t next = 0;
  std::vector<Move> done;
};

class Dfs {
 public:
  Dfs(const protocols::ExploreWorld& root, const Options& options)
      : root_(root), options_(options), pace_(options), visit_(options, result_) {}
  Result run();

 private:
  void enter(std::unique_ptr<protocols::ExploreWorld> world, std::vector<Move> sleep,
             std::uint32_t choice);
  bool fresh_state(DfsFrame& f, std::size_t slot);
  bool shorter_path(DfsFrame& f, std::size_t slot);
  bool violation(const DfsFrame& f);
  std::uint64_t bound() const;
  bool revisit(DfsFrame& f, std::size_t slot);
  std::vector<std::uint32_t> path_to(std::uint32_t last) const;
  void step(DfsFrame& f);

  const protocols::ExploreWorld& root_;
  const Options& options_;
  Result result_;
  Pace pace_;
  Visit visit_;
  // The visited set. Its word per state: in shortest mode the depth it was reached at;
  // with sleep sets, where its sleep set is stored in sleeping_ (0: it had none).
  FingerprintTable table_;
  // Non-empty sleep sets, each as its count and its moves' keys; [0] is unused.
  std::vector<std::uint64_t> sleeping_{0};
  std::vector<std::uint64_t> awake_;  // revisit's scratch: the moves asleep then, awake now
  std::vector<std::uint64_t> scratch_;  // fresh_state's and revisit's: sleeping keys, sorted
  std::vector<DfsFrame> stack_;
  bool stop_ = false;
  std::uint64_t best_ = 0;  // shortest mode: the length of the best counterexample so far
};

// The longest path worth exploring (0: no bound).
std::uint64_t Dfs::bound() const {
  if (best_ == 0) return options_.max_depth;
  const std::uint64_t shorter = best_ - 1;  // only a strictly shorter violation helps
  return options_.max_depth == 0 ? shorter : std::min(shorter, options_.max_depth);
}

// The state's finding is a violation: it is the counterexample (shortest mode: the best
// one so far, and the search goes on for a shorter one).
bool Dfs::violation(const DfsFrame& f) {
  const std::vector<std::uint32_t> path = stack_.empty() ? std::vector<std::uint32_t>{} : path_to(f.choice);
  result_.counterexample = make_path(root_, path, *f.world->finding());
  if (options_.shortest) {
    best_ = path.size();
    // One step: only the initial state, checked first, could have been shorter.
    if (best_ <= 1) stop_ = true;
  } else {
    stop_ = true;
  }
  return false;
}

std::vector<std::uint32_t> Dfs::path_to(std::uint32_t last) const {
  std::vector<std::uint32_t> path;
  for (std::size_t i = 1; i < stack_.size(); ++i) path.push_back(stack_[i].choice);
  path.push_back(last);
  return path;
}

// A new state: count it, stop at a violation, and list what to explore from it.
bool Dfs::fresh_state(DfsFrame& f, std::size_t slot) {
  const protocols::ExploreWorld& w = *f.world;
  if (visit_.state(w)) return violation(f);
  const std::size_t n = w.enabled().size();
  if (n == 0) {
    if (auto finding = visit_.terminal(w)) {
      ++result_.stuck_states;
      if (!result_.stuck) result_.stuck = make_path(root_, stack_.empty() ? std::vector<std::uint32_t>{} : path_to(f.choice), *finding);
    }
    return false;
  }
  if (bound() > 0 && stack_.size() >= bound()) {
    if (best_ == 0) ++result_.depth_cut;  // not the cut below a counterexample's length
    return false;
  }
  f.todo.reserve(n);
  if (f.sleep.empty()) {
    for (std::uint32_t i = 0; i < n; ++i) f.todo.push_back(i);
  } else {
    // The sleeping keys sorted once, then one binary search per enabled event (a state
    // of a message-set world has dozens of each).
    std::vector<std::uint64_t>& asleep = scratch_;
    asleep.clear();
    for (const Move& u : f.sleep) asleep.push_back(u.key);
    std::sort(asleep.begin(), asleep.end());
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint64_t key = sim::explore_event_key(w.enabled()[i]);
      if (!std::binary_search(asleep.begin(), asleep.end(), key)) f.todo.push_back(i);
    }
  }
  result_.sleep_skipped += n - f.todo.size();
  if (!f.sleep.empty()) {
    FAULTLINE_ASSERT(sleeping_.size() < 0xffffffffu, "stored sleep sets fit 2^32 words");
    table_.word(slot) = static_cast<std::uint32_t>(sleeping_.size());
    sleeping_.push_back(f.sleep.size());
    for (const Move& u : f.sleep) sleeping_.push_back(u.key);
  }
  return true;
}

// Shortest mode, a state seen before: expanded again when this path to it is shorter
// (counted once; its finding, if any, is now on a shorter path).
bool Dfs::shorter_path(DfsFrame& f, std::size_t slot) {
  const std::uint64_t depth = stack_.size();
  if (table_.word(slot) <= depth) return false;
  table_.word(slot) = static_cast<std::uint32_t>(depth);
  const protocols::ExploreWorld& w = *f.world;
  if (w.finding() && is_safety(*w.finding())) return violation(f);
  const std::size_t n = w.enabled().size();
  if (n == 0) return false;
  if (bound() > 0 && depth >= bound()) return false;
  for (std::uint32_t i = 0; i < n; ++i) f.todo.push_back(i);
  return true;
}

// A state seen before: only the moves asleep then and awake now remain to explore.
bool Dfs::revisit(DfsFrame& f, std::size_t slot) {
  if (options_.reduction != Reduction::sleep) return false;
  const std::uint32_t at = table_.word(slot);
  if (at == 0) return false;  // it was explored with nothing asleep
  // The moves still asleep stay, in place (a subset fits where the set was).
  std::vector<std::uint64_t>& awake = awake_;
  awake.clear();
  std::vector<std::uint64_t>& asleep = scratch_;  // this path's sleep set, sorted
  asleep.clear();
  for (const Move& u : f.sleep) asleep.push_back(u.key);
  std::sort(asleep.begin(), asleep.end());
  const std::uint64_t count = sleeping_[at];
  std::uint64_t still = 0;
  for (std::uint64_t j = 0; j < count; ++j) {
    const std::uint64_t key = sleeping_[at + 1 + j];
    if (std::binary_search(asleep.begin(), asleep.end(), key)) sleeping_[at + 1 + still++] = key;
    else awake.push_back(key);
  }
  sleeping_[at] = still;
  if (still == 0) table_.word(slot) = 0;
  if (awake.empty()) return false;
  const auto& enabled = f.world->enabled();
  for (std::uint32_t i = 0; i < enabled.size(); ++i) {
    const std::uint64_t key = sim::explore_event_key(enabled[i]);
    if (std::find(awake.begin(), awake.end(), key) != awake.end()) f.todo.push_back(i);
  }
  return !f.todo.empty();
}

void Dfs::enter(std::unique_ptr<protocols::ExploreWorld> world, std::vector<Move> sleep,
                std::uint32_t choice) {
  DfsFrame f;
  f.world = std::move(world);
  f.sleep = std::move(sleep);
  f.choice = choice;
  const std::uint64_t fp = state_key(*f.world, options_);
  f.key = fp;
  // The longest path explored, terminal states included (BFS: the longest shortest path).
  result_.depth = std::max<std::uint64_t>(result_.depth, stack_.size());
  const auto [slot, fresh] = table_.insert(fp);
  if (fresh && options_.shortest) table_.word(slot) = static_cast<std::uint32_t>(stack_.size());
  const bool expand = fresh ? fresh_state(f, slot) : options_.shortest ? shorter_path(f, slot) : revisit(f, slot);
  if (!expand) return;
  stack_.push_back(std::move(f));
  result_.peak_frontier = std::max<std::uint64_t>(result_.peak_frontier, stack_.size());
}

void Dfs::step(DfsFrame& f) {
  const std::uint32_t i = f.todo[f.next++];
  std::unique_ptr<protocols::ExploreWorld> child = f.world->clone();
  const protocols::ExploreWorld::Effect effect = child->perform(i);
  ++result_.transitions;
  const Move m = make_move(f.world->enabled()[i], effect.history);
  if (f.done.empty()) f.done.reserve(f.todo.size());
  // A step back to the state it left (a delivery a message set keeps, that its receiver
  // ignores): every path on from there is one from the state itself, which this frame
  // explores already. Entering it again would only wake the moves its sleep set holds.
  if (state_key(*child, options_) == f.key) {
    f.done.push_back(m);
    return;
  }
  std::vector<Move> sleep;
  if (options_.reduction == Reduction::sleep) {
    sleep.reserve(f.sleep.size() + f.done.size());
    for (const Move& u : f.sleep) {
      if (!dependent(u, m)) sleep.push_back(u);
    }
    for (const Move& u : f.done) {
      if (!dependent(u, m)) sleep.push_back(u);
    }
  }
  f.done.push_back(m);
  enter(std::move(child), std::move(sleep), i);
}

Result Dfs::run() {
  enter(root_.clone(), {}, 0);
  while (!stop_ && !stack_.empty()) {
    DfsFrame& f = stack_.back();
    if (f.next == f.todo.size()) {
      stack_.pop_back();
      continue;
    }
    step(f);
    if ((result_.transitions & 1023) == 0) {
      pace_.progress(result_.states, stack_.size(), stack_.size());
      if (const auto why = pace_.out_of_budget()) {
        result_.stop_reason = *why;
        stop_ = true;
      }
    }
    if (options_.max_states > 0 && result_.states >= options_.max_states && !stop_) {
      result_.stop_reason = "--max-states " + std::to_string(options_.max_states) + " reached";
      stop_ = true;
    }
  }
  pace_.done();
  result_.exhaustive = result_.stop_reason.empty() && !result_.counterexample;
  // Shortest mode ran to its end: no path within the bound was left out.
  result_.shortest = result_.counterexample && options_.shortest && result_.stop_reason.empty();
  // A depth-bounded DFS with a visited set may cut a state that a shorter path reaches
  // later, so with cuts it claims nothing (bfs gives "every state within depth d").
  result_.complete = result_.exhaustive && result_.depth_cut == 0;
  if (result_.depth_cut > 0) result_.exhaustive = false;
  result_.elapsed_s = pace_.elapsed_s();
  result_.memory_bytes = peak_memory_bytes();
  return std::move(result_);
}

}  // namespace

Result run_dfs(const protocols::ExploreWorld& root, const Options& options) {
  return Dfs(root, options).run();
}

}  // namespace faultline::explorer::detail
