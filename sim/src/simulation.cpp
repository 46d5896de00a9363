// The kernel: the event loop, fibers, and the one entry point for actor effects.
#include "sim/simulation.hpp"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "kernel_node.hpp"
#include "stack_pool.hpp"

namespace faultline::sim {
namespace {
#ifndef FAULTLINE_PREFETCH_AHEAD
#define FAULTLINE_PREFETCH_AHEAD 2
#endif
constexpr std::size_t kPrefetchAhead = FAULTLINE_PREFETCH_AHEAD;
}  // namespace

Simulation::Simulation(SimConfig config, ChoiceSource& choices)
    : config_(std::move(config)),
      choices_(choices),
      network_(config_.network),
      stacks_(StackPool::take(config_.stack_bytes, config_.stack_guard_pages)) {
  FAULTLINE_ASSERT(config_.hash_trace || !config_.keep_digests,
                   "per-event digests come from the trace hash: keep_digests needs hash_trace");
  trace_.set_keep(config_.keep_trace);
  trace_.set_hashing(config_.hash_trace);
  trace_.set_keep_digests(config_.keep_digests);
#if defined(__SSE__)
  // Boost.Context saves and restores MXCSR on every switch; if one context has raised a
  // sticky floating-point flag that another has not, each switch costs ~100 ns instead
  // of ~7 ns. Raising all sticky flags once makes every context's MXCSR identical.
  _mm_setcsr(_mm_getcsr() | 0x3F);
#endif
}

Simulation::~Simulation() {
  // Unwind every live actor so its destructors run (RAII), in node order.
  for (auto& node : nodes_) {
    if (node->fiber_live) kill_fiber(*node);
    node->actor.reset();
  }
  StackPool::give_back(std::move(stacks_));  // kept only when every stack is back
}

Simulation::Node& Simulation::node_ref(NodeId id) const {
  if (id >= nodes_.size()) throw std::out_of_range("no node " + std::to_string(id));
  return *nodes_[id];
}

NodeId Simulation::add_node(NodeOptions options, ActorFactory factory) {
  // During a run only Context::spawn adds nodes (running_ is the parent).
  if (ran_ && running_ == nullptr) throw std::logic_error("add_node after run()");
  const auto id = static_cast<NodeId>(nodes_.size());
  FAULTLINE_ASSERT(id != kNoNode, "node ids are exhausted");
  Node& n = *nodes_.emplace_back(std::make_unique<Node>(*this, id));
  n.name = options.name.empty() ? "n" + std::to_string(id) : std::move(options.name);
  n.role = std::move(options.role);
  n.factory = std::move(factory);
  n.base_disk = options.disk.value_or(config_.disk);
  n.disk_profile = n.base_disk;
  n.clock.set_offset(0, options.clock_offset_ns);
  n.clock.set_drift(0, options.clock_drift_ppm);
  n.parent = running_ != nullptr ? running_->id : kNoNode;
  queue_.push(Event{.time = now_, .ref = 0, .node = id, .gen = 0, .kind = EventKind::start});
  return id;
}

void Simulation::add_invariant(std::string name, Invariant check) {
  invariants_.push_back(Invariants{{std::move(name)}, std::move(check), {}});
}

void Simulation::add_invariant_group(std::vector<std::string> names, InvariantGroup check) {
  FAULTLINE_ASSERT(!names.empty(), "an invariant group names at least one invariant");
  invariants_.push_back(Invariants{std::move(names), {}, std::move(check)});
}

std::vector<std::string> Simulation::invariant_names() const {
  std::vector<std::string> names;
  for (const Invariants& i : invariants_) names.insert(names.end(), i.names.begin(), i.names.end());
  return names;
}

void Simulation::at(Time time, std::string label, Action action) {
  if (time < now_) throw std::logic_error("action '" + label + "' scheduled in the past");
  const auto index = static_cast<std::uint32_t>(actions_.size());
  actions_.emplace_back(std::move(label), std::move(action));
  queue_.push(Event{.time = time, .ref = index, .node = kNoNode, .gen = 0,
                    .kind = EventKind::control});
}

std::size_t Simulation::record(TraceRecord r, std::uint64_t content) {
  r.time = now_;
  return trace_.record(r, content);
}

// ---------------------------------------------------------------- the event loop

namespace {
// Makes `place` the thread's current run for assertion messages while it lives.
class PlaceGuard {
 public:
  explicit PlaceGuard(RunPlace* place) : previous_(current_run_place()) {
    set_current_run_place(place);
  }
  ~PlaceGuard() { set_current_run_place(previous_); }
  PlaceGuard(const PlaceGuard&) = delete;
  PlaceGuard& operator=(const PlaceGuard&) = delete;

