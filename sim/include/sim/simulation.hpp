#pragma once
// The simulation kernel: one process runs a whole cluster deterministically.
//
// Each node runs its actor as a fiber (Boost.Context), written in a blocking style
// through its Context: send, recv with a deadline, sleep, now, random, disk, annotate,
// history. Exactly one fiber runs at a time; the kernel resumes them in event order
// (time, then insertion order). Every effect an actor has goes through one kernel entry
// point, Simulation::perform(), so the scheduler, the trace and an explorer see all of
// them. Every nondeterministic decision is a choice (choice.hpp).
//
// A run is a pure function of (configuration, choices): no wall clock, no threads, no
// global state, no address-dependent order. Several simulations may run in one process
// at once, one per thread.
//
//   sim::SeededChoices choices(seed);
//   sim::Simulation sim(config, choices);
//   NodeId server = sim.add_node({.name = "server"}, [](NodeId) { return make_server(); });
//   sim.add_invariant("replies match requests", [](const Simulation& s) { ... });
//   sim.at(2 * kSecond, "crash server", [=](Simulation& s) { s.crash(server); });
//   RunResult result = sim.run();
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/actor.hpp"
#include "sim/assert.hpp"
#include "sim/choice.hpp"
#include "sim/clock.hpp"
#include "sim/disk.hpp"
#include "sim/event_queue.hpp"
#include "sim/explore.hpp"
#include "sim/client_history.hpp"
#include "sim/message.hpp"
#include "sim/network.hpp"
#include "sim/trace.hpp"
#include "sim/types.hpp"

namespace faultline::sim {

struct SimConfig {
  Time time_limit_ns = 10 * kSecond;        // the run ends at this true time
  std::uint64_t max_events = 20'000'000;    // trace events; beyond: verdict unknown
  std::uint64_t max_calls_per_step = 1'000'000;  // kernel calls without blocking: livelock
  std::size_t stack_bytes = 64 * 1024;
  // A guard page below each stack: a page-table marker on Linux 6.13+ (see
  // marker_guard_pages()), else a PROT_NONE mapping each (at most ~32k of them).
  bool stack_guard_pages = true;
  bool keep_trace = true;         // keep the event records
  bool keep_payloads = false;     // keep message bodies for the JSON trace
  bool keep_digests = false;      // keep 16 bits of each event's digest (repro files)
  // Compute the trace hash, message bodies included. Off only where the hash is not
  // reported (a fuzzing campaign's runs, which are re-run in full to save a failure): the
  // run itself is the same either way; without it RunResult::trace_hash is 0. Hashing cost
  // a Raft campaign ~9% (interleaved runs, bench/README.md). keep_digests needs it.
  bool hash_trace = true;
  bool stop_on_finding = true;    // the first violation ends the run
  std::uint64_t seed = 0;         // for messages only (assertions): the run's seed, if any
  LinkProfile network;            // every link's profile unless set per link
  DiskProfile disk;               // every node's disk
  ExploreConfig explore;          // explore mode (sim/explore.hpp); off by default
};


enum class FindingKind : std::uint8_t {
  invariant,        // a safety property broke
  liveness,         // progress did not resume in the bound after the faults healed
  linearizability,  // the client history has no linearization
  actor_error,      // an actor threw or failed an assertion
  livelock,         // an actor kept calling the kernel without ever blocking
  event_limit,      // the run hit its event bound before its time limit
  expectation,      // a scenario's expectation was not met
};
std::string_view finding_kind_name(FindingKind kind);

struct Finding {
  FindingKind kind = FindingKind::invariant;
  std::string name;     // invariant or property name
  std::string message;  // what was seen
  std::uint64_t event_index = 0;
  Time time = 0;
  NodeId node = kNoNode;
};

enum class Verdict : std::uint8_t { ok, violation, unknown };
std::string_view verdict_name(Verdict verdict);

struct RunStats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t messages_duplicated = 0;
  std::uint64_t crashes = 0;
  std::uint64_t fiber_switches = 0;
};

