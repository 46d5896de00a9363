#include "protocols/quorum.hpp"

#include <algorithm>

#include "sim/assert.hpp"

namespace faultline::protocols {

bool VoteSet::add(sim::NodeId voter) {
  FAULTLINE_ASSERT(voter != sim::kNoNode, "a vote comes from a node");
  const std::size_t word = voter / 64;
  if (word >= bits_.size()) bits_.resize(word + 1, 0);
  const std::uint64_t bit = std::uint64_t{1} << (voter % 64);
  if ((bits_[word] & bit) != 0) return false;
  bits_[word] |= bit;
  ++count_;
  return true;
}

bool VoteSet::contains(sim::NodeId voter) const {
  const std::size_t word = voter / 64;
  return word < bits_.size() && ((bits_[word] >> (voter % 64)) & 1) != 0;
}

void VoteSet::clear() {
  std::fill(bits_.begin(), bits_.end(), 0);
  count_ = 0;
}

Quorum::Quorum(std::vector<sim::NodeId> voters) : voters_(std::move(voters)) {
  std::sort(voters_.begin(), voters_.end());
  voters_.erase(std::unique(voters_.begin(), voters_.end()), voters_.end());
}

bool Quorum::contains(sim::NodeId id) const {
  return std::binary_search(voters_.begin(), voters_.end(), id);
}

bool Quorum::reached(const VoteSet& votes) const {
  if (voters_.empty()) return false;
  std::size_t yes = 0;
  for (sim::NodeId v : voters_) yes += votes.contains(v) ? 1 : 0;
  FAULTLINE_ASSERT(yes <= votes.size(), "a quorum counts only votes cast");
  return yes >= size();
}

}  // namespace faultline::protocols
