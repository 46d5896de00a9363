#pragma once
// Happens-before over a trace (Lamport): an event's causal past is every event that could
// have influenced it — the earlier events of its node (program order, across crashes and
// restarts: the disk carries state over) and, through each delivery, the send of that
// message and everything before the send. "Why it broke" is the causal past of the event
// where a violation was found; everything else could not have mattered.
//
// A drop or a duplicate is the network's, not the sender's: it follows its send (or the
// original's send) but is in no node's program order. Events of the world (a partition)
// are in no one's past; the page shows them as context.
#include <cstddef>
#include <vector>

#include "viz/trace.hpp"

namespace faultline::viz {

// The direct causes of each event (by position): at most its node's previous event and
// the send (or duplicate) that a delivery, drop or duplicate follows.
struct CausalEdges {
  std::vector<std::size_t> previous_on_node;  // kNone: first of its node, or not a node's
  std::vector<std::size_t> message_source;    // kNone: not a message's arrival or fate
};
CausalEdges causal_edges(const Trace& trace);

// in_past[k] is true when event k happens before `target` or is `target`.
std::vector<bool> causal_past(const Trace& trace, std::size_t target);
std::vector<bool> causal_past(const CausalEdges& edges, std::size_t target);

}  // namespace faultline::viz
