#pragma once
// The driver of a pure, I/O-free node (etcd-raft's Step/Ready shape), as an actor.
//
// A protocol writes its node as a state machine whose handlers only read a message and
// the node's state and record effects: messages to send, state to make durable, timers.
// NodeHost runs it in the simulator, the same way for every protocol:
//
//   boot      load durable state from the disk, build the node (once per incarnation)
//   loop      wait for a message or the node's next deadline; step every message already
//             waiting (one batch, so one sync serves them all); tick the timers
//   drain     persist what the node asks, sync, publish its state, then send — so no
//             message ever depends on state a crash could forget (Raft's Figure 2:
//             "updated on stable storage before responding to RPCs") — and repeat while
//             the node has more ready; the loop is asserted to settle.
//
// A full disk (a sync that fails) halts the node as a real server halts on a failed
// fsync; it restarts from its disk. Durable facts (durable.hpp) are reported to the
// ledger before every send and after every restart.
#include <limits>
#include <string_view>
#include <vector>

#include "protocols/durable.hpp"
#include "sim/actor.hpp"

namespace faultline::protocols {

using sim::Time;

// A message a node wants sent: any protocol message, type-erased as the simulator
// carries it.
struct Outgoing {
  sim::NodeId to = sim::kNoNode;
  sim::Payload message = {};
  template <sim::Message T>
  const T* get() const {
    return message.get<T>();
  }
};

class NodeHost : public sim::Actor {
 public:
  // Rounds of persist-sync-send one drain may take before the driver calls it a bug.
  static constexpr int kMaxDrainRounds = 64;
  // How long a node halted by a full disk stays down.
  static constexpr sim::Duration kHaltRestartNs = 50 * sim::kMillisecond;

  explicit NodeHost(DurableLedger* ledger = nullptr) : ledger_(ledger) {}
  void run(sim::Context& ctx) final;

 protected:
  // Loads durable state and builds the node.
  virtual void boot(sim::Context& ctx) = 0;
  // One message: an empty reason when the node acted on it, else why it was ignored.
  virtual std::string_view step(Time now, const sim::Envelope& message) = 0;
  // Timers due by `now`; the next local time the node wants to be woken (kTimeNever:
  // none) and what that deadline is (the trace names it: "election timeout").
  virtual void tick(Time now) = 0;
  virtual Time next_deadline() const = 0;
  virtual std::string_view deadline_name() const { return {}; }
  // A batch of messages and the timers have been stepped.
  virtual void end_batch(Time now) { (void)now; }
  // Writes what must be durable before this round's messages go out; true if it wrote.
  virtual bool persist(sim::DiskHandle& disk) = 0;
  // Moves this round's messages into `out` (cleared by the driver).
  virtual void take_messages(std::vector<Outgoing>& out) = 0;
  // What persist wrote is durable (or nothing was written).
  virtual void persisted(sim::DiskHandle& disk, Time now) {
    (void)disk;
    (void)now;
  }
  // More to persist or send: the drain continues while this is true.
  virtual bool has_ready() const = 0;
  // Publishes the node's state as annotations, before the messages that follow from it.
  virtual void publish(sim::Context& ctx) { (void)ctx; }
  // Facts that must never go back across a restart (durable.hpp).
  virtual void durable_facts(DurableFacts& out) const { (void)out; }
  // Planted bugs only: send this round's messages before the sync.
  virtual bool send_before_sync() const { return false; }

 private:
  void drain(sim::Context& ctx);
  void sync_or_halt(sim::Context& ctx);
  void send_all(sim::Context& ctx);

  DurableLedger* ledger_;
  DurableFacts facts_;
  std::vector<Outgoing> outbox_;  // reused: keeps its capacity from round to round
};

// A node without timers: it acts only on the messages it receives (a model whose every
// step is a delivery, such as a TLA+ spec's actions or Stateright's actors).
class MessageDrivenHost : public NodeHost {
 public:
  using NodeHost::NodeHost;

 protected:
  void tick(Time now) final { (void)now; }
  Time next_deadline() const final { return sim::kTimeNever; }
};

}  // namespace faultline::protocols
