#include "sim/network.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "sim/simulation.hpp"

namespace faultline::sim {
namespace {

// log2(x) in 32.32 fixed point, integers only (so every machine gets the same delays):
// the integer part from the highest set bit, then one fraction bit per squaring.
constexpr std::uint64_t log2_fixed(std::uint64_t x) {
  const int top = 63 - __builtin_clzll(x);
  std::uint64_t result = static_cast<std::uint64_t>(top) << 32;
  // y = x / 2^top in [1, 2), as 2.62 fixed point
  UInt128 y = static_cast<UInt128>(x) << (62 - top);
  const UInt128 one = static_cast<UInt128>(1) << 62;
  for (int bit = 31; bit >= 0; --bit) {
    y = (y * y) >> 62;
    if (y >= 2 * one) {
      y >>= 1;
      result |= std::uint64_t{1} << bit;
    }
  }
  return result;
}

// -ln(1 - u) for u = (q + 1/2) / steps: ln(2 steps / (2 steps - 2q - 1)), 32.32 fixed.
constexpr std::uint64_t neg_log_survival(std::uint32_t q, std::uint32_t steps) {
  const std::uint64_t num = 2ULL * steps;
  const std::uint64_t den = 2ULL * steps - 2ULL * q - 1;
  const std::uint64_t log2_ratio = log2_fixed(num << 20) - log2_fixed(den << 20);
  constexpr std::uint64_t kLn2 = 0xB17217F7ULL;  // ln 2 in 0.32 fixed point
  return static_cast<std::uint64_t>((static_cast<UInt128>(log2_ratio) * kLn2) >> 32);
}

// The exponential's quantiles, computed once by the compiler: a sample is a table lookup
// (computing one took 64 wide squarings, 9% of a Raft run's time).
constexpr auto kNegLogSurvival = [] {
  std::array<std::uint64_t, Latency::kSteps> table{};
  for (std::uint32_t q = 0; q < Latency::kSteps; ++q) {
    table[q] = neg_log_survival(q, Latency::kSteps);
  }
  return table;
}();

}  // namespace

Duration Latency::sample(std::uint32_t q) const {
  if (q >= kSteps) q = kSteps - 1;
  switch (shape) {
    case Shape::constant:
      return min_ns;
    case Shape::uniform:
      return min_ns + static_cast<Duration>(static_cast<Int128>(max_ns - min_ns) * q /
                                            (kSteps - 1));
    case Shape::exponential: {
      const std::uint64_t x = kNegLogSurvival[q];
      const auto extra =
          static_cast<Duration>((static_cast<UInt128>(mean_ns) * x) >> 32);
      return std::min(max_ns, min_ns + extra);
    }
  }
  return min_ns;
}

std::string Latency::describe() const {
  switch (shape) {
    case Shape::constant:
      return "constant " + format_time(min_ns);
    case Shape::uniform:
      return "uniform " + format_time(min_ns) + ".." + format_time(max_ns);
    case Shape::exponential:
      return "exponential min " + format_time(min_ns) + " mean +" + format_time(mean_ns) +
             " cap " + format_time(max_ns);
  }
  return "?";
}

NodeSet NodeSet::of(std::initializer_list<NodeId> ids) {
  NodeSet s;
  for (NodeId id : ids) s.insert(id);
  return s;
}

NodeSet NodeSet::of(const std::vector<NodeId>& ids) {
  NodeSet s;
  for (NodeId id : ids) s.insert(id);
  return s;
}

void NodeSet::insert(NodeId id) {
  const std::size_t word = id / 64;
  if (word >= bits_.size()) bits_.resize(word + 1, 0);
  bits_[word] |= std::uint64_t{1} << (id % 64);
}

bool NodeSet::empty() const {
  return std::all_of(bits_.begin(), bits_.end(), [](std::uint64_t w) { return w == 0; });
}

std::size_t NodeSet::count() const {
  std::size_t n = 0;
  for (std::uint64_t w : bits_) n += static_cast<std::size_t>(__builtin_popcountll(w));
  return n;
}

std::vector<NodeId> NodeSet::members() const {
  std::vector<NodeId> out;
  for (std::size_t word = 0; word < bits_.size(); ++word) {
    for (std::uint64_t w = bits_[word]; w != 0; w &= w - 1) {
      out.push_back(static_cast<NodeId>(word * 64 + static_cast<std::size_t>(__builtin_ctzll(w))));
    }
  }
  return out;
}

const LinkProfile& Network::link(NodeId from, NodeId to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? default_ : it->second;
}

std::uint32_t Network::add_partition(Partition p) {
  if (p.one_way && p.groups.size() != 2) {
    throw std::invalid_argument("a one-way partition has exactly two groups");
  }
  const std::uint32_t id = next_id_++;
  partitions_.emplace(id, std::move(p));
  return id;
}

bool Network::remove_partition(std::uint32_t id) { return partitions_.erase(id) > 0; }

std::uint32_t Network::add_link_fault(LinkFault f) {
  const std::uint32_t id = next_id_++;
  link_faults_.emplace(id, std::move(f));
  return id;
}

bool Network::remove_link_fault(std::uint32_t id) { return link_faults_.erase(id) > 0; }

bool Network::blocked(NodeId from, NodeId to) const {
  for (const auto& [id, p] : partitions_) {
    int group_from = -1;
    int group_to = -1;
    for (std::size_t g = 0; g < p.groups.size(); ++g) {
      if (p.groups[g].contains(from)) group_from = static_cast<int>(g);
      if (p.groups[g].contains(to)) group_to = static_cast<int>(g);
    }
    if (group_from < 0 || group_to < 0 || group_from == group_to) continue;
    if (!p.one_way || (group_from == 0 && group_to == 1)) return true;
  }
  return false;
}

}  // namespace faultline::sim
