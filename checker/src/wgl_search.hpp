#pragma once
// Wing & Gong's linearizability search with Lowe's memoisation, over one part.
//
// The part's events (calls and returns) form a doubly linked list in history order. The
// search walks it from the head: at a call it tries to linearise that op now (the model
// step must be legal and the new configuration — linearised set, state — unseen); then it
// lifts the op's call and return out of the list and starts again from the head. Reaching
// a return means that op had to be linearised already: backtrack (undo the last op and
// try the entry after it). Ops with an unknown outcome have no return: they may be
// linearised anywhere after their call, or never; the search succeeds once every op with
// a known outcome is linearised. An empty stack at a return: not linearizable.
//
// The linearised set's hash is kept incrementally (Zobrist: one random word per op,
// xor-ed in and out), so a configuration costs O(1) to hash and one probe to look up.
// Kernels that support it also prune configurations in which some read can no longer see
// its value (read_unreachable).
#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checker_assert.hpp"
#include "config_cache.hpp"
#include "json_values.hpp"
#include "part_search.hpp"

namespace faultline::checker::detail {

struct Timeline {
  static constexpr std::uint8_t kReturn = 0;
  static constexpr std::uint8_t kCall = 1;
  static constexpr std::uint8_t kTail = 2;
  // Entries 1..E in history order; 0 is the head sentinel and E+1 the tail sentinel.
  std::vector<std::uint32_t> entry_op;
  std::vector<std::uint8_t> entry_is_call;  // kReturn, kCall or kTail
  std::vector<std::uint32_t> call_entry;    // per op
  std::vector<std::uint32_t> return_entry;  // per op; 0: no return (outcome unknown)
  std::vector<std::uint64_t> invoke_event;  // per op, for explanations
  std::vector<std::uint64_t> return_event;  // per op; kNeverCompleted when no return
  std::uint32_t op_count = 0;
  std::uint32_t required_count = 0;  // ops with a return: they must be linearised
  // Per op with an unknown outcome: the latest op invoked before it that is its exact twin
  // (also unknown, same effect in every state), or kNoTwin. Twins are interchangeable, so
  // the search places them in invocation order only (see set_twins).
  static constexpr std::uint32_t kNoTwin = 0xFFFFFFFFu;
  std::vector<std::uint32_t> twin_before;

  bool required(std::uint32_t op) const { return return_entry[op] != 0; }
};

// ops: history indices, in invocation order. An op needs a return entry unless its outcome
// is unknown (a kept failed op is an observation, so it has one).
Timeline make_timeline(const History& history, const std::vector<std::size_t>& ops);

// Fills twin_before from signature(op): equal signatures mark ops with the same effect in
// every state; nullopt: no twin. Sound because a linearisation that places an unknown op
// while an earlier-invoked twin is still unplaced can swap the two (the earlier one may go
// wherever the later one could, and neither has a return to meet).
template <class Signature>
void set_twins(Timeline& timeline, Signature signature);

struct RawOutcome {
  Verdict verdict = Verdict::unknown;
  std::string unknown_reason;
  std::uint64_t configurations = 0;
  std::vector<std::uint32_t> witness;               // ops, in linearisation order
  std::vector<std::vector<std::uint32_t>> longest;  // longest partial linearisations
};

template <class Signature>
void set_twins(Timeline& timeline, Signature signature) {
  timeline.twin_before.assign(timeline.op_count, Timeline::kNoTwin);
  using Key = typename decltype(signature(0))::value_type;
  std::map<Key, std::uint32_t> latest;  // an exact key: equal keys must mean equal effects
  // Ops are numbered in invocation order, so "latest so far" is the twin invoked before.
  for (std::uint32_t op = 0; op < timeline.op_count; ++op) {
    if (timeline.required(op)) continue;
    auto key = signature(op);
    if (!key) continue;
    auto [it, inserted] = latest.try_emplace(*key, op);
    if (!inserted) {
      timeline.twin_before[op] = it->second;
      it->second = op;
    }
  }
}

template <class Kernel>
class WglSearch {
 public:
  static constexpr std::size_t kLongestKept = 3;
  // Beyond this depth only the first longest partial linearisation is kept: recording
  // more would cost a copy of the stack each time.
  static constexpr std::size_t kAlternateDepthMax = 4096;
  // Kernels that can tell which ops reset the state and what appends can reach prune
  // configurations with an unreachable read (see read_unreachable).
  static constexpr bool kPrunesReads = requires(Kernel & k) {
    { k.resets(0u) } -> std::same_as<bool>;
    { k.reachable(std::uint64_t{0}, 0u) } -> std::same_as<bool>;
  };

