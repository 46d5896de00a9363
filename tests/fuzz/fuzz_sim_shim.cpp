// format_time for the fuzz build's option parser (see sim_shim/sim/simulation.hpp); the
// fuzz targets never format a duration, so this only has to link.
#include "sim/simulation.hpp"

namespace faultline::sim {
std::string format_time(Time t) { return std::to_string(t) + "ns"; }
}  // namespace faultline::sim
