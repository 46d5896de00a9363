#pragma once
// The terminal view (`faultline run --print`, `faultline viz TRACE --print`): one line per
// event — time, node, what happened — filtered by a Selection. State changes made at one
// instant by one node read as one line with old -> new values; message bodies and any
// annotation (a protocol's log, say) are printed as they are.
#include <cstdint>
#include <ostream>
#include <string>

#include "viz/select.hpp"
#include "viz/trace.hpp"

namespace faultline::viz {

// "1.422108906s", "0s", "15ms": exact, trailing zeros of the fraction dropped.
std::string format_time(std::int64_t ns);

// What event `pos` did, without its time and node: "-> s0 RequestVote #38 {term: 1, ...}".
std::string describe(const Trace& trace, std::size_t pos);

struct TextStats {
  std::size_t lines = 0;
  std::size_t events_shown = 0;
  std::size_t hidden_by_kind[kKindCount] = {};  // in the window and on the nodes, not shown
};

// Prints the selected events, preceded by one line that says what is hidden and how to
// show it.
TextStats print_text(const Trace& trace, const Selection& selection, std::ostream& out);

}  // namespace faultline::viz