struct RunResult {
  Verdict verdict = Verdict::ok;
  std::vector<Finding> findings;
  std::uint64_t events = 0;  // trace records
  Time sim_time_ns = 0;
  std::uint64_t trace_hash = 0;
  std::string stop_reason;
  RunStats stats;
  std::size_t choices = 0;
  std::size_t tape_misfits = 0;
  std::optional<TapeMisfit> first_misfit;
};

// A state fact an actor published (role=leader, term=4), the latest per key.
struct Annotation {
  bool is_text = false;
  std::int64_t number = 0;
  std::string text;
};

using Invariant = std::function<std::optional<std::string>(const Simulation&)>;
// Several named invariants in one check: the index (into the names given with it) of the
// first one broken, and why.
using InvariantGroup =
    std::function<std::optional<std::pair<std::size_t, std::string>>(const Simulation&)>;
using Action = std::function<void(Simulation&)>;

class Simulation final : private RunPlace {
 public:
  Simulation(SimConfig config, ChoiceSource& choices);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Whether this kernel makes guard pages as page-table markers (Linux 6.13+), which
  // cost no mapping each: then any number of actors can have guarded stacks.
  static bool marker_guard_pages();

  // Setup (before run(); during a run, actors add nodes with Context::spawn).
  NodeId add_node(NodeOptions options, ActorFactory factory);
  void add_invariant(std::string name, Invariant check);
  // Invariants that one call checks, for properties an observer records as they break:
  // one call after each event instead of one per name. They are reported, named and
  // ordered exactly as the same names added one by one would be.
  void add_invariant_group(std::vector<std::string> names, InvariantGroup check);
  // Schedules an action (a fault, a heal, a check) at a true time.
  void at(Time time, std::string label, Action action);

  // Runs until the time limit, the event bound, a finding, or until nothing is left.
  RunResult run();
  // The result as it stands: after run(), end-of-run checks may report() more findings.
  RunResult result() const;
  // Ends the run after the current event.
  void stop(std::string reason);

  // The kernel entry point: every effect of an actor.
  void perform(NodeId node, Call& call);

  // Faults, for actions and tests.
  void crash(NodeId node);
  void restart(NodeId node);
  void pause(NodeId node);
  void resume(NodeId node);
  std::uint32_t partition(Partition p, std::string_view description = {});
  void heal(std::uint32_t partition_id);
  void heal_all();
  std::uint32_t degrade(LinkFault fault, std::string_view description = {});
  void restore(std::uint32_t fault_id);
  void restore_all();
  void clock_jump(NodeId node, Duration delta);
  void clock_drift(NodeId node, std::int64_t ppm);
  void clock_offset(NodeId node, Duration offset);
  // Disk faults in a time window (sim/disk.hpp), ended by end_disk_fault(id).
  std::uint32_t disk_fault(NodeId node, DiskFault fault, std::string_view description = {});
  void end_disk_fault(std::uint32_t fault_id);
  // The disk forgets every write not yet synced, now, while the node runs on (a page
  // cache dropped after a failed write-back): later reads no longer see them.
  void lose_unsynced(NodeId node);
  // The disk loses everything, synced or not, now: a disk replaced (or a node lost with
  // its disk, together with a crash). Traced as a disk_loss that says so (detail 2).
  // On a running node the actor carries on with what it holds in memory.
  void wipe_disk(NodeId node);

