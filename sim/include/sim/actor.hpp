#pragma once
// What an actor may do: the whole interface between protocol code and the simulated
// world. A protocol's actors include this header (and message.hpp for their messages);
// the kernel's internals are in simulation.hpp.
//
// An actor runs on its own fiber, in a blocking style: send, receive (with a deadline,
// optionally only messages a filter accepts), sleep, read its local clock, draw a random
// number from the run's choice source, use its disk, publish state facts for the trace
// and the invariants, record client operations, and spawn further actors. Every method
// is one kernel call (SimGrid's simcall): the scheduler, the trace and an explorer see
// all of them.
//
// Invariants:
//  - an actor never blocks except inside a Context call, and never touches another
//    node's state: everything it learns comes through messages, its clock, its disk
//    and its random draws;
//  - a crash unwinds the fiber with ActorKilled, which actor code must not catch
//    (STYLE.md habit 8): catch (...) in actor code must rethrow it;
//  - named timers (Timers) belong to one incarnation: they die with the actor.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/assert.hpp"
#include "sim/disk.hpp"
#include "sim/client_history.hpp"
#include "sim/message.hpp"
#include "sim/types.hpp"

namespace faultline::sim {

class Simulation;
class Context;

// Thrown inside a fiber to unwind it when its node crashes (or the simulation ends).
// Deliberately not a std::exception: actor code must not swallow it (STYLE.md habit 8).
struct ActorKilled {};

// An actor's failed assertion (Context::check / fail, FAULTLINE_ASSERT): a finding.
struct ActorAssertion {
  std::string what;
};

class Actor {
 public:
  virtual ~Actor() = default;
  // Runs for the life of one incarnation of the node; returning ends the actor.
  virtual void run(Context& ctx) = 0;
};
using ActorFactory = std::function<std::unique_ptr<Actor>(NodeId)>;

struct NodeOptions {
  std::string name = {};
  std::string role = "server";  // free text for selectors and the viewer
  Duration clock_offset_ns = 0;
  std::int64_t clock_drift_ppm = 0;
  std::optional<DiskProfile> disk = {};
};

// A client operation in flight, as returned by Context::invoke.
struct OpHandle {
  std::uint32_t process = 0;
  std::size_t index = 0;  // the invocation's place in the history
};

// Which messages a filtered receive takes; the others stay queued, in order.
using MessageFilter = std::function<bool(const Envelope&)>;

// One kernel call: the boundary between an actor and the kernel. Context builds these;
// Simulation::perform carries them out.
enum class CallOp : std::uint8_t {
  send, recv, sleep, now, random, annotate, ignore, log, invoke, complete,
  disk_put, disk_erase, disk_append, disk_truncate, disk_read, disk_sync, fail,
  spawn, halt,
};

struct Call {
  // Every Context method builds one of these on its stack; at 80 bytes or less GCC clears
  // it with a few vector stores, above that with `rep stos`, whose start-up cost was ~5% of
  // a Raft run. So the objects an op passes by pointer share one slot (args, by op).
  CallOp op = CallOp::now;
  bool is_text = false;             // annotate: the value is text
  OpType outcome = OpType::ok;      // complete
  bool ok = false;                  // result: disk_sync
  NodeId peer = kNoNode;
  Time deadline = kTimeNever;       // recv / sleep: local time
  std::uint64_t n = 0;              // random bound; truncate size; halt: restart delay
  std::string_view name = {};       // annotate key, disk key / log name, history f, wait label
  std::string_view text = {};       // annotate value, reason, log line, disk bytes
  union Args {
    std::int64_t number;            // annotate: the value (when is_text is false)
    Payload* payload;               // send
    struct {
      const MessageFilter* filter;          // only matching messages (null: any)
      std::optional<Envelope>* received;    // the result
    } recv;
    struct {
      const std::optional<std::string>* key;  // invoke
      nlohmann::json* value;                  // invoke / complete: moved into the history
    } history;
    struct {
      NodeOptions* options;
      ActorFactory* factory;
    } spawn;
    std::string* bytes;             // disk_read: the bytes read, maybe corrupted here
  } args = {.number = 0};           // the op's member only is read
  std::uint64_t result = 0;         // now, random, invoke, spawn; ignore: the message id
};
static_assert(sizeof(Call) <= 80, "see Call: a larger one is cleared with rep stos");

// A node's view of the disk: every write and read goes through the kernel.
class DiskHandle {
 public:
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  void append(std::string_view log, std::string_view record);
  void truncate(std::string_view log, std::size_t records);
  std::optional<std::string> get(std::string_view key);
  std::size_t log_size(std::string_view log) const;
  std::string read(std::string_view log, std::size_t index);
  std::vector<std::string> read_log(std::string_view log);
  // Blocks for the disk's sync latency; when it returns true every write so far is
  // durable. False: the disk refused writes since the last successful sync (it is
  // full): they were not stored, and the node must not act as if they were.
  bool sync();

