#pragma once
// Basic quantities of the simulated world. Time is one integer: nanoseconds of true
// simulated time since the start of the run. Nodes read it through their local clocks.
#include <cstdint>
#include <limits>

namespace faultline::sim {

using Time = std::int64_t;      // true simulated time, ns since the run started
using Duration = std::int64_t;  // ns
using NodeId = std::uint32_t;   // dense, 0..nodes-1, in the order nodes were added
using MessageId = std::uint64_t;

// 128-bit intermediates for exact time arithmetic (drift, bandwidth, scaling).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

inline constexpr Duration kNanosecond = 1;
inline constexpr Duration kMicrosecond = 1000;
inline constexpr Duration kMillisecond = 1000 * kMicrosecond;
inline constexpr Duration kSecond = 1000 * kMillisecond;
inline constexpr Time kTimeNever = std::numeric_limits<Time>::max();
inline constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

// An exact probability num/den (STYLE.md habit 3: integer probabilities).
struct Ratio {
  std::uint32_t num = 0;
  std::uint32_t den = 1;
  constexpr bool never() const { return num == 0; }
  constexpr bool always() const { return num >= den; }
  friend constexpr bool operator==(const Ratio&, const Ratio&) = default;
};

}  // namespace faultline::sim