  // Explore mode (sim/explore.hpp). The nodes a crash may hit (set before run()).
  void set_explore_crashable(std::vector<NodeId> nodes);
  // Asked before each step; false ends the run there (an explorer's path prefix ends).
  void set_explore_gate(std::function<bool(const Simulation&)> gate);
  // The network as a set of messages (TLA+'s `msgs`, Stateright's duplicating network),
  // for a protocol whose model says so (set up before run()): a delivered message stays in
  // flight and may be delivered again, and a message sent while an equal one (same sender,
  // receiver and content) is in flight is that one. Off: a multiset, delivery consumes.
  void set_explore_message_set(bool on) { explore_message_set_ = on; }
  bool explore_message_set() const { return explore_message_set_; }
  // Stateright's actor model, for a protocol whose model says so: a message its receiver
  // ignores (Context::ignore) is put back in flight, under the same id, for a later
  // delivery; its protocol must change nothing when it ignores a message.
  void set_explore_keep_ignored(bool on) { explore_keep_ignored_ = on; }
  bool explore_keep_ignored() const { return explore_keep_ignored_; }
  // The events enabled for the next step, in canonical order.
  const std::vector<ExploreEvent>& explore_enabled() const { return explore_enabled_; }
  const ExploreUsed& explore_used() const { return explore_used_; }
  std::uint64_t explore_steps() const { return explore_steps_; }
  // Every message in flight (to up and down nodes), as deliver events, canonical order.
  std::vector<ExploreEvent> explore_in_flight() const;
  // The message a message event of the current list names.
  const Payload& explore_payload(const ExploreEvent& e) const;
  // A node's local time (explore mode keeps one clock per node, moved only by its timers).
  Time explore_local_time(NodeId id) const;
  // The deadline a node is blocked on (local time), kTimeNever when none.
  Time explore_deadline(NodeId id) const;

  // Findings found outside an invariant (end-of-run checks: linearizability, liveness).
  // The event index and time are the current ones.
  void report(Finding finding);
  void log(std::string_view text);

  // The omniscient view, for invariants and end-of-run checks.
  Time now() const { return now_; }
  const SimConfig& config() const { return config_; }
  std::size_t node_count() const;
  const std::string& node_name(NodeId id) const;
  const std::string& node_role(NodeId id) const;
  bool is_up(NodeId id) const;
  bool is_paused(NodeId id) const;
  std::uint64_t incarnation(NodeId id) const;
  Actor* actor(NodeId id) const;
  template <class A>
  A* actor_as(NodeId id) const {
    return dynamic_cast<A*>(actor(id));
  }
  const Disk& disk(NodeId id) const;
  Disk& disk(NodeId id);
  // The node's disk profile with its active disk faults applied.
  const DiskProfile& disk_profile(NodeId id) const;
  // The node that spawned `id` (kNoNode for nodes added before the run).
  NodeId parent(NodeId id) const;
  const NodeClock& clock(NodeId id) const;
  Time local_time(NodeId id) const { return clock(id).local(now_); }
  Network& network() { return network_; }
  const Network& network() const { return network_; }
  const Annotation* annotation(NodeId id, std::string_view key) const;
  const std::map<std::string, Annotation, std::less<>>& annotations(NodeId id) const;

  const Trace& trace() const { return trace_; }
  const ClientHistory& history() const { return history_; }
  const std::vector<Finding>& findings() const { return findings_; }
  std::vector<std::string> invariant_names() const;
  ChoiceSource& choices() { return choices_; }
  const std::vector<nlohmann::json>& message_bodies() const { return bodies_; }
  std::uint64_t messages_sent() const { return next_message_id_; }

  // Kernel internals shared with the implementation files.
  struct Node;
  struct InFlight;
  class StackPool;

 private:
  friend class Context;

