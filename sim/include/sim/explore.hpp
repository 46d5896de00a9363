#pragma once
// Explore mode: the simulator as a model checker drives it (DESIGN.md §1, §3).
//
// In explore mode the network is fully asynchronous and time is the explorer's to give:
// no event is due by the clock. At each step the kernel lists the enabled events in a
// canonical order and one choice, pick(n, ChoiceKind::schedule), says which goes next:
//
//   deliver    an in-flight message reaches its receiver (which must be up)
//   timer      a node blocked with a deadline (a recv timeout, a sleep) wakes: its local
//              clock moves to that deadline, and only then (within its timeout budget)
//   drop       an in-flight message is lost             (within the drop budget)
//   duplicate  an in-flight message will arrive twice   (within the duplicate budget)
//   crash      a node among the crashable ones crashes  (within the crash budget)
//   restart    a node the explorer crashed restarts     (within the restart budget)
//
// The order is by kind (as listed), then node, then peer, then the message's content
// hash: a function of the world's state, never of the order things happened in, so an
// explorer that models the same world computes the same list. Events that cannot be
// told apart (two copies of one message) are listed once.
//
// Time: a node's local clock stands still except when one of its own timers fires (a
// fully asynchronous system has no common clock); every wall of a timer is therefore a
// choice. True time advances by `step_ns` per step, only so that a trace draws its steps
// apart. Actors' random draws take their largest value (random(n) = n - 1), so no
// deadline falls due without a choice; disk syncs complete at once. Messages to a down
// node wait in flight until it restarts (or a drop takes them). Scheduled actions (a
// scenario's timeline, a protocol's liveness probe) run when true time reaches them.
//
// Invariants: every enabled event is a real choice of the same kind (one tape entry per
// step with more than one option); the budgets only shrink the list; a replayed tape
// gives the same list at every step.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "sim/message.hpp"
#include "sim/types.hpp"

namespace faultline::sim {

inline constexpr std::uint32_t kExploreUnbounded = 0xffffffffu;

struct ExploreConfig {
  bool on = false;
  std::uint32_t drops = 0;       // messages the network may lose on one path
  std::uint32_t duplicates = 0;  // messages it may deliver twice
  std::uint32_t crashes = 0;     // crashes of crashable nodes
  std::uint32_t restarts = 0;    // restarts of nodes the explorer crashed
  std::uint32_t timeouts = kExploreUnbounded;  // timer firings per node
  Duration step_ns = kMillisecond;             // true time between steps (the trace's)
};

enum class ExploreKind : std::uint8_t { deliver, timer, drop, duplicate, crash, restart };
std::string_view explore_kind_name(ExploreKind kind);

// One enabled event. For message events `node` is the receiver and `peer` the sender;
// for the others `node` is the node and `peer` kNoNode.
struct ExploreEvent {
  ExploreKind kind = ExploreKind::deliver;
  NodeId node = kNoNode;
  NodeId peer = kNoNode;
  std::uint64_t content = 0;  // the message's content hash (message events), else 0
  std::uint32_t ref = 0;      // the kernel's in-flight slot (message events)

};

// Events that cannot be told apart, and the canonical order: kind, node, peer, content.
inline bool same_event(const ExploreEvent& a, const ExploreEvent& b) {
  return a.kind == b.kind && a.node == b.node && a.peer == b.peer && a.content == b.content;
}
inline bool canonical_less(const ExploreEvent& a, const ExploreEvent& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  if (a.node != b.node) return a.node < b.node;
  if (a.peer != b.peer) return a.peer < b.peer;
  return a.content < b.content;
}

// Budgets spent so far on this path.
struct ExploreUsed {
  std::uint32_t drops = 0;
  std::uint32_t duplicates = 0;
  std::uint32_t crashes = 0;
  std::uint32_t restarts = 0;
  std::vector<std::uint32_t> timeouts = {};  // per node (missing: none yet)
  std::uint32_t timeouts_of(NodeId node) const { return node < timeouts.size() ? timeouts[node] : 0; }
};

// A message's content: its type and fields (the same hash the trace uses), independent of
// its id and of when it was sent. Two messages with equal content are interchangeable.
std::uint64_t message_content_hash(const Payload& payload);

// A stable identity for an event across states and runs (sleep sets, path matching).
std::uint64_t explore_event_key(const ExploreEvent& e);

}  // namespace faultline::sim