  WglSearch(Kernel& kernel, const Timeline& timeline)
      : kernel_(kernel),
        timeline_(timeline),
        words_((timeline.op_count + 63) / 64),
        cache_(words_, 0) {}

  // Searches until finished, or until the limits pause it; resumable.
  PartProgress run(const SearchLimits& limits);
  RawOutcome& outcome() { return out_; }
  std::uint64_t configurations() const { return cache_.size(); }
  std::uint64_t memory_bytes() const {
    return cache_.memory_bytes() + kernel_.memory_bytes() +
           (4 * main_.next.capacity() + best_.capacity()) * sizeof(std::uint32_t) +
           stack_.capacity() * sizeof(Frame) + zobrist_.capacity() * sizeof(std::uint64_t);
  }

 private:
  struct Frame {
    std::uint32_t entry;
    bool forced;  // a read-only op linearised without alternatives (see force_preserving)
    std::uint64_t state;
  };
  // Where the walk stands; kept between slices.
  struct Position {
    std::uint32_t entry = 0;
    std::uint64_t state = 0;
    std::uint64_t bits_hash = 0;
    std::uint32_t remaining = 0;
    bool fresh = true;  // a configuration not yet looked at
    bool moved = true;  // its state differs from the configuration below it
  };
  enum class Forced : std::uint8_t { none, pushed, dead_end, starved };

  bool start();
  Forced force_preserving(Position& at);
  void push(Position& at, std::uint32_t entry, std::uint64_t after, std::uint64_t bits_hash,
            bool forced);
  bool backtrack(Position& at);
  static std::uint64_t config_hash(std::uint64_t bits_hash, std::uint64_t state) {
    return bits_hash ^ mix64(state + 0x2545F4914F6CDD1DULL);
  }
  void init_list();
  // Two lists share the return entries: `main` holds the other calls, `reads` the
  // read-only calls. A call is in one of them; a return in both.
  struct List {
    std::vector<std::uint32_t> next, prev;
    void unlink(std::uint32_t e) {
      next[prev[e]] = next[e];
      prev[next[e]] = prev[e];
    }
    void relink(std::uint32_t e) {
      next[prev[e]] = e;
      prev[next[e]] = e;
    }
  };
  List& list_of(std::uint32_t call) { return read_only_call_[call] ? reads_ : main_; }
  void lift(std::uint32_t call) {
    list_of(call).unlink(call);
    if (std::uint8_t role = prune_role_[call]) {
      if (role & kResets) resets_.unlink(call);
      if (role & kWatched) watched_.unlink(call);
    }
    if (std::uint32_t ret = timeline_.return_entry[timeline_.entry_op[call]]) {
      main_.unlink(ret);
      reads_.unlink(ret);
    }
  }
  void unlift(std::uint32_t call) {
    if (std::uint32_t ret = timeline_.return_entry[timeline_.entry_op[call]]) {
      reads_.relink(ret);
      main_.relink(ret);
    }
    list_of(call).relink(call);
    if (std::uint8_t role = prune_role_[call]) {
      if (role & kWatched) watched_.relink(call);
      if (role & kResets) resets_.relink(call);
    }
  }
  void flip(std::uint32_t op) { bits_[op >> 6] ^= std::uint64_t{1} << (op & 63); }
  bool placed(std::uint32_t op) const { return (bits_[op >> 6] >> (op & 63)) & 1; }
  std::optional<PartProgress> checkpoint(const SearchLimits& limits);
  void note_depth(std::uint32_t entry);
  bool read_unreachable(const Position& at) const;
  void finish_success();
  void finish_failure();

