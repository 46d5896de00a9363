#pragma once
// The fast search (compiled and generic paths) against the brute-force twin, on random
// small histories over every built-in model.
#include <cstdint>

namespace faultline::checker::testing {

// Checks `count` random histories (spread evenly over the models) from `seed`; fails the
// running test on the first disagreement, printing the history.
void cross_check(std::uint64_t count, std::uint64_t seed);

}  // namespace faultline::checker::testing
