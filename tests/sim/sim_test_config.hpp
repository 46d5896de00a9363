#pragma once
// A configuration the kernel tests share: 10 simulated seconds, a constant 1 ms link.
#include "sim/simulation.hpp"

namespace faultline::sim::testing {

inline SimConfig quiet_config() {
  SimConfig c;
  c.time_limit_ns = 10 * kSecond;
  c.network.latency = Latency::constant(kMillisecond);
  return c;
}

}  // namespace faultline::sim::testing
