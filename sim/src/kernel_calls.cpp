// The kernel entry point, Simulation::perform, and the network path of a message.
#include <algorithm>
#include <stdexcept>

#include "kernel_node.hpp"
#include "sim/simulation.hpp"
#include "trace_fields.hpp"

namespace faultline::sim {

void Simulation::perform(NodeId id, Call& call) {
  // `id` comes from a Context, which only the kernel makes: always a node.
  Node& n = *nodes_[id];
  if (running_ != &n) {
    throw std::logic_error("kernel call for " + n.name + " from outside its actor's fiber");
  }
  if (n.kill) {
    // A crashing actor's destructors may still call in: it can no longer act.
    if (call.op == CallOp::recv || call.op == CallOp::sleep || call.op == CallOp::disk_sync) {
      throw ActorKilled{};
    }
    if (call.op == CallOp::now) call.result = static_cast<std::uint64_t>(n.clock.local(now_));
    return;
  }
  if (++n.calls_this_step > config_.max_calls_per_step) throw LivelockStop{};
  switch (call.op) {
    case CallOp::send:
      do_send(n, call);
      break;
    case CallOp::recv:
      do_recv(n, call);
      break;
    case CallOp::sleep:
      do_sleep(n, call);
      break;
    case CallOp::now:
      call.result = static_cast<std::uint64_t>(n.clock.local(now_));
      break;
    case CallOp::random:
      if (call.n == 0 || call.n > std::uint64_t{0xffffffff}) {
        throw std::invalid_argument("random(n) needs 1 <= n < 2^32");
      }
      // Explore mode fixes draws at their largest value (sim/explore.hpp): not a choice.
      call.result = config_.explore.on
                        ? call.n - 1
                        : choices_.pick(static_cast<std::uint32_t>(call.n), ChoiceKind::random);
      break;
    case CallOp::annotate:
      do_annotate(n, call);
      break;
    case CallOp::ignore:
      record(TraceRecord{.type = TraceEvent::ignore, .node = n.id, .peer = call.peer,
                         .detail = intern(call.text), .value = call.result});
      if (config_.explore.on && explore_keep_ignored_ && call.peer < nodes_.size()) {
        // Stateright's actor model: a delivery its receiver ignores is no step, and the
        // message stays in flight, under the same id.
        const Payload& body = *call.args.payload;
        explore_launch(call.peer, n.id, Payload(body), call.result, body.size_bytes(),
                       message_kind(body.type()));
      }
      break;
    case CallOp::log:
      record(TraceRecord{.type = TraceEvent::log, .node = n.id, .detail = intern(call.text)});
      break;
    case CallOp::invoke:
    case CallOp::complete:
      do_history(n, call);
      break;
    case CallOp::fail:
      throw ActorAssertion{std::string(call.text)};
    case CallOp::spawn:
      do_spawn(n, call);
      break;
    case CallOp::halt:
      do_halt(n, call);
      break;
    default:
      do_disk(n, call);
      break;
  }
}

// ---------------------------------------------------------------- messages

void Simulation::do_send(Node& n, Call& call) {
  if (call.peer >= nodes_.size()) {
    throw std::out_of_range(n.name + " sent " + std::string(call.args.payload->name()) +
                            " to node " + std::to_string(call.peer) + ", which does not exist");
  }
  Payload& payload = *call.args.payload;
  if (payload.empty()) throw std::logic_error(n.name + " sent an empty message");
  const MessageId id = next_message_id_++;
  const std::uint32_t size = payload.size_bytes();
  const std::uint16_t kind = message_kind(payload.type());
  std::uint64_t content = 0;
  if (!config_.hash_trace) {
    // the body is not hashed: a campaign run that reports no hash
  } else if (payload.hashes_bytes()) {
    content = payload.hash_bytes();
  } else {
    HashFields hasher;
    payload.describe(hasher);
    content = hasher.value();
  }
  if (config_.keep_payloads) {
    JsonFields body;
    payload.describe(body);
    bodies_.push_back(body.take());
  }
  ++stats_.messages_sent;
  record(TraceRecord{.type = TraceEvent::send, .kind = kind, .node = n.id, .peer = call.peer,
                     .detail = size, .value = id},
         content);
  transmit(n, call.peer, std::move(payload), id, size, kind);
}

std::uint16_t Simulation::message_kind(const MessageType* type) {
  if (type == last_type_) return last_kind_;
  auto it = std::find_if(kinds_.begin(), kinds_.end(), [&](const auto& k) { return k.first == type; });
  if (it == kinds_.end()) {
    kinds_.emplace_back(type, trace_.intern_kind(type->name));
    it = kinds_.end() - 1;
  }
  last_type_ = type;
  last_kind_ = it->second;
  return last_kind_;
}

void Simulation::transmit(Node& from, NodeId to, Payload&& payload, MessageId id,
                          std::uint32_t size, std::uint16_t kind) {
  auto drop = [&](DropReason reason) {
    ++stats_.messages_dropped;
    record(TraceRecord{.type = TraceEvent::drop, .reason = static_cast<std::uint8_t>(reason),
                       .kind = kind, .node = from.id, .peer = to, .value = id});
  };
  if (from.id != to && network_.has_partitions() && network_.blocked(from.id, to)) {
    drop(DropReason::partition_send);
    return;
  }
  if (config_.explore.on) {  // in flight until the explorer delivers, drops or copies it
    explore_launch(from.id, to, std::move(payload), id, size, kind);
    return;
  }
  if (!network_.has_link_faults() && !network_.has_link_overrides() && network_.default_quiet()) {
    // The quiet network: no loss, duplication or reordering, a fixed latency.
    launch_copy(from.id, to, std::move(payload), id, size, kind,
                network_.default_link().latency.min_ns);
    return;
  }
  const LinkProfile& link =
      network_.has_link_overrides() ? network_.link(from.id, to) : network_.default_link();
  bool lost = choices_.flip(link.drop, ChoiceKind::drop);
  bool twice = choices_.flip(link.duplicate, ChoiceKind::duplicate);
  if (network_.has_link_faults()) {
    network_.for_each_fault(from.id, to, [&](const LinkFault& f) {
      lost = lost || choices_.flip(f.drop, ChoiceKind::drop);
      twice = twice || choices_.flip(f.duplicate, ChoiceKind::duplicate);
    });
  }
  if (lost) {
    drop(DropReason::random);
    return;
  }
  Payload copy;
  if (twice) copy = payload;

  auto launch = [&](Payload&& body, MessageId message_id) {
    launch_copy(from.id, to, std::move(body), message_id, size, kind,
                link_delay(from.id, to, link, size));
  };
  launch(std::move(payload), id);
  if (twice) {
    const MessageId dup = next_message_id_++;
    ++stats_.messages_duplicated;
    if (config_.keep_payloads) bodies_.push_back(bodies_[id]);
    record(TraceRecord{.type = TraceEvent::duplicate, .kind = kind, .node = from.id, .peer = to,
                       .detail = static_cast<std::uint32_t>(id), .value = dup});
    launch(std::move(copy), dup);
  }
}

void Simulation::launch_copy(NodeId from, NodeId to, Payload&& body, MessageId id,
                             std::uint32_t size, std::uint16_t kind, Duration delay) {
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
  queue_.push(
      Event{.time = now_ + delay, .ref = slot, .node = to, .gen = 0, .kind = EventKind::deliver});
}

Duration Simulation::link_delay(NodeId from, NodeId to, const LinkProfile& link,
                                std::uint32_t size) {
  Duration delay = link.latency.varies()
                       ? link.latency.sample(choices_.pick(Latency::kSteps, ChoiceKind::delay))
                       : link.latency.min_ns;
  auto hold_back = [&](Duration max_ns) {
    return static_cast<Duration>(
        static_cast<Int128>(max_ns) * choices_.pick(Latency::kSteps, ChoiceKind::reorder) /
        (Latency::kSteps - 1));
  };
  if (link.reorder_delay_max_ns > 0 && choices_.flip(link.reorder, ChoiceKind::reorder)) {
    delay += hold_back(link.reorder_delay_max_ns);
  }
  if (network_.has_link_faults()) {
    network_.for_each_fault(from, to, [&](const LinkFault& f) {
      if (f.reorder_delay_max_ns > 0 && choices_.flip(f.reorder, ChoiceKind::reorder)) {
        delay += hold_back(f.reorder_delay_max_ns);
      }
      if (f.extra_delay_max_ns > 0) {
        delay += static_cast<Duration>(static_cast<Int128>(f.extra_delay_max_ns) *
                                       choices_.pick(Latency::kSteps, ChoiceKind::delay) /
                                       (Latency::kSteps - 1));
      }
    });
  }
  if (link.bandwidth_bytes_per_sec > 0) {
    // The link sends one message at a time: this one starts when the last one is out.
    const auto transmit_ns = static_cast<Duration>(static_cast<Int128>(size) * kSecond /
                                                   link.bandwidth_bytes_per_sec);
    Time& free_at = network_.link_free_at(from, to);
    const Time start = std::max(free_at, now_);
    free_at = start + transmit_ns;
    delay += (start - now_) + transmit_ns;
  }
  return delay;
}

void Simulation::on_deliver(const Event& event) {
  InFlight& m = in_flight_[event.ref];
  Node& to = *nodes_[m.to];
  auto release = [&] {
    m.payload.reset();
    free_slots_.push_back(event.ref);
  };
  auto drop = [&](DropReason reason) {
    ++stats_.messages_dropped;
    record(TraceRecord{.type = TraceEvent::drop, .reason = static_cast<std::uint8_t>(reason),
                       .kind = m.kind, .node = m.from, .peer = m.to, .value = m.id});
    release();
  };
  if (!to.up) return drop(DropReason::node_down);
  if (m.from != m.to && network_.has_partitions() && network_.blocked(m.from, m.to)) {
    return drop(DropReason::partition_flight);
  }
  ++stats_.messages_delivered;
  record(TraceRecord{.type = TraceEvent::deliver, .kind = m.kind, .node = m.to, .peer = m.from,
                     .detail = m.size, .value = m.id});
  const bool waiting = to.wait == Wait::recv && !to.paused && to.fiber_live;
  if (waiting && to.recv_filter == nullptr && to.mailbox.empty()) {
    // The receiver is waiting for exactly this: hand the message straight over.
    to.recv_slot->emplace(Envelope{m.from, m.id, std::move(m.payload)});
    release();
    resume_fiber(to);
    return;
  }
  to.mailbox.push_back(Envelope{m.from, m.id, std::move(m.payload)});
  release();
  if (waiting && to.recv_filter != nullptr && (*to.recv_filter)(to.mailbox.back())) {
    // A filtered receive takes it; the messages it passed over stay queued, in order.
    to.recv_slot->emplace(std::move(to.mailbox.back()));
    to.mailbox.pop_back();
    resume_fiber(to);
  }
}

// Moves the first message the current receive accepts out of the mailbox, if any.
static bool take_accepted(std::deque<Envelope>& mailbox, const MessageFilter* filter,
                          std::optional<Envelope>& into) {
  if (filter == nullptr) {
    if (mailbox.empty()) return false;
    into.emplace(std::move(mailbox.front()));
    mailbox.pop_front();
    return true;
  }
  for (auto it = mailbox.begin(); it != mailbox.end(); ++it) {
    if (!(*filter)(*it)) continue;
    into.emplace(std::move(*it));
    mailbox.erase(it);
    return true;
  }
  return false;
}

void Simulation::do_recv(Node& n, Call& call) {
  if (take_accepted(n.mailbox, call.args.recv.filter, *call.args.recv.received)) return;
  // In explore mode only a poll (the earliest time) returns at once: a deadline that has
  // passed still waits, for the explorer to choose when its timer fires.
  const bool poll = call.deadline == std::numeric_limits<Time>::min();
  const bool passed = call.deadline != kTimeNever && n.clock.local(now_) >= call.deadline;
  if (passed && (!config_.explore.on || poll)) return;
  n.recv_slot = call.args.recv.received;
  n.recv_filter = call.args.recv.filter;
  n.wait_label = call.name;
  wait_until(n, call.deadline, static_cast<std::uint8_t>(Wait::recv));
  n.recv_slot = nullptr;
  n.recv_filter = nullptr;
  n.wait_label = {};
  if (call.args.recv.received->has_value()) return;  // handed over on arrival
  take_accepted(n.mailbox, call.args.recv.filter, *call.args.recv.received);  // queued while paused, or timed out
}

void Simulation::do_sleep(Node& n, Call& call) {
  // Even a sleep whose deadline has passed yields: events due now go first.
  n.wait_label = call.name;
  wait_until(n, call.deadline, static_cast<std::uint8_t>(Wait::sleep));
  n.wait_label = {};
}

void Simulation::do_spawn(Node& n, Call& call) {
  FAULTLINE_ASSERT(call.args.spawn.options != nullptr && call.args.spawn.factory != nullptr,
                   "spawn needs options and a factory");
  const NodeId id = add_node(std::move(*call.args.spawn.options), std::move(*call.args.spawn.factory));
  record(TraceRecord{.type = TraceEvent::spawn, .node = id, .peer = n.id});
  call.result = id;
}

void Simulation::do_halt(Node& n, Call& call) {
  record(TraceRecord{.type = TraceEvent::halt, .node = n.id, .detail = intern(call.text)});
  const NodeId id = n.id;
  const auto delay = static_cast<Duration>(call.n);
  // The crash happens once the fiber has unwound (a fiber cannot free its own stack).
  at(now_, "halt " + n.name, [id, delay](Simulation& s) {
    s.crash(id);
    s.at(s.now() + delay, "restart after halt", [id](Simulation& s2) { s2.restart(id); });
  });
  n.kill = true;
  throw ActorKilled{};
}

// ---------------------------------------------------------------- state, history, disk

void Simulation::do_annotate(Node& n, Call& call) {
  const Node::AnnotationKey* slot = nullptr;
  for (const Node::AnnotationKey& k : n.annotation_keys) {
    if (k.key.size() == call.name.size() && k.key == call.name) {
      slot = &k;
      break;
    }
  }
  if (slot == nullptr) {
    Annotation* value = &n.annotations.emplace(std::string(call.name), Annotation{}).first->second;
    slot = &n.annotation_keys.emplace_back(
        Node::AnnotationKey{std::string(call.name), trace_.intern_kind(call.name), value});
  } else if (slot->value->is_text == call.is_text &&
             (call.is_text ? slot->value->text == call.text
                           : slot->value->number == call.args.number)) {
    return;  // a state fact that did not change is not an event
  }
  Annotation& a = *slot->value;
  a.is_text = call.is_text;
  a.number = call.is_text ? 0 : call.args.number;
  if (call.is_text) a.text.assign(call.text);
  else a.text.clear();
  // A text's id is read only from a kept trace, and folded only into a hashed one: a
  // campaign's run (neither) skips the table, where every new text (a Multi-Paxos
  // acceptance's) was a hash, a copy and an insert.
  const bool texts_read = config_.keep_trace || config_.hash_trace;
  const std::uint64_t value = !call.is_text ? static_cast<std::uint64_t>(call.args.number)
                              : texts_read  ? intern(call.text)
                                            : 0;
  record(TraceRecord{.type = TraceEvent::annotate,
                     .reason = call.is_text ? std::uint8_t{1} : std::uint8_t{0},
                     .kind = slot->kind, .node = n.id, .value = value});
}

void Simulation::do_history(Node& n, Call& call) {
  HistoryEvent event;
  if (call.op == CallOp::invoke) {
    if (n.open_op) throw std::logic_error(n.name + " invoked an operation while one is open");
    if (!n.has_process) {
      n.process = next_process_++;
      n.has_process = true;
    }
    event.type = OpType::invoke;
    event.key = *call.args.history.key;
  } else {
    if (!n.open_op || n.open_op->index != call.n) {
      throw std::logic_error(n.name + " completed an operation that is not open");
    }
    const HistoryEvent& invocation = history_.events()[n.open_op->index];
    event.type = call.outcome;
    event.key = invocation.key;
    event.f = invocation.f;
    if (call.outcome == OpType::invoke) throw std::logic_error("complete with type invoke");
  }
  if (call.op == CallOp::invoke) event.f = std::string(call.name);
  event.process = n.process;
  event.value = std::move(*call.args.history.value);
  event.time = now_;
  event.node = n.id;
  const std::size_t index = history_.size();
  history_.add(std::move(event));
  record(TraceRecord{.type = TraceEvent::client, .reason = static_cast<std::uint8_t>(history_.events().back().type),
                     .node = n.id, .detail = n.process, .value = index});
  if (call.op == CallOp::invoke) {
    n.open_op = OpHandle{n.process, index};
    call.result = index;
  } else {
    n.open_op.reset();
    if (call.outcome == OpType::info) n.has_process = false;  // Jepsen: a fresh process
  }
}

void Simulation::do_disk(Node& n, Call& call) {
  const bool write = call.op == CallOp::disk_put || call.op == CallOp::disk_erase ||
                     call.op == CallOp::disk_append || call.op == CallOp::disk_truncate;
  if (write && n.disk_full) {
    // A full disk refuses the write; the next sync reports it (DiskHandle::sync).
    n.disk_refused = true;
    record(TraceRecord{.type = TraceEvent::disk_write, .reason = static_cast<std::uint8_t>(call.op),
                       .node = n.id, .detail = 1, .value = call.text.size()});
    return;
  }
  switch (call.op) {
    case CallOp::disk_put:
      n.disk.put(call.name, call.text);
      break;
    case CallOp::disk_erase:
      n.disk.erase(call.name);
      break;
    case CallOp::disk_append:
      n.disk.append(call.name, call.text);
      break;
    case CallOp::disk_truncate:
      n.disk.truncate(call.name, call.n);
      break;
    case CallOp::disk_read: {
      std::string& bytes = *call.args.bytes;
      if (!bytes.empty() && choices_.flip(n.disk_profile.read_corruption, ChoiceKind::disk)) {
        const std::uint32_t bit =
            choices_.pick(static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size() * 8, 1u << 31)),
                          ChoiceKind::disk);
        bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
        record(TraceRecord{.type = TraceEvent::disk_corrupt, .node = n.id, .value = bit});
      }
      return;
    }
    case CallOp::disk_sync: {
      const DiskProfile& p = n.disk_profile;
      if (p.sync_latency_max_ns > 0 && !config_.explore.on) {  // explore: syncs are instant
        Duration latency = p.sync_latency_min_ns;
        if (p.sync_latency_max_ns > p.sync_latency_min_ns) {
          latency += static_cast<Duration>(
              static_cast<Int128>(p.sync_latency_max_ns - p.sync_latency_min_ns) *
              choices_.pick(Latency::kSteps, ChoiceKind::disk) / (Latency::kSteps - 1));
        }
        wait_until(n, now_ + latency, static_cast<std::uint8_t>(Wait::sync));
      }
      const std::size_t count = n.disk.sync();
      call.ok = !n.disk_refused;
      n.disk_refused = false;
      record(TraceRecord{.type = TraceEvent::disk_sync, .node = n.id, .detail = call.ok ? 0u : 1u,
                         .value = count});
      return;
    }
    default:
      throw std::logic_error("unknown kernel call");
  }
  record(TraceRecord{.type = TraceEvent::disk_write, .reason = static_cast<std::uint8_t>(call.op),
                     .node = n.id, .value = call.text.size()});
}

}  // namespace faultline::sim
