// Explore mode (sim/explore.hpp): every step is one choice among the enabled events.
#include <algorithm>

#include "kernel_node.hpp"
#include "sim/explore.hpp"
#include "sim/simulation.hpp"
#include "trace_fields.hpp"

namespace faultline::sim {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t w) {
  h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

std::uint64_t text_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace

std::string_view explore_kind_name(ExploreKind kind) {
  switch (kind) {
    case ExploreKind::deliver:
      return "deliver";
    case ExploreKind::timer:
      return "timer";
    case ExploreKind::drop:
      return "drop";
    case ExploreKind::duplicate:
      return "duplicate";
    case ExploreKind::crash:
      return "crash";
    case ExploreKind::restart:
      return "restart";
  }
  return "?";
}

std::uint64_t message_content_hash(const Payload& payload) {
  FAULTLINE_ASSERT(!payload.empty(), "only a message has content");
  std::uint64_t fields = 0;
  if (payload.hashes_bytes()) {
    fields = payload.hash_bytes();
  } else {
    HashFields hasher;
    payload.describe(hasher);
    fields = hasher.value();
  }
  // The type's name too: two types with the same fields are different messages.
  return mix(text_hash(payload.name()), fields);
}

std::uint64_t explore_event_key(const ExploreEvent& e) {
  std::uint64_t h = mix(0x6a09e667f3bcc909ULL, static_cast<std::uint64_t>(e.kind));
  h = mix(h, e.node);
  h = mix(h, e.peer);
  return mix(h, e.content);
}

void Simulation::set_explore_crashable(std::vector<NodeId> nodes) {
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  for (NodeId id : nodes) FAULTLINE_ASSERT(id < nodes_.size(), "a crashable node exists");
  explore_crashable_ = std::move(nodes);
}

void Simulation::set_explore_gate(std::function<bool(const Simulation&)> gate) {
  explore_gate_ = std::move(gate);
}

std::vector<ExploreEvent> Simulation::explore_in_flight() const {
  std::vector<ExploreEvent> out;
  out.reserve(explore_pending_.size());
  for (const std::uint32_t slot : explore_pending_) {
    const InFlight& m = in_flight_[slot];
    out.push_back(ExploreEvent{ExploreKind::deliver, m.to, m.from, m.content, slot});
  }
  std::sort(out.begin(), out.end(), canonical_less);
  return out;
}

const Payload& Simulation::explore_payload(const ExploreEvent& e) const {
  FAULTLINE_ASSERT(e.kind == ExploreKind::deliver || e.kind == ExploreKind::drop ||
                       e.kind == ExploreKind::duplicate,
                   "only a message event names a message");
  FAULTLINE_ASSERT(e.ref < in_flight_.size() && !in_flight_[e.ref].payload.empty(),
                   "a message event names a message in flight");
  return in_flight_[e.ref].payload;
}

Time Simulation::explore_local_time(NodeId id) const { return node_ref(id).explore_time; }

Time Simulation::explore_deadline(NodeId id) const {
  const Node& n = node_ref(id);
  const bool timed = n.up && n.fiber_live && (n.wait == Wait::recv || n.wait == Wait::sleep);
  return timed ? n.wait_deadline : kTimeNever;
}

void Simulation::explore_launch(NodeId from, NodeId to, Payload&& body, MessageId id,
                                std::uint32_t size, std::uint16_t kind) {
  const std::uint64_t content = message_content_hash(body);
  if (explore_message_set_) {
    // A message set holds one of each: an equal message already in flight is this one.
    for (const std::uint32_t pending : explore_pending_) {
      const InFlight& m = in_flight_[pending];
      if (m.from == from && m.to == to && m.content == content) return;
    }
  }
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(in_flight_.size());
    in_flight_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  InFlight& m = in_flight_[slot];
  m.payload = std::move(body);
  m.from = from;
  m.to = to;
  m.id = id;
  m.size = size;
  m.kind = kind;
  m.content = content;
  explore_pending_.push_back(slot);
}

// The node's clock reads its own explore time at the current true time.
void Simulation::explore_set_clock(Node& n) {
  n.clock = NodeClock{};
  n.clock.set_offset(now_, n.explore_time - now_);
}

// Starts and scheduled actions due by now run at once: they are not choices. The queue
// is only peeked at (peek_time), never topped, while its earliest event lies ahead: a
// radix heap's top() moves its base up, and a restart then pushes at the present.
void Simulation::explore_immediate() {
  while (!stopped_ && !queue_.empty() && queue_.peek_time() <= now_) {
    const Event event = queue_.pop();
    if (event.kind == EventKind::wake || event.kind == EventKind::deliver) continue;
    if (event.node < nodes_.size()) explore_set_clock(*nodes_[event.node]);
    const std::size_t before = trace_.size();
    dispatch(event);
    if (trace_.size() != before) after_event(event.node);
  }
}

void Simulation::explore_list() {
  const ExploreConfig& c = config_.explore;
  std::vector<ExploreEvent>& out = explore_enabled_;
  out.clear();
  auto message_events = [&](ExploreKind kind, bool to_up_only) {
    for (const std::uint32_t slot : explore_pending_) {
      const InFlight& m = in_flight_[slot];
      if (to_up_only && !nodes_[m.to]->up) continue;  // it waits for the restart
      out.push_back(ExploreEvent{kind, m.to, m.from, m.content, slot});
    }
  };
  message_events(ExploreKind::deliver, true);
  for (const auto& n : nodes_) {
    if (explore_used_.timeouts_of(n->id) < c.timeouts) {
      if (explore_deadline(n->id) != kTimeNever && !n->paused) {
        out.push_back(ExploreEvent{ExploreKind::timer, n->id, kNoNode, 0, 0});
      }
    }
  }
  if (explore_used_.drops < c.drops) message_events(ExploreKind::drop, false);
  if (explore_used_.duplicates < c.duplicates) message_events(ExploreKind::duplicate, false);
  if (explore_used_.crashes < c.crashes) {
    for (const NodeId id : explore_crashable_) {
      if (nodes_[id]->up) out.push_back(ExploreEvent{ExploreKind::crash, id, kNoNode, 0, 0});
    }
  }
  if (explore_used_.restarts < c.restarts) {
    for (const NodeId id : explore_crashed_) {
      out.push_back(ExploreEvent{ExploreKind::restart, id, kNoNode, 0, 0});
    }
  }
  // Canonical order; copies of one message are one event (the oldest copy stands for it).
  const bool messages = !explore_pending_.empty();
  std::sort(out.begin(), out.end(), [&](const ExploreEvent& a, const ExploreEvent& b) {
    if (canonical_less(a, b)) return true;
    if (canonical_less(b, a) || !messages) return false;
    return in_flight_[a.ref].id < in_flight_[b.ref].id;
  });
  out.erase(std::unique(out.begin(), out.end(), same_event), out.end());
}

void Simulation::explore_perform(const ExploreEvent& e) {
  ++explore_steps_;
  now_ += config_.explore.step_ns;
  auto take = [&] {
    auto it = std::find(explore_pending_.begin(), explore_pending_.end(), e.ref);
    FAULTLINE_ASSERT(it != explore_pending_.end(), "a message event names a message in flight");
    explore_pending_.erase(it);
  };
  Node& n = *nodes_[e.node];
  switch (e.kind) {
    case ExploreKind::deliver:
      take();
      if (explore_message_set_) {
        // The set keeps the message: a copy stays in flight, under the same id.
        const InFlight& m = in_flight_[e.ref];
        Payload copy = m.payload;
        explore_launch(m.from, m.to, std::move(copy), m.id, m.size, m.kind);
      }
      explore_set_clock(n);
      on_deliver(Event{.time = now_, .ref = e.ref, .node = e.node, .gen = 0,
                       .kind = EventKind::deliver});
      return;
    case ExploreKind::timer:
      if (explore_used_.timeouts.size() <= e.node) explore_used_.timeouts.resize(e.node + 1);
      ++explore_used_.timeouts[e.node];
      n.explore_time = std::max(n.explore_time, n.wait_deadline);
      explore_set_clock(n);
      on_wake(Event{.time = now_, .ref = 0, .node = e.node, .gen = n.wait_gen,
                    .kind = EventKind::wake});
      return;
    case ExploreKind::drop: {
      take();
      ++explore_used_.drops;
      ++stats_.messages_dropped;
      InFlight& m = in_flight_[e.ref];
      record(TraceRecord{.type = TraceEvent::drop,
                         .reason = static_cast<std::uint8_t>(DropReason::random), .kind = m.kind,
                         .node = m.from, .peer = m.to, .value = m.id});
      m.payload.reset();
      free_slots_.push_back(e.ref);
      return;
    }
    case ExploreKind::duplicate: {
      ++explore_used_.duplicates;
      ++stats_.messages_duplicated;
      const InFlight& m = in_flight_[e.ref];
      Payload copy = m.payload;
      const MessageId dup = next_message_id_++;
      const NodeId from = m.from;
      const std::uint32_t size = m.size;
      const std::uint16_t kind = m.kind;
      if (config_.keep_payloads) bodies_.push_back(bodies_[m.id]);
      record(TraceRecord{.type = TraceEvent::duplicate, .kind = kind, .node = from, .peer = e.node,
                         .detail = static_cast<std::uint32_t>(m.id), .value = dup});
      explore_launch(from, e.node, std::move(copy), dup, size, kind);
      return;
    }
    case ExploreKind::crash:
      ++explore_used_.crashes;
      crash(e.node);
      explore_crashed_.push_back(e.node);
      return;
    case ExploreKind::restart:
      ++explore_used_.restarts;
      explore_crashed_.erase(std::find(explore_crashed_.begin(), explore_crashed_.end(), e.node));
      restart(e.node);  // its actor starts in explore_immediate
      return;
  }
}

RunResult Simulation::run_explore() {
  const ExploreConfig& c = config_.explore;
  FAULTLINE_ASSERT(c.step_ns > 0, "explore steps take some true time");
  for (;;) {
    explore_immediate();
    if (stopped_) break;
    explore_list();
    if (explore_enabled_.empty()) {
      stop_reason_ = "nothing enabled after " + std::to_string(explore_steps_) + " steps";
      break;
    }
    if (now_ + c.step_ns > config_.time_limit_ns) {
      stop_reason_ = "time limit " + format_time(config_.time_limit_ns) + " reached";
      break;
    }
    if (explore_gate_ && !explore_gate_(*this)) {
      stop_reason_ = "the explorer's path ends after " + std::to_string(explore_steps_) + " steps";
      break;
    }
    const std::uint32_t n = static_cast<std::uint32_t>(explore_enabled_.size());
    const std::uint32_t i = choices_.pick(n, ChoiceKind::schedule);
    FAULTLINE_ASSERT(i < n, "a schedule choice names an enabled event");
    const ExploreEvent e = explore_enabled_[i];
    const std::size_t before = trace_.size();
    explore_perform(e);
    if (trace_.size() != before) after_event(e.node);
  }
  return result();
}

}  // namespace faultline::sim
