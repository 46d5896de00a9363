#pragma once
// A stand-in for sim/simulation.hpp in the clang fuzz build only: sim's headers do not
// compile with clang 14 (sim/message.hpp's Message concept recurses through Payload's
// constrained constructor, which g++ accepts and clang 14 rejects), and the option parser
// (protocols/common/src/options.cpp) needs only the time constants and format_time.
#include <string>

#include "sim/types.hpp"

namespace faultline::sim {
std::string format_time(Time t);
}  // namespace faultline::sim
