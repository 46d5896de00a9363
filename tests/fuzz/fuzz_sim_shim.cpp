// format_time and assertion_failed for the fuzz build's option parser (see
// sim_shim/sim/simulation.hpp): the fuzz targets never format a duration, so format_time
// only has to link; a fired assertion (options.cpp checks its own tables with
// FAULTLINE_ASSERT) aborts with its message, which libFuzzer reports as a crash.
#include <cstdio>
#include <cstdlib>

#include "sim/assert.hpp"
#include "sim/simulation.hpp"

namespace faultline::sim {
std::string format_time(Time t) { return std::to_string(t) + "ns"; }

void assertion_failed(std::string_view condition, std::string_view message, const char* file,
                      int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %.*s (%.*s)\n", file, line,
               static_cast<int>(message.size()), message.data(),
               static_cast<int>(condition.size()), condition.data());
  std::abort();
}
}  // namespace faultline::sim