  Kernel& kernel_;
  const Timeline& timeline_;
  std::uint32_t words_;
  ConfigCache cache_;
  bool started_ = false;
  Position at_;
  RawOutcome out_;
  List main_, reads_;
  // For read_unreachable: calls that may reset the state, and read-only calls that have a
  // return, each list ending with the tail.
  List resets_, watched_;
  static constexpr std::uint8_t kResets = 1, kWatched = 2;
  std::vector<std::uint8_t> read_only_call_;  // per entry
  std::vector<std::uint8_t> prune_role_;      // per entry: kResets, kWatched or neither
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> zobrist_;
  std::vector<Frame> stack_;
  // The first longest prefix, sharing `shared_` leading entries with the stack.
  std::vector<std::uint32_t> best_;
  std::size_t best_depth_ = 0;
  std::size_t shared_ = 0;
  std::vector<std::vector<std::uint32_t>> alternates_;
};

template <class Kernel>
void WglSearch<Kernel>::init_list() {
  auto tail = static_cast<std::uint32_t>(timeline_.entry_op.size()) - 1;
  read_only_call_.assign(tail + 1, 0);
  prune_role_.assign(tail + 1, 0);
  for (List* list : {&main_, &reads_, &resets_, &watched_}) {
    list->next.assign(tail + 1, tail);
    list->prev.assign(tail + 1, 0);
  }
  std::uint32_t last_main = 0, last_reads = 0, last_resets = 0, last_watched = 0;
  for (std::uint32_t e = 1; e <= tail; ++e) {
    bool call = timeline_.entry_is_call[e] == Timeline::kCall;
    std::uint32_t op = timeline_.entry_op[e];
    bool reads = call && kernel_.read_only(op);
    read_only_call_[e] = reads;
    if constexpr (kPrunesReads) {
      bool resets = call && kernel_.resets(op);
      bool watched = reads && timeline_.return_entry[op] != 0;
      prune_role_[e] = (resets ? kResets : 0) | (watched ? kWatched : 0);
      if (resets || e == tail) {
        resets_.next[last_resets] = e;
        resets_.prev[e] = last_resets;
        last_resets = e;
      }
      if (watched || e == tail) {
        watched_.next[last_watched] = e;
        watched_.prev[e] = last_watched;
        last_watched = e;
      }
    }
    if (!reads) {  // returns, other calls and the tail
      main_.next[last_main] = e;
      main_.prev[e] = last_main;
      last_main = e;
    }
    if (!call || reads) {  // returns, read-only calls and the tail
      reads_.next[last_reads] = e;
      reads_.prev[e] = last_reads;
      last_reads = e;
    }
  }
  bits_.assign(words_, 0);
  zobrist_.resize(timeline_.op_count);
  std::uint64_t seed = 0x5EED5EED12345678ULL;
  for (auto& z : zobrist_) z = mix64(seed += 0x9E3779B97F4A7C15ULL);
  stack_.reserve(timeline_.op_count);
  best_.resize(timeline_.op_count);
}

// Returns false when there is nothing to search: no op has to be linearised.
template <class Kernel>
bool WglSearch<Kernel>::start() {
  started_ = true;
  init_list();
  at_.state = kernel_.initial_state();
  at_.remaining = timeline_.required_count;
  at_.entry = main_.next[0];
  at_.fresh = true;
  if (at_.remaining > 0) return true;
  finish_success();
  return false;
}

template <class Kernel>
PartProgress WglSearch<Kernel>::run(const SearchLimits& limits) {
  if (!started_ && !start()) return PartProgress::finished;
  cache_.set_memory_bytes_max(limits.memory_bytes_max);
  Position at = at_;  // in a local while the walk runs; back in at_ when it pauses
  auto pause = [&](PartProgress progress) {
    at_ = at;
    return progress;
  };
  for (std::uint64_t iteration = 1;; ++iteration) {
    if ((iteration & 1023) == 0) {
      if (auto stop = checkpoint(limits)) return pause(*stop);
    }
    if (at.fresh) {
      at.fresh = false;
      if (at.moved && read_unreachable(at)) {
        if (!backtrack(at)) {
          finish_failure();
          return PartProgress::finished;
        }
        continue;
      }
      Forced forced = force_preserving(at);
      if (forced == Forced::starved) {
        at.fresh = true;
        return pause(PartProgress::starved);
      }
      if (forced == Forced::dead_end && !backtrack(at)) {
        finish_failure();
        return PartProgress::finished;
      }
      if (forced == Forced::pushed) {
        if (at.remaining == 0) {
          finish_success();
          return PartProgress::finished;
        }
        if (cache_.size() >= limits.configurations_max) return pause(PartProgress::paused);
      }
      if (forced != Forced::none) continue;
      at.entry = main_.next[0];
    }
    std::uint32_t entry = at.entry;
    std::uint8_t kind = timeline_.entry_is_call[entry];
    CHECKER_ASSERT(kind != Timeline::kTail, "the search walked past every return");
    if (kind == Timeline::kReturn) {
      if (!backtrack(at)) {
        finish_failure();
        return PartProgress::finished;
      }
      continue;
    }
    std::uint32_t op = timeline_.entry_op[entry];
    std::uint64_t after = 0;
    at.entry = main_.next[entry];
    std::uint32_t twin = timeline_.twin_before[op];
    if (twin != Timeline::kNoTwin && !placed(twin)) continue;
    if (!kernel_.step(at.state, op, after)) continue;
    flip(op);
    std::uint64_t hash = at.bits_hash ^ zobrist_[op];
    auto inserted = cache_.insert(bits_.data(), after, config_hash(hash, after));
    if (inserted == ConfigCache::Insert::inserted) {
      push(at, entry, after, hash, false);
      if (at.remaining == 0) {
        finish_success();
        return PartProgress::finished;
      }
      if (cache_.size() >= limits.configurations_max) return pause(PartProgress::paused);
      continue;
    }
    flip(op);
    if (inserted == ConfigCache::Insert::out_of_memory) {
      at.entry = entry;
      return pause(PartProgress::starved);
    }
  }
}

// A read-only op (one that never changes the state when legal: a read, a failed cas seen as
// an observation) that is legal now can be moved to the front of any linearisation that
// works from here: it changes no state the others see, and it was invoked before any
// pending op returned. So it is linearised now without alternatives, and if that fails, so
// does this configuration — no sibling needs trying. (An op that merely happens to leave
// this state unchanged, like a write of the current value, may not be moved: at its later
// place it would have changed the state.)
template <class Kernel>
typename WglSearch<Kernel>::Forced WglSearch<Kernel>::force_preserving(Position& at) {
  for (std::uint32_t e = reads_.next[0]; timeline_.entry_is_call[e] == Timeline::kCall;
       e = reads_.next[e]) {
    std::uint32_t op = timeline_.entry_op[e];  // read-only: that is what this list holds
    std::uint64_t after = 0;
    if (!kernel_.step(at.state, op, after)) continue;
    CHECKER_ASSERT(after == at.state, "a read-only op changed the state");
    flip(op);
    std::uint64_t hash = at.bits_hash ^ zobrist_[op];
    auto inserted = cache_.insert(bits_.data(), after, config_hash(hash, after));
    if (inserted == ConfigCache::Insert::inserted) {
      push(at, e, after, hash, true);
      return Forced::pushed;
    }
    flip(op);
    // Present: that configuration was explored before and failed, so this one fails.
    return inserted == ConfigCache::Insert::present ? Forced::dead_end : Forced::starved;
  }
  return Forced::none;
}

// The op's bit is already set; hash includes it.
template <class Kernel>
void WglSearch<Kernel>::push(Position& at, std::uint32_t entry, std::uint64_t after,
                             std::uint64_t bits_hash, bool forced) {
  stack_.push_back(Frame{entry, forced, at.state});
  at.moved = after != at.state;
  at.state = after;
  at.bits_hash = bits_hash;
  lift(entry);
  note_depth(entry);
  if (timeline_.required(timeline_.entry_op[entry])) --at.remaining;
  at.fresh = true;
}

// Undoes the last op and moves on to the entry after it; a forced op's configuration has
// no alternatives, so its undo continues to the op below. False when nothing is left.
template <class Kernel>
bool WglSearch<Kernel>::backtrack(Position& at) {
  while (!stack_.empty()) {
    Frame top = stack_.back();
    stack_.pop_back();
    if (shared_ > stack_.size()) shared_ = stack_.size();
    std::uint32_t op = timeline_.entry_op[top.entry];
    unlift(top.entry);
    flip(op);
    at.bits_hash ^= zobrist_[op];
    at.state = top.state;
    if (timeline_.required(op)) ++at.remaining;
    if (!top.forced) {
      at.entry = main_.next[top.entry];  // a call not forced is in the main list
      at.fresh = false;
      return true;
    }
  }
  return false;
}

// Read reachability pruning. Take an unplaced read r that has a return, and suppose no
// unplaced op invoked before r returns may reset the state (a write, a cas that changes the
// value): then every op placed before r in any linearisation extending this configuration
// only appends or leaves the state alone, so r's value must be what appends can make of the
// current state. If the kernel says it cannot be, this configuration is a dead end, exactly
// as if the search had tried all its extensions. Checked where the state has just changed.
// The unplaced resets are a list in history order, so the first one bounds the reads to look
// at; the unplaced read-only calls that have a return are another, walked up to that bound.
template <class Kernel>
bool WglSearch<Kernel>::read_unreachable(const Position& at) const {
  if constexpr (!kPrunesReads) {
    return false;
  } else {
    std::uint32_t limit = resets_.next[0];
    for (std::uint32_t e = watched_.next[0]; e < limit; e = watched_.next[e]) {
      std::uint32_t op = timeline_.entry_op[e];
      if (timeline_.return_entry[op] < limit && !kernel_.reachable(at.state, op)) return true;
    }
    return false;
  }
}

template <class Kernel>
void WglSearch<Kernel>::note_depth(std::uint32_t entry) {
  std::size_t depth = stack_.size();
  if (depth > best_depth_) {
    for (std::size_t i = shared_; i + 1 < depth; ++i) best_[i] = stack_[i].entry;
    best_[depth - 1] = entry;
    best_depth_ = depth;
    shared_ = depth;
    alternates_.clear();
    return;
  }
  if (shared_ == depth - 1 && best_[depth - 1] == entry) {
    shared_ = depth;
    return;
  }
  if (depth == best_depth_ && alternates_.size() + 1 < kLongestKept &&
      depth <= kAlternateDepthMax) {
    std::vector<std::uint32_t> alternate;
    alternate.reserve(depth);
    for (std::size_t i = 0; i + 1 < depth; ++i) alternate.push_back(stack_[i].entry);
    alternate.push_back(entry);
    alternates_.push_back(std::move(alternate));
  }
}

template <class Kernel>
std::optional<PartProgress> WglSearch<Kernel>::checkpoint(const SearchLimits& limits) {
  if (memory_bytes() > limits.memory_bytes_max) return PartProgress::starved;
  if (limits.first_failed_part &&
      limits.first_failed_part->load(std::memory_order_relaxed) < limits.part_index) {
    out_.unknown_reason = "stopped: another part is not linearizable";
  } else if (limits.deadline && std::chrono::steady_clock::now() > *limits.deadline) {
    out_.unknown_reason = "the time budget ran out";
  } else {
    return std::nullopt;
  }
  out_.verdict = Verdict::unknown;
  out_.configurations = cache_.size();
  return PartProgress::finished;
}

template <class Kernel>
void WglSearch<Kernel>::finish_success() {
  out_.verdict = Verdict::linearizable;
  out_.configurations = cache_.size();
  out_.witness.reserve(stack_.size());
  for (const Frame& frame : stack_) out_.witness.push_back(timeline_.entry_op[frame.entry]);
}

template <class Kernel>
void WglSearch<Kernel>::finish_failure() {
  out_.verdict = Verdict::not_linearizable;
  out_.configurations = cache_.size();
  auto to_ops = [&](const std::vector<std::uint32_t>& entries, std::size_t depth) {
    std::vector<std::uint32_t> ops;
    ops.reserve(depth);
    for (std::size_t i = 0; i < depth; ++i) ops.push_back(timeline_.entry_op[entries[i]]);
    return ops;
  };
  out_.longest.push_back(to_ops(best_, best_depth_));
  for (const auto& alternate : alternates_) out_.longest.push_back(to_ops(alternate, best_depth_));
}

}  // namespace faultline::checker::detail
