#pragma once
// The network model: per-link latency distributions, loss, duplication, reordering,
// bandwidth, and partitions (symmetric or one-way, any grouping), each switched on and
// off as time windows by the fault timeline. Every decision that could go either way is
// a choice (choice.hpp); this header holds the model's data and its pure parts.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/types.hpp"

namespace faultline::sim {

// A latency distribution. Samples are drawn as a quantile step q in [0, kSteps) chosen
// by the choice source, so the quiet choice 0 is the shortest delay and a shrinker that
// lowers q shortens the delay.
struct Latency {
  enum class Shape : std::uint8_t { constant, uniform, exponential };
  static constexpr std::uint32_t kSteps = 1024;

  Shape shape = Shape::constant;
  Duration min_ns = kMillisecond;
  Duration max_ns = kMillisecond;  // uniform: upper end; exponential: the tail's cap
  Duration mean_ns = 0;            // exponential: mean of the part above min_ns

  static Latency constant(Duration d) { return {Shape::constant, d, d, 0}; }
  static Latency uniform(Duration lo, Duration hi) { return {Shape::uniform, lo, hi, 0}; }
  // min + Exp(mean), cut at max: most messages fast, a long tail of slow ones.
  static Latency exponential(Duration lo, Duration mean, Duration cap) {
    return {Shape::exponential, lo, cap, mean};
  }

  bool varies() const { return shape != Shape::constant && max_ns > min_ns; }
  Duration sample(std::uint32_t q) const;  // q in [0, kSteps)
  std::string describe() const;
};

// Everything about one direction of a link.
struct LinkProfile {
  Latency latency;
  Ratio drop{0, 1};
  Ratio duplicate{0, 1};
  Ratio reorder{0, 1};             // hold a message back by up to reorder_delay_max_ns
  Duration reorder_delay_max_ns = 0;
  std::uint64_t bandwidth_bytes_per_sec = 0;  // 0: unlimited

  bool quiet() const {
    return drop.never() && duplicate.never() && reorder.never() && !latency.varies();
  }
};

// A set of nodes, as a bitmap over node ids.
class NodeSet {
 public:
  NodeSet() = default;
  static NodeSet of(std::initializer_list<NodeId> ids);
  static NodeSet of(const std::vector<NodeId>& ids);
  void insert(NodeId id);
  bool contains(NodeId id) const {
    const std::size_t word = id / 64;
    return word < bits_.size() && ((bits_[word] >> (id % 64)) & 1) != 0;
  }
  bool empty() const;
  std::vector<NodeId> members() const;
  std::size_t count() const;

 private:
  std::vector<std::uint64_t> bits_;
};

// A partition: nodes in different groups cannot reach each other; nodes in no group
// are unaffected. One-way: exactly two groups, and only messages from the first group
// to the second are lost (the second still reaches the first).
struct Partition {
  std::vector<NodeSet> groups;
  bool one_way = false;
};

// A degradation of some links for a time window: loss, duplication, reordering, extra
// latency. from/to empty means every node.
struct LinkFault {
  NodeSet from;
  NodeSet to;
  Ratio drop{0, 1};
  Ratio duplicate{0, 1};
  Ratio reorder{0, 1};
  Duration reorder_delay_max_ns = 0;
  Duration extra_delay_max_ns = 0;  // added latency, drawn uniformly in [0, max]
};

class Network {
 public:
  explicit Network(LinkProfile default_link = {}) { set_default(default_link); }

  void set_default(const LinkProfile& link) {
    default_ = link;
    default_quiet_ = link.quiet() && link.bandwidth_bytes_per_sec == 0;
  }
  // No loss, duplication, reordering or bandwidth limit, and a fixed latency.
  bool default_quiet() const { return default_quiet_; }
  const LinkProfile& default_link() const { return default_; }
  void set_link(NodeId from, NodeId to, const LinkProfile& link) { links_[{from, to}] = link; }
  const LinkProfile& link(NodeId from, NodeId to) const;

  // Partitions and link faults are identified by the id these return.
  std::uint32_t add_partition(Partition p);
  bool remove_partition(std::uint32_t id);
  void clear_partitions() { partitions_.clear(); }
  std::uint32_t add_link_fault(LinkFault f);
  bool remove_link_fault(std::uint32_t id);
  void clear_link_faults() { link_faults_.clear(); }

  bool blocked(NodeId from, NodeId to) const;
  bool has_partitions() const { return !partitions_.empty(); }
  // The active link faults on from -> to, in the order they began.
  template <class F>
  void for_each_fault(NodeId from, NodeId to, F&& f) const {
    for (const auto& [id, fault] : link_faults_) {
      if ((fault.from.empty() || fault.from.contains(from)) &&
          (fault.to.empty() || fault.to.contains(to))) {
        f(fault);
      }
    }
  }
  bool has_link_faults() const { return !link_faults_.empty(); }
  bool has_link_overrides() const { return !links_.empty(); }

  // Bandwidth: when the link from -> to is next free to start sending.
  Time& link_free_at(NodeId from, NodeId to) { return busy_until_[key(from, to)]; }

 private:
  static std::uint64_t key(NodeId from, NodeId to) {
    return (std::uint64_t{from} << 32) | to;
  }
  LinkProfile default_;
  bool default_quiet_ = true;
  std::map<std::pair<NodeId, NodeId>, LinkProfile> links_;
  std::map<std::uint32_t, Partition> partitions_;
  std::map<std::uint32_t, LinkFault> link_faults_;
  std::uint32_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Time> busy_until_;  // lookups only, never iterated
};

}  // namespace faultline::sim
