// The causal past in one backward pass: every edge points to an earlier position, so
// walking positions downward from the target visits each event after all that it causes.
#include <unordered_map>

#include "viz/causal.hpp"
#include "viz_assert.hpp"

namespace faultline::viz {
namespace {

// Program order holds the events a node itself takes part in; drops and duplicates
// happen in the network (a drop in flight is recorded at the sender, but later than
// what the sender did meanwhile), and world events belong to no node.
bool in_program_order(const Event& e) {
  return e.node != kWorld && e.type != EventType::drop && e.type != EventType::duplicate;
}

}  // namespace

CausalEdges causal_edges(const Trace& trace) {
  const std::size_t n = trace.events.size();
  CausalEdges edges{std::vector<std::size_t>(n, kNone), std::vector<std::size_t>(n, kNone)};
  std::vector<std::size_t> last_on_node(trace.nodes.size(), kNone);
  std::unordered_map<std::uint64_t, std::size_t> sent;  // message id -> its send (lookup only)
  for (std::size_t pos = 0; pos < n; ++pos) {
    const Event& e = trace.events[pos];
    if (in_program_order(e)) {
      auto& last = last_on_node[static_cast<std::size_t>(e.node)];
      edges.previous_on_node[pos] = last;
      last = pos;
    }
    switch (e.type) {
      case EventType::send:
        sent.emplace(e.msg_id, pos);
        break;
      case EventType::duplicate:
        if (auto it = sent.find(e.of); it != sent.end()) edges.message_source[pos] = it->second;
        sent.emplace(e.msg_id, pos);  // the copy's delivery follows the duplicate event
        break;
      case EventType::deliver:
      case EventType::drop:
        if (auto it = sent.find(e.msg_id); it != sent.end()) edges.message_source[pos] = it->second;
        break;
      default:
        break;
    }
  }
  return edges;
}

std::vector<bool> causal_past(const CausalEdges& edges, std::size_t target) {
  const std::size_t n = edges.previous_on_node.size();
  std::vector<bool> in_past(n, false);
  if (target >= n) return in_past;
  in_past[target] = true;
  for (std::size_t pos = target + 1; pos-- > 0;) {
    if (!in_past[pos]) continue;
    VIZ_ASSERT(edges.previous_on_node[pos] == kNone || edges.previous_on_node[pos] < pos,
               "program order points forward");
    VIZ_ASSERT(edges.message_source[pos] == kNone || edges.message_source[pos] < pos,
               "a message arrives before it was sent");
    if (edges.previous_on_node[pos] != kNone) in_past[edges.previous_on_node[pos]] = true;
    if (edges.message_source[pos] != kNone) in_past[edges.message_source[pos]] = true;
  }
  return in_past;
}

std::vector<bool> causal_past(const Trace& trace, std::size_t target) {
  return causal_past(causal_edges(trace), target);
}

}  // namespace faultline::viz
