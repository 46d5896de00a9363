#pragma once
// The space-time (Lamport) diagram as Graphviz DOT: a column per node, time downward (one
// row per drawn event, in trace order), messages as arrows labelled by type, dropped
// messages ending in a red x, duplicates dashed, crashes, pauses, restarts and clock
// changes as labelled boxes, partitions in a "network" column, each lifeline coloured by
// the node's state (Raft: role) and labelled where it changes.
//
// Positions are fixed in the file (neato, pinned), so Graphviz draws without searching
// for a layout: rendering stays fast and the rows keep the trace's true order.
#include <cstddef>
#include <optional>
#include <string>

#include "viz/diagram.hpp"
#include "viz/select.hpp"
#include "viz/trace.hpp"

namespace faultline::viz {

struct DotOptions {
  Selection selection;
  // Graphviz slows down past a few thousand nodes, and such a diagram is unreadable
  // anyway: beyond this many events the diagram keeps a window (ending at the first
  // violation, if there is one) and says so.
  std::size_t max_events = 1500;
};

struct DotOutput {
  std::string text;
  std::size_t events_selected = 0;  // events the selection picked that the diagram draws
  std::size_t events_drawn = 0;     // at most max_events of them
  std::size_t arrows_drawn = 0;     // messages with both ends drawn
  std::string note;                 // what was left out and how to choose, or ""
};

DotOutput to_dot(const Trace& trace, const Diagram& diagram, const DotOptions& options);

// Graphviz's `dot` on the PATH, or nullopt.
std::optional<std::string> find_graphviz();

// Renders DOT text to `out_path` as `format` (svg or png) with Graphviz, atomically (a
// temporary file beside it, renamed when dot succeeded). Returns an error message or "".
std::string render_graphviz(const std::string& dot_text, const std::string& format,
                            const std::string& out_path);

}  // namespace faultline::viz
