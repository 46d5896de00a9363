#include "paxos/paxos_types.hpp"

#include <charconv>

namespace faultline::paxos {

BallotText::BallotText(Ballot b) {
  if (b.none()) {
    constexpr std::string_view kNone = "none";
    kNone.copy(buf_.data(), kNone.size());
    size_ = kNone.size();
    return;
  }
  char* end = buf_.data() + buf_.size();
  auto [p, ec] = std::to_chars(buf_.data(), end, b.round);
  FAULTLINE_ASSERT(ec == std::errc(), "a round fits in 20 digits");
  *p++ = '.';
  auto [q, ec2] = std::to_chars(p, end, b.proposer);
  FAULTLINE_ASSERT(ec2 == std::errc(), "a proposer index fits");
  size_ = static_cast<std::size_t>(q - buf_.data());
}

std::string ballot_text(Ballot b) {
  return BallotText(b).str();
}

std::size_t decide_quorum(std::size_t acceptors, const Bugs& bugs) {
  FAULTLINE_ASSERT(acceptors >= 1, "Paxos needs an acceptor");
  if (bugs.quorum_off_by_one) return acceptors / 2 > 0 ? acceptors / 2 : 1;
  return acceptors / 2 + 1;
}

Duration Random::between(Duration lo, Duration hi) {
  FAULTLINE_ASSERT(lo <= hi, "a random duration's range is not empty");
  if (hi == lo) return lo;
  // The simulator's choices are below 2^32: draw a wide range in coarser steps.
  auto span = static_cast<std::uint64_t>(hi - lo);
  std::uint64_t step = 1;
  while (span / step >= 0xffffffffULL) step *= 1000;
  return lo + static_cast<Duration>(below(span / step + 1) * step);
}

}  // namespace faultline::paxos