 private:
  RunPlace* previous_;
};
}  // namespace

std::string Simulation::describe_place() const {
  std::string place = "seed " + std::to_string(config_.seed) + ", t=" + format_time(now_);
  if (running_ != nullptr) place += ", node " + running_->name;
  return place + ", event " + std::to_string(trace_.size());
}

RunResult Simulation::run() {
  if (ran_) throw std::logic_error("a Simulation runs once");
  ran_ = true;
  const PlaceGuard place(this);
  if (config_.explore.on) return run_explore();
  while (!stopped_ && !queue_.empty()) {
    if (queue_.top().time > config_.time_limit_ns) {
      now_ = config_.time_limit_ns;
      stop_reason_ = "time limit " + format_time(config_.time_limit_ns) + " reached";
      break;
    }
    if (const Event* next = queue_.peek_ahead(kPrefetchAhead)) prefetch(*next);
    const Event event = queue_.pop();
    now_ = event.time;
    const std::size_t before = trace_.size();
    dispatch(event);
    if (trace_.size() == before) continue;  // a stale event: nothing happened
    after_event(event.node);
  }
  if (!stopped_ && queue_.empty() && stop_reason_.empty()) {
    now_ = last_active_;  // only stale timers were left after the last real event
    stop_reason_ = "nothing left to happen at " + format_time(now_);
  }

  return result();
}

RunResult Simulation::result() const {
  RunResult result;
  result.findings = findings_;
  result.events = trace_.size();
  result.sim_time_ns = now_;
  result.trace_hash = trace_.hash();
  result.stop_reason = stop_reason_;
  result.stats = stats_;
  result.choices = choices_.tape().size();
  result.tape_misfits = choices_.misfits();
  result.first_misfit = choices_.first_misfit();
  result.verdict = Verdict::ok;
  for (const Finding& f : findings_) {
    if (f.kind == FindingKind::event_limit) {
      if (result.verdict == Verdict::ok) result.verdict = Verdict::unknown;
    } else {
      result.verdict = Verdict::violation;
    }
  }
  return result;
}

// With thousands of actors, each event touches memory that has left the caches: the
// receiver's node, the message and the top of its fiber's stack. Fetching them for the
// next event while this one runs hides most of that latency. Prefetching never faults
// and changes no state, so it cannot affect the run.
void Simulation::prefetch(const Event& next) const {
  // (kPrefetchAhead events ahead: one event's work is too short to hide a memory access.)
  if (next.node >= nodes_.size()) return;
  const Node* n = nodes_[next.node].get();
  // The hot fields, up to the mailbox's end (see kernel_node.hpp).
  const auto* first = reinterpret_cast<const char*>(n);
  const auto* last = reinterpret_cast<const char*>(&n->mailbox + 1);
  for (const char* line = first; line < last; line += 64) __builtin_prefetch(line);
  if (next.kind == EventKind::deliver) {
    const auto* m = reinterpret_cast<const char*>(&in_flight_[next.ref]);
    __builtin_prefetch(m);
    __builtin_prefetch(m + 64);
  }
  // A suspended fcontext fiber is one pointer: its saved stack pointer, above which lie
  // the frames it will return through.
  const char* sp = nullptr;
  static_assert(sizeof(n->fiber) == sizeof(sp));
  std::memcpy(&sp, &n->fiber, sizeof sp);
  if (sp == nullptr) return;
  for (int line = 0; line < 12; ++line) __builtin_prefetch(sp + 64 * line);
}

// After an event that did something: invariants, then the event bound.
void Simulation::after_event(NodeId cause) {
  last_active_ = now_;
  if (!stopped_ && !invariants_.empty()) check_invariants(cause);
  if (!stopped_ && trace_.size() >= config_.max_events) {
    add_finding(Finding{FindingKind::event_limit, "event limit",
                        "the run reached its bound of " + std::to_string(config_.max_events) +
                            " events at " + format_time(now_) +
                            " before its time limit; a livelock is likely",
                        trace_.size(), now_, cause});
    stop_run("event limit reached");
  }
}

void Simulation::stop(std::string reason) { stop_run(std::move(reason)); }

void Simulation::stop_run(std::string reason) {
  if (stopped_) return;
  stopped_ = true;
  stop_reason_ = std::move(reason);
}

void Simulation::dispatch(const Event& event) {
  switch (event.kind) {
    case EventKind::start:
      on_start(node_ref(event.node));
      break;
    case EventKind::deliver:
      on_deliver(event);
      break;
    case EventKind::wake:
      on_wake(event);
      break;
    case EventKind::control: {
      // Copy the label: the action may schedule more actions and grow the vector.
      Action action = actions_[event.ref].second;
      action(*this);
      break;
    }
  }
}

void Simulation::check_invariants(NodeId cause) {
  for (const Invariants& i : invariants_) {
    if (i.one) {
      std::optional<std::string> broken = i.one(*this);
      if (!broken) continue;
      add_finding(Finding{FindingKind::invariant, i.names.front(), std::move(*broken),
                          trace_.size(), now_, cause});
      return;
    }
    std::optional<std::pair<std::size_t, std::string>> broken = i.group(*this);
    if (!broken) continue;
    FAULTLINE_ASSERT(broken->first < i.names.size(),
                     "an invariant group names the invariant it reports broken");
    add_finding(Finding{FindingKind::invariant, i.names[broken->first], std::move(broken->second),
                        trace_.size(), now_, cause});
    return;
  }
}

void Simulation::add_finding(Finding f) {
  f.event_index = trace_.size();
  f.time = now_;
  const std::size_t index = findings_.size();
  findings_.push_back(std::move(f));
  record(TraceRecord{.type = TraceEvent::violation, .node = findings_.back().node,
                     .detail = intern(findings_.back().name), .value = index});
  if (config_.stop_on_finding && findings_.back().kind != FindingKind::event_limit) {
    stop_run(std::string(finding_kind_name(findings_.back().kind)) + " found: " +
             findings_.back().name);
  }
}

void Simulation::report(Finding finding) {
  add_finding(std::move(finding));
}

void Simulation::log(std::string_view text) {
  record(TraceRecord{.type = TraceEvent::log, .detail = intern(text)});
}

// ---------------------------------------------------------------- fibers

void Simulation::on_start(Node& n) {
  if (!n.up || n.fiber_live) return;
  if (n.paused) {
    n.start_deferred = true;
    return;
  }
  n.kill = false;
  n.wait = Wait::none;
  n.actor = n.factory(n.id);
  if (!n.actor) throw std::logic_error("actor factory for " + n.name + " returned null");
  record(TraceRecord{.type = TraceEvent::start, .node = n.id, .value = n.incarnation});
  start_fiber(n);
}

void Simulation::start_fiber(Node& n) {
  namespace bc = boost::context;
  n.fiber = bc::fiber(std::allocator_arg, PoolStackAllocator(stacks_.get()),
                      [this, &n](bc::fiber&& kernel) {
                        n.kernel = std::move(kernel);
                        actor_main(n);
                        n.fiber_done = true;
                        return std::move(n.kernel);
                      });
  n.fiber_done = false;
  n.fiber_live = true;
  resume_fiber(n);
}

void Simulation::actor_main(Node& n) {
  auto fail_actor = [&](FindingKind kind, std::string name, std::string message) {
    if (n.kill) return;  // a dying actor's last words are not findings
    record(TraceRecord{.type = TraceEvent::error, .node = n.id, .detail = intern(message)});
    add_finding(Finding{kind, std::move(name), std::move(message), 0, 0, n.id});
  };
  try {
    n.actor->run(n.ctx);
    if (!n.kill) record(TraceRecord{.type = TraceEvent::finish, .node = n.id});
  } catch (const ActorKilled&) {
    // the node crashed: its stack has unwound
  } catch (const LivelockStop&) {
    fail_actor(FindingKind::livelock, "livelock",
               n.name + " made " + std::to_string(config_.max_calls_per_step) +
                   " kernel calls without blocking");
  } catch (const ActorAssertion& a) {
    fail_actor(FindingKind::actor_error, "assertion", n.name + ": assertion failed: " + a.what);
  } catch (const std::exception& e) {
    fail_actor(FindingKind::actor_error, "exception", n.name + " threw: " + e.what());
  } catch (...) {
    fail_actor(FindingKind::actor_error, "exception", n.name + " threw a non-standard exception");
  }
  n.wait = Wait::none;
}

void Simulation::resume_fiber(Node& n) {
  running_ = &n;
  n.calls_this_step = 0;
  ++stats_.fiber_switches;
  n.fiber = std::move(n.fiber).resume();
  running_ = nullptr;
  if (n.fiber_done) {
    // fcontext hands back an empty fiber when one finishes; ucontext (the sanitizer
    // build) a finished one, which releasing frees.
    n.fiber = {};
    n.fiber_live = false;
  }
}

void Simulation::suspend(Node& n) {
  n.kernel = std::move(n.kernel).resume();
  if (n.kill) throw ActorKilled{};
}

void Simulation::kill_fiber(Node& n) {
  if (!n.fiber_live) return;
  n.kill = true;
  resume_fiber(n);
  n.fiber_live = false;
}

// ---------------------------------------------------------------- waiting

void Simulation::wait_until(Node& n, Time deadline, std::uint8_t wait_kind) {
  n.wait = static_cast<Wait>(wait_kind);
  n.wait_deadline = deadline;
  ++n.wait_gen;
  schedule_wake(n);
  suspend(n);
  n.wait = Wait::none;
}

void Simulation::schedule_wake(Node& n) {
  if (n.wait_deadline == kTimeNever) return;
  const Time at = n.wait == Wait::sync ? std::max(n.wait_deadline, now_)
                                       : n.clock.true_time_of(n.wait_deadline, now_);
  if (at == kTimeNever) return;
  queue_.push(Event{.time = at, .ref = 0, .node = n.id, .gen = n.wait_gen, .kind = EventKind::wake});
}

void Simulation::on_wake(const Event& event) {
  Node& n = node_ref(event.node);
  if (event.gen != n.wait_gen || !n.up || !n.fiber_live || n.wait == Wait::none) return;
  if (n.paused) {
    n.wake_deferred = true;
    return;
  }
  n.wake_deferred = false;
  if (n.wait == Wait::recv && has_accepted(n)) {
    resume_fiber(n);
    return;
  }
  const bool due = n.wait == Wait::sync ? now_ >= n.wait_deadline
                                        : n.clock.local(now_) >= n.wait_deadline;
  if (!due) {  // the clock was set back since this wake was scheduled
    schedule_wake(n);
    return;
  }
  std::uint32_t label = 0;
  if (!n.wait_label.empty()) {
    if (n.wait_label != n.last_label) {
      n.last_label.assign(n.wait_label);
      n.last_label_id = intern(n.wait_label);
    }
    label = n.last_label_id + 1;
  }
  record(TraceRecord{.type = TraceEvent::timer, .reason = static_cast<std::uint8_t>(n.wait),
                     .node = n.id, .detail = label});
  resume_fiber(n);
}

// ---------------------------------------------------------------- faults

void Simulation::crash(NodeId id) {
  Node& n = node_ref(id);
  if (!n.up) return;
  record(TraceRecord{.type = TraceEvent::crash, .node = id});
  ++stats_.crashes;
  kill_fiber(n);
  n.actor.reset();
  n.up = false;
  n.paused = false;
  n.wake_deferred = n.start_deferred = false;
  n.mailbox.clear();
  n.wait = Wait::none;
  n.recv_slot = nullptr;
  n.recv_filter = nullptr;
  n.wait_label = {};
  n.disk_refused = false;
  ++n.wait_gen;
  n.annotations.clear();
  n.annotation_keys.clear();
  n.open_op.reset();
  n.has_process = false;
  const std::size_t lost = n.disk.unsynced();
  bool torn = false;
  std::size_t torn_bytes = 0;
  // Explore mode explores no torn writes: a crash loses exactly what was not synced.
  if (lost > 0 && !config_.explore.on && choices_.flip(n.disk_profile.torn_write, ChoiceKind::disk)) {
    const auto length = static_cast<std::uint32_t>(n.disk.last_unsynced()->bytes.size());
    torn = length > 0;
    torn_bytes = torn ? choices_.pick(length, ChoiceKind::disk) : 0;
  }
  n.disk.crash(torn, torn_bytes);
  if (lost > 0) {
    record(TraceRecord{.type = TraceEvent::disk_loss, .node = id,
                       .detail = torn ? 1u : 0u, .value = lost});
  }
}

void Simulation::restart(NodeId id) {
  Node& n = node_ref(id);
  if (n.up) return;
  n.up = true;
  ++n.incarnation;
  record(TraceRecord{.type = TraceEvent::restart, .node = id, .value = n.incarnation});
  queue_.push(Event{.time = now_, .ref = 0, .node = id, .gen = 0, .kind = EventKind::start});
}

void Simulation::pause(NodeId id) {
  Node& n = node_ref(id);
  if (!n.up || n.paused) return;
  n.paused = true;
  record(TraceRecord{.type = TraceEvent::pause, .node = id});
}

void Simulation::resume(NodeId id) {
  Node& n = node_ref(id);
  if (!n.up || !n.paused) return;
  n.paused = false;
  record(TraceRecord{.type = TraceEvent::resume, .node = id});
  if (n.start_deferred) {
    n.start_deferred = false;
    queue_.push(Event{.time = now_, .ref = 0, .node = id, .gen = 0, .kind = EventKind::start});
  }
  const bool ready = n.wake_deferred || (n.wait == Wait::recv && has_accepted(n));
  if (ready) {
    queue_.push(
        Event{.time = now_, .ref = 0, .node = id, .gen = n.wait_gen, .kind = EventKind::wake});
  }
}

std::uint32_t Simulation::partition(Partition p, std::string_view description) {
  const std::uint32_t id = network_.add_partition(std::move(p));
  record(TraceRecord{.type = TraceEvent::partition, .detail = intern(description), .value = id});
  return id;
}

void Simulation::heal(std::uint32_t id) {
  if (network_.remove_partition(id)) record(TraceRecord{.type = TraceEvent::heal, .value = id});
}

void Simulation::heal_all() {
  if (!network_.has_partitions()) return;
  network_.clear_partitions();
  record(TraceRecord{.type = TraceEvent::heal, .value = 0});
}

std::uint32_t Simulation::degrade(LinkFault fault, std::string_view description) {
  const std::uint32_t id = network_.add_link_fault(std::move(fault));
  record(TraceRecord{.type = TraceEvent::link_fault, .detail = intern(description), .value = id});
  return id;
}

void Simulation::restore(std::uint32_t id) {
  if (network_.remove_link_fault(id)) {
    record(TraceRecord{.type = TraceEvent::link_heal, .value = id});
  }
}

void Simulation::restore_all() {
  if (!network_.has_link_faults()) return;
  network_.clear_link_faults();
  record(TraceRecord{.type = TraceEvent::link_heal, .value = 0});
}

// A node's clock changed: the true time of its deadline moved. The wake scheduled for
// the old one is made stale and a new one scheduled; a wake that was already due (a
// resume's, for messages that arrived while the node was paused) is stale too, and is
// issued again — else a node waiting without a deadline would never wake.
void Simulation::clock_changed(Node& n) {
  if (n.wait != Wait::recv && n.wait != Wait::sleep) return;
  ++n.wait_gen;
  schedule_wake(n);
  const bool ready = n.wake_deferred || (n.wait == Wait::recv && has_accepted(n));
  if (ready && n.up && !n.paused) {
    queue_.push(Event{.time = now_, .ref = 0, .node = n.id, .gen = n.wait_gen, .kind = EventKind::wake});
  }
}

void Simulation::clock_jump(NodeId id, Duration delta) {
  Node& n = node_ref(id);
  n.clock.jump(now_, delta);
  record(TraceRecord{.type = TraceEvent::clock, .reason = static_cast<std::uint8_t>(ClockChange::jump),
                     .node = id, .value = static_cast<std::uint64_t>(delta)});
  clock_changed(n);
}

void Simulation::clock_drift(NodeId id, std::int64_t ppm) {
  Node& n = node_ref(id);
  if (ppm <= -1000000) throw std::invalid_argument("clock drift must be above -1,000,000 ppm");
  n.clock.set_drift(now_, ppm);
  record(TraceRecord{.type = TraceEvent::clock, .reason = static_cast<std::uint8_t>(ClockChange::drift),
                     .node = id, .value = static_cast<std::uint64_t>(ppm)});
  clock_changed(n);
}

void Simulation::clock_offset(NodeId id, Duration offset) {
  Node& n = node_ref(id);
  n.clock.set_offset(now_, offset);
  record(TraceRecord{.type = TraceEvent::clock, .reason = static_cast<std::uint8_t>(ClockChange::offset),
                     .node = id, .value = static_cast<std::uint64_t>(offset)});
  clock_changed(n);
}

// ---------------------------------------------------------------- disk faults

std::uint32_t Simulation::disk_fault(NodeId id, DiskFault fault, std::string_view description) {
  Node& n = node_ref(id);
  FAULTLINE_ASSERT(fault.slow_factor >= 1, "a slow disk is at least as slow as the disk");
  const std::uint32_t fault_id = next_disk_fault_++;
  n.disk_faults.emplace_back(fault_id, fault);
  apply_disk_faults(n);
  const std::string what = description.empty()
                               ? std::string(disk_fault_kind_name(fault.kind)) + " on " + n.name
                               : std::string(description);
  record(TraceRecord{.type = TraceEvent::disk_fault, .node = id, .detail = intern(what), .value = fault_id});
  return fault_id;
}

void Simulation::end_disk_fault(std::uint32_t fault_id) {
  for (auto& node : nodes_) {
    auto& faults = node->disk_faults;
    auto it = std::find_if(faults.begin(), faults.end(),
                           [&](const auto& f) { return f.first == fault_id; });
    if (it == faults.end()) continue;
    faults.erase(it);
    apply_disk_faults(*node);
    record(TraceRecord{.type = TraceEvent::disk_heal, .node = node->id, .value = fault_id});
    return;
  }
}

// The node's profile: its own, with every active fault applied in the order they began.
void Simulation::apply_disk_faults(Node& n) {
  DiskProfile p = n.base_disk;
  n.disk_full = false;
  std::int64_t slow = 1;  // overlapping slow windows do not compound: the slowest one counts
  for (const auto& [id, fault] : n.disk_faults) {
    switch (fault.kind) {
      case DiskFault::Kind::torn_writes:
        p.torn_write = fault.ratio;
        break;
      case DiskFault::Kind::read_corruption:
        p.read_corruption = fault.ratio;
        break;
      case DiskFault::Kind::slow:
        slow = std::max(slow, fault.slow_factor);
        break;
      case DiskFault::Kind::full:
        n.disk_full = true;
        break;
    }
  }
  if (slow > 1) {
    p.sync_latency_min_ns = std::max<Duration>(p.sync_latency_min_ns, kMicrosecond) * slow;
    p.sync_latency_max_ns = std::max<Duration>(p.sync_latency_max_ns, kMicrosecond) * slow;
  }
  n.disk_profile = p;
}

void Simulation::lose_unsynced(NodeId id) {
  Node& n = node_ref(id);
  const std::size_t lost = n.disk.forget_unsynced();
  if (lost > 0) record(TraceRecord{.type = TraceEvent::disk_loss, .node = id, .value = lost});
}

void Simulation::wipe_disk(NodeId id) {
  Node& n = node_ref(id);
  const std::uint64_t wipes = n.disk.wipes();
  const std::size_t held = n.disk.wipe();
  FAULTLINE_ASSERT(n.disk.wipes() == wipes + 1 && n.disk.current().kv.empty(), "the disk is empty");
  record(TraceRecord{.type = TraceEvent::disk_loss, .node = id, .detail = 2, .value = held});
}

// ---------------------------------------------------------------- the omniscient view

std::size_t Simulation::node_count() const { return nodes_.size(); }
const std::string& Simulation::node_name(NodeId id) const { return node_ref(id).name; }
const std::string& Simulation::node_role(NodeId id) const { return node_ref(id).role; }
bool Simulation::is_up(NodeId id) const { return node_ref(id).up; }
bool Simulation::is_paused(NodeId id) const { return node_ref(id).paused; }
std::uint64_t Simulation::incarnation(NodeId id) const { return node_ref(id).incarnation; }
Actor* Simulation::actor(NodeId id) const { return node_ref(id).actor.get(); }
const Disk& Simulation::disk(NodeId id) const { return node_ref(id).disk; }
Disk& Simulation::disk(NodeId id) { return node_ref(id).disk; }
const NodeClock& Simulation::clock(NodeId id) const { return node_ref(id).clock; }
const DiskProfile& Simulation::disk_profile(NodeId id) const { return node_ref(id).disk_profile; }
NodeId Simulation::parent(NodeId id) const { return node_ref(id).parent; }

const Annotation* Simulation::annotation(NodeId id, std::string_view key) const {
  const auto& map = node_ref(id).annotations;
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

const std::map<std::string, Annotation, std::less<>>& Simulation::annotations(NodeId id) const {
  return node_ref(id).annotations;
}

}  // namespace faultline::sim