  Node& node_ref(NodeId id) const;
  void dispatch(const Event& event);
  void prefetch(const Event& next) const;
  void on_start(Node& n);
  void on_deliver(const Event& event);
  void on_wake(const Event& event);
  void resume_fiber(Node& n);
  void suspend(Node& n);
  void start_fiber(Node& n);
  void kill_fiber(Node& n);
  void actor_main(Node& n);
  void wait_until(Node& n, Time local_deadline, std::uint8_t wait_kind);
  void schedule_wake(Node& n);
  void clock_changed(Node& n);
  void do_spawn(Node& n, Call& call);
  void do_halt(Node& n, Call& call);
  void apply_disk_faults(Node& n);
  // RunPlace: where the run is, for assertion messages.
  std::string describe_place() const override;
  bool in_actor() const override { return running_ != nullptr; }
  void check_invariants(NodeId cause);
  // Explore mode (explore_mode.cpp).
  RunResult run_explore();
  void explore_immediate();
  void explore_list();
  void explore_perform(const ExploreEvent& e);
  void explore_launch(NodeId from, NodeId to, Payload&& body, MessageId id, std::uint32_t size,
                      std::uint16_t kind);
  void explore_set_clock(Node& n);
  void after_event(NodeId cause);
  void add_finding(Finding f);
  void stop_run(std::string reason);

  void do_send(Node& n, Call& call);
  void do_recv(Node& n, Call& call);
  void do_sleep(Node& n, Call& call);
  void do_annotate(Node& n, Call& call);
  void do_history(Node& n, Call& call);
  void do_disk(Node& n, Call& call);
  void transmit(Node& from, NodeId to, Payload&& payload, MessageId id, std::uint32_t size,
                std::uint16_t kind);
  Duration link_delay(NodeId from, NodeId to, const LinkProfile& link, std::uint32_t size);
  void launch_copy(NodeId from, NodeId to, Payload&& body, MessageId id, std::uint32_t size,
                   std::uint16_t kind, Duration delay);
  std::uint32_t intern(std::string_view text) { return trace_.strings().intern(text); }
  std::uint16_t message_kind(const MessageType* type);
  std::size_t record(TraceRecord r, std::uint64_t content = 0);

  SimConfig config_;
  ChoiceSource& choices_;
  Network network_;
  EventQueue queue_;
  Trace trace_;
  ClientHistory history_;
  Time now_ = 0;
  Time last_active_ = 0;
  // By id. Each node stays where it was made: fibers refer to their node, and actors
  // may spawn nodes while others run.
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<InFlight> in_flight_;
  std::vector<std::uint32_t> free_slots_;
  struct Invariants {
    std::vector<std::string> names;  // one, unless a group
    Invariant one;
    InvariantGroup group;
  };
  std::vector<Invariants> invariants_;
  std::vector<std::pair<std::string, Action>> actions_;
  std::vector<Finding> findings_;
  std::vector<nlohmann::json> bodies_;
  // Message type -> interned name; a handful of entries, searched linearly. Only used
  // for lookups, so the addresses never decide an order.
  std::vector<std::pair<const MessageType*, std::uint16_t>> kinds_;
  const MessageType* last_type_ = nullptr;
  std::uint16_t last_kind_ = 0;
  std::unique_ptr<StackPool> stacks_;
  Node* running_ = nullptr;
  MessageId next_message_id_ = 0;
  std::uint32_t next_process_ = 0;
  std::uint32_t next_disk_fault_ = 1;
  RunStats stats_;
  bool stopped_ = false;
  bool ran_ = false;
  std::string stop_reason_;
  // Explore mode.
  std::vector<std::uint32_t> explore_pending_;  // in-flight slots, in send order
  std::vector<ExploreEvent> explore_enabled_;
  std::vector<NodeId> explore_crashable_;
  std::vector<NodeId> explore_crashed_;  // crashed by the explorer, not yet restarted
  std::function<bool(const Simulation&)> explore_gate_;
  bool explore_message_set_ = false;
  bool explore_keep_ignored_ = false;
  ExploreUsed explore_used_;
  std::uint64_t explore_steps_ = 0;
};

// A finding as one line: "invariant 'election safety' at event 812, t=1.204s, node n3: ..."
std::string describe_finding(const Finding& f, const Simulation* sim = nullptr);
std::string format_time(Time t);  // 1.204031s, 12.5ms, 300us, 0s

}  // namespace faultline::sim