 private:
  friend class Context;
  DiskHandle(Simulation& sim, NodeId self) : sim_(&sim), self_(self) {}
  void perform(Call& call);
  const Disk& state() const;
  Simulation* sim_;
  NodeId self_;
};

// Several named timers of one actor (an election timeout, a heartbeat, a retry), kept
// by the actor itself so that they die with it. Context::wait blocks until a message
// or the earliest timer; the trace names the timer that fired.
class Timers {
 public:
  // Arms `name` for a local-time deadline, replacing its previous deadline.
  void set(std::string_view name, Time local_deadline);
  void cancel(std::string_view name);
  bool armed(std::string_view name) const;
  Time deadline(std::string_view name) const;  // kTimeNever when not armed
  bool empty() const { return timers_.empty(); }

  struct Timer {
    std::string name;
    Time deadline = kTimeNever;
    std::uint64_t order = 0;  // ties fire in the order they were set
  };
  // The timer that fires next, or null.
  const Timer* next() const;
  // Removes and returns the name of the next timer.
  std::string pop();

 private:
  std::vector<Timer> timers_;  // a handful: searched linearly, never ordered by address
  std::uint64_t next_order_ = 0;
};

// What woke a Context::wait: a message, or a timer by name.
struct Wakeup {
  std::optional<Envelope> message;
  std::string timer;  // set when a timer fired
  bool timed_out() const { return !message.has_value(); }
};

// What an actor sees of the world. Every method is one kernel call.
class Context {
 public:
  NodeId self() const { return self_; }
  const std::string& name() const;
  std::size_t node_count() const;
  std::uint64_t incarnation() const;

  // The node's local clock (offset, drift and jumps applied).
  Time now();

  template <Message T>
  void send(NodeId to, T message) {
    Payload payload(std::move(message));
    Call call{.op = CallOp::send, .peer = to, .args = {.payload = &payload}};
    perform(call);
  }
  void send_payload(NodeId to, Payload payload);

  // Waits for the next message until a local-time deadline; nullopt on timeout.
  // `label` names what the deadline is for (an election timeout): the trace says so.
  std::optional<Envelope> recv_until(Time local_deadline, std::string_view label = {});
  std::optional<Envelope> recv(Duration timeout) { return recv_until(deadline_after(timeout)); }
  std::optional<Envelope> recv() { return recv_until(kTimeNever); }
  // Only a message `filter` accepts; the others stay queued, in order, for later.
  std::optional<Envelope> recv_until(Time local_deadline, const MessageFilter& filter,
                                     std::string_view label = {});
  // The next message, or the earliest of `timers` (removed from it when it fires).
  Wakeup wait(Timers& timers);
  void sleep(Duration d);

  // A draw in [0, n) from the choice source; 0 is the quiet value.
  std::uint64_t random(std::uint64_t n);
  // A duration in [lo, hi], lo being the quiet choice.
  Duration random_between(Duration lo, Duration hi);

  DiskHandle& disk() { return disk_; }

  // Publishes a state fact (role=leader, term=4) for invariants and the trace; a value
  // equal to the current one is not recorded again.
  void annotate(std::string_view key, std::int64_t value);
  void annotate(std::string_view key, std::string_view value);
  // Records that a message was dropped by the protocol's gate, and why.
  void ignore(const Envelope& message, std::string_view reason);
  void log(std::string_view text);

  // Client history (clients only).
  OpHandle invoke(std::string_view f, const std::optional<std::string>& key,
                  nlohmann::json value);
  void complete(const OpHandle& op, OpType outcome, nlohmann::json value);

  // Starts a new node running `factory`'s actor now (a task, a worker). Its id is the
  // next free one; it is a node like any other (faults, trace, disk).
  NodeId spawn(NodeOptions options, ActorFactory factory);

  // Stops this node as a real server stops on a fatal error (a failed fsync): it
  // crashes — unsynced writes are lost — and restarts after `restart_after`.
  [[noreturn]] void halt(std::string_view reason, Duration restart_after);

  // An assertion: a failed one stops the actor and becomes a finding of the run.
  void check(bool condition, std::string_view what) {
    if (!condition) fail(what);
  }
  [[noreturn]] void fail(std::string_view what);

  Time deadline_after(Duration d);

 private:
  friend class Simulation;
  friend class DiskHandle;
  Context(Simulation& sim, NodeId self) : sim_(sim), self_(self), disk_(sim, self) {}
  void perform(Call& call);

  Simulation& sim_;
  NodeId self_;
  DiskHandle disk_;
};

// An actor from a function, for small actors in tests and examples.
class LambdaActor final : public Actor {
 public:
  explicit LambdaActor(std::function<void(Context&)> body) : body_(std::move(body)) {}
  void run(Context& ctx) override { body_(ctx); }

 private:
  std::function<void(Context&)> body_;
};
inline ActorFactory lambda_actor(std::function<void(Context&)> body) {
  return [body = std::move(body)](NodeId) { return std::make_unique<LambdaActor>(body); };
}

}  // namespace faultline::sim
