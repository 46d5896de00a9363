#pragma once
// Quorums, counted once, correctly: by distinct voters of a configuration, never by
// replies (a duplicated reply is the same voter), and for joint configurations by a
// majority of each.
//
//   Quorum q({0, 1, 2, 3, 4});      // a majority of five: three
//   VoteSet votes;
//   votes.add(1); votes.add(1);     // the same voter twice counts once
//   q.reached(votes);               // false until three distinct voters of q voted
//
// Invariants: a configuration is a sorted list of distinct voters; a VoteSet holds
// distinct ids; reached() counts only voters that belong to the configuration.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <vector>

#include "sim/types.hpp"

namespace faultline::protocols {

// The smallest majority of n voters.
constexpr std::size_t majority(std::size_t n) { return n / 2 + 1; }

class VoteSet {
 public:
  // True if `voter` is new.
  bool add(sim::NodeId voter);
  bool contains(sim::NodeId voter) const;
  std::size_t size() const { return count_; }
  void clear();

 private:
  std::vector<std::uint64_t> bits_;
  std::size_t count_ = 0;
};

class Quorum {
 public:
  Quorum() = default;
  explicit Quorum(std::vector<sim::NodeId> voters);  // sorted and deduplicated here
  const std::vector<sim::NodeId>& voters() const { return voters_; }
  bool contains(sim::NodeId id) const;
  std::size_t size() const { return majority(voters_.size()); }  // votes needed
  bool reached(const VoteSet& votes) const;
  // The largest value v such that a quorum of voters has value >= v (e.g. the highest
  // log index a majority has matched). `value_of` maps a voter to its value.
  template <class F>
  std::uint64_t quorum_min(F&& value_of) const;

 private:
  std::vector<sim::NodeId> voters_;
};

// A joint configuration (Raft's C_old,new): a decision needs a majority of both.
class JointQuorum {
 public:
  JointQuorum(Quorum old_config, Quorum new_config)
      : old_(std::move(old_config)), new_(std::move(new_config)) {}
  bool reached(const VoteSet& votes) const { return old_.reached(votes) && new_.reached(votes); }
  template <class F>
  std::uint64_t quorum_min(F&& value_of) const {
    const std::uint64_t a = old_.quorum_min(value_of);
    const std::uint64_t b = new_.quorum_min(value_of);
    return a < b ? a : b;
  }

 private:
  Quorum old_;
  Quorum new_;
};

template <class F>
std::uint64_t Quorum::quorum_min(F&& value_of) const {
  if (voters_.empty()) return 0;
  // The size()-th largest value is held by a quorum. Configurations are small: the
  // values live on the stack (this runs on a leader's every acknowledgement).
  constexpr std::size_t kInline = 64;
  std::uint64_t inline_values[kInline];
  std::vector<std::uint64_t> heap_values;
  std::uint64_t* values = inline_values;
  if (voters_.size() > kInline) {
    heap_values.resize(voters_.size());
    values = heap_values.data();
  }
  for (std::size_t i = 0; i < voters_.size(); ++i) values[i] = value_of(voters_[i]);
  const std::size_t count = voters_.size();
  if (count <= 16) {
    // A handful of voters: an insertion sort, largest first, beats nth_element's set-up.
    for (std::size_t i = 1; i < count; ++i) {
      const std::uint64_t v = values[i];
      std::size_t j = i;
      for (; j > 0 && values[j - 1] < v; --j) values[j] = values[j - 1];
      values[j] = v;
    }
    return values[size() - 1];
  }
  std::uint64_t* nth = values + (size() - 1);
  std::nth_element(values, nth, values + count, std::greater<>());
  return *nth;
}

}  // namespace faultline::protocols
