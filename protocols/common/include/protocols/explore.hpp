#pragma once
// What a protocol offers the explorer (explorer/, docs/explorer.md): named small
// configurations, and optionally a pure model of its world that the explorer can copy.
//
// The explorer always can drive the real simulator in explore mode (sim/explore.hpp),
// re-running a path from the start for every state it visits; that works for any actor,
// blocking clients included, but costs a run per state. A protocol whose nodes are pure
// state machines may also give an ExploreWorld: the same nodes, driven the way NodeHost
// drives them, with the network's in-flight multiset, budgets and the protocol's own
// invariants, in an object the explorer copies in microseconds. The explorer translates
// every path of a pure world into a tape for the simulator and replays it there, so what
// a pure world finds is shown by the real code path.
//
// Invariants an ExploreWorld keeps (the explorer's tests check them against the
// simulator): enabled() is exactly the list the simulator in explore mode gives for the
// same state, in the same canonical order, with the same content hashes; perform(i) does
// what the simulator does for that event; fingerprint() is equal for two worlds whose
// futures are the same (it covers nodes, in-flight messages, budgets spent, invariant
// state and client history, and leaves out statistics and absolute times).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/options.hpp"
#include "sim/actor.hpp"
#include "sim/assert.hpp"
#include "sim/client_history.hpp"
#include "sim/explore.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {

struct RunConfig;

// The bounds of one exploration: what the network and the fault model may do on a path.
struct ExploreSpec {
  sim::ExploreConfig budget;             // drops, duplicates, crashes, restarts, timeouts
  std::vector<std::string> crash_groups;  // the groups whose nodes may crash
  // The world keeps what symmetric_fingerprint() needs (the explorer's --symmetry, or a
  // test that compares both fingerprints); a pure world may cost a little more per step.
  bool symmetry = false;
};

// A named small configuration of a protocol, for `faultline explore --preset NAME`.
struct ExplorePreset {
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, std::string>> options;  // as --set would give them
  ExploreSpec spec;
  // The search that exhausts it best, used unless --strategy is given: "" (bfs), or
  // "dfs" with reduction "sleep", "dpor" or "none".
  std::string strategy;
  std::string reduction;
};

class ExploreWorld {
 public:
  // What a step did that decides whether it commutes with others.
  struct Effect {
    bool history = false;  // it recorded a client operation's invocation or completion
  };

  virtual ~ExploreWorld() = default;
  virtual std::unique_ptr<ExploreWorld> clone() const = 0;
  // The enabled events, in the simulator's canonical order (sim/explore.hpp).
  virtual const std::vector<sim::ExploreEvent>& enabled() const = 0;
  // Performs enabled()[index]; the world's enabled list is then the next state's.
  virtual Effect perform(std::size_t index) = 0;
  // Everything that decides the future (see above).
  virtual std::uint64_t fingerprint() const = 0;
  // Nodes, in-flight messages and budgets only: what the simulator's state shows too.
  virtual std::uint64_t state_fingerprint() const = 0;
  // Symmetry reduction (docs/explorer.md, "Symmetry"): why this world cannot be explored
  // up to a renaming of its interchangeable nodes, or nothing when it can.
  virtual std::optional<std::string> symmetry_refused() const {
    return std::string("this world has no symmetry reduction (only the pure model of 2PC's bank has one)");
  }
  // fingerprint() up to that renaming: equal for two worlds exactly when one is the other
  // with interchangeable nodes renamed (up to hash collisions, as fingerprint()). Only for a
  // world whose symmetry_refused() is empty.
  virtual std::uint64_t symmetric_fingerprint() const {
    FAULTLINE_ASSERT(false, "symmetric_fingerprint() only where symmetry_refused() is empty");
    return 0;
  }
  // The first invariant broken (or assertion failed) on the way here.
  virtual const std::optional<sim::Finding>& finding() const = 0;
  // At a state where nothing is enabled: what is stuck (a liveness finding), or nothing.
  virtual std::optional<std::string> stuck() const { return std::nullopt; }
  // Every message in flight, a copy each, as deliver events (DPOR tracks who sent what).
  virtual std::vector<sim::ExploreEvent> in_flight() const = 0;
  // "deliver Promise a1 -> p0" for enabled()[index].
  virtual std::string describe(std::size_t index) const = 0;
  // Facts for the summary ("sometimes" counts): e.g. {"chosen", 1}.
  virtual void count(std::map<std::string, std::uint64_t>& facts) const { (void)facts; }
  // Whether the network is a set of messages (Simulation::set_explore_message_set).
  virtual bool message_set() const { return false; }
  // Why no path of this world ends by itself, or nothing: a message set keeps every
  // message deliverable, and a message its receiver ignores may stay in flight
  // (Simulation::set_explore_keep_ignored) to be delivered again.
  virtual std::optional<std::string> endless() const {
    if (message_set()) return std::string("the network of this configuration is a set of messages (TLA+'s msgs)");
    return std::nullopt;
  }
};

// Null when the pure model does not cover the configuration or the budgets.
using ExploreFactory =
    std::function<std::unique_ptr<ExploreWorld>(const RunConfig&, const ExploreSpec&)>;

// Helpers for pure worlds -----------------------------------------------------------

// One message in flight, with the content hash the simulator gives it.
struct InFlightMessage {
  sim::NodeId from = sim::kNoNode;
  sim::NodeId to = sim::kNoNode;
  sim::Payload payload;
  std::uint64_t content = 0;
};

// The network of a pure world: a multiset of messages kept in canonical order, and the
// events on them (deliver, drop, duplicate) as the simulator lists them.
class ExploreNetwork {
 public:
  // `set`: the network is a set of messages, as Simulation::set_explore_message_set makes
  // the simulator's (a message sent while an equal one is in flight is that one, and
  // delivery keeps it: receive() below).
  explicit ExploreNetwork(bool set = false) : set_(set) {}
  // Returns the message as the network keeps it (valid while it is in flight).
  const InFlightMessage& send(sim::NodeId from, sim::NodeId to, sim::Payload payload);
  // Removes and returns the message an event names (deliver or drop).
  InFlightMessage take(const sim::ExploreEvent& e);
  // The message a deliver event names: taken from a multiset, a copy from a set.
  InFlightMessage receive(const sim::ExploreEvent& e);
  // The message an event names, left in flight.
  const InFlightMessage& peek(const sim::ExploreEvent& e) const { return *messages()[find(e)]; }
  bool message_set() const { return set_; }
  // Adds a second copy of the message an event names.
  void duplicate(const sim::ExploreEvent& e);
  // Appends the events of `kind` on messages whose receiver `up(node)` accepts.
  template <class Up>
  void list(sim::ExploreKind kind, const Up& up, std::vector<sim::ExploreEvent>& out) const {
    const InFlightMessage* last = nullptr;
    for (const auto& m : messages()) {
      // Copies of one message are one event.
      if (last != nullptr && !message_less(*last, *m)) continue;
      last = m.get();
      if (!up(m->to)) continue;
      out.push_back(sim::ExploreEvent{kind, m->to, m->from, m->content, 0});
    }
  }
  // The canonical order of messages: receiver, sender, content.
  static bool message_less(const InFlightMessage& a, const InFlightMessage& b) {
    if (a.to != b.to) return a.to < b.to;
    if (a.from != b.from) return a.from < b.from;
    return a.content < b.content;
  }
  // An order-independent hash of the multiset.
  std::uint64_t fingerprint() const { return hash_; }
  std::size_t size() const { return messages().size(); }
  // Every message, a copy each, as deliver events.
  std::vector<sim::ExploreEvent> all() const;
  using Messages = std::vector<std::shared_ptr<const InFlightMessage>>;
  const Messages& messages() const { return messages_ ? *messages_ : kNone; }

 private:
  std::size_t find(const sim::ExploreEvent& e) const;
  Messages& own();
  inline static const Messages kNone{};
  // Shared between copies of a world until one of them changes it (copy on write: a world
  // is copied at every step, and in a message set most deliveries change nothing here);
  // a message itself is never changed, only added or removed. Null: none yet.
  std::shared_ptr<Messages> messages_;  // canonical order
  std::uint64_t hash_ = 0;
  bool set_ = false;
};

// The budgets a path of a pure world has spent, and the nodes it crashed (in id order).
struct ExploreSpent {
  std::uint32_t drops = 0, duplicates = 0, crashes = 0, restarts = 0;
  std::vector<sim::NodeId> crashed = {};
};

// The steps that change only the network, the same in every pure world: a drop takes the
// message away, a duplicate adds a copy, each spending its budget. False for any other
// step (the world performs it).
bool explore_network_step(ExploreNetwork& net, ExploreSpent& spent, const sim::ExploreEvent& e);

// Copy on write for what copies of a world share: `p` is made this world's own before it
// changes.
template <class T>
T& explore_own(std::shared_ptr<T>& p) {
  if (p.use_count() > 1) p = std::make_shared<T>(*p);
  return *p;
}

// The enabled events of a pure world, in the order the simulator's explore mode lists
// them (sim/src/explore_mode.cpp): deliveries to up nodes, timers of up nodes that have
// a deadline and firings left, then drops, duplicates, crashes and restarts within the
// budgets. `up(id)` and `timer(id)` (a deadline and firings left) describe node `id`.
template <class Up, class Timer>
void explore_list(const ExploreNetwork& net, const sim::ExploreConfig& budget,
                  const ExploreSpent& spent, std::size_t nodes,
                  const std::vector<sim::NodeId>& crashable, const Up& up, const Timer& timer,
                  std::vector<sim::ExploreEvent>& out) {
  out.clear();
  net.list(sim::ExploreKind::deliver, up, out);
  for (sim::NodeId id = 0; id < nodes; ++id) {
    if (up(id) && timer(id)) out.push_back(sim::ExploreEvent{sim::ExploreKind::timer, id, sim::kNoNode, 0, 0});
  }
  const auto all = [](sim::NodeId) { return true; };
  if (spent.drops < budget.drops) net.list(sim::ExploreKind::drop, all, out);
  if (spent.duplicates < budget.duplicates) net.list(sim::ExploreKind::duplicate, all, out);
  if (spent.crashes < budget.crashes) {
    for (sim::NodeId id : crashable) {
      if (up(id)) out.push_back(sim::ExploreEvent{sim::ExploreKind::crash, id, sim::kNoNode, 0, 0});
    }
  }
  if (spent.restarts < budget.restarts) {
    for (sim::NodeId id : spent.crashed) {
      out.push_back(sim::ExploreEvent{sim::ExploreKind::restart, id, sim::kNoNode, 0, 0});
    }
  }
}

// The enabled events of a pure world whose nodes have no timers and are always up (no
// crash budget): its deliveries, then drops and copies within the budgets; none after a
// finding (the simulator stops there). Shared, so that a world may keep the list across a
// step that changes nothing.
std::shared_ptr<const std::vector<sim::ExploreEvent>> explore_list_messages(
    const ExploreNetwork& net, const sim::ExploreConfig& budget, const ExploreSpent& spent,
    std::size_t nodes, bool found);

// While a pure world steps a node: assertions in protocol code throw (a finding), as they
// do on an actor's fiber, and name this place.
class ExploreStepPlace final : public sim::RunPlace {
 public:
  ExploreStepPlace(std::string_view node, std::uint64_t step);
  ~ExploreStepPlace() override;
  ExploreStepPlace(const ExploreStepPlace&) = delete;
  ExploreStepPlace& operator=(const ExploreStepPlace&) = delete;
  std::string describe_place() const override;
  bool in_actor() const override { return true; }

 private:
  std::string_view node_;
  std::uint64_t step_;
  sim::RunPlace* previous_ = nullptr;
};

// Runs one step of node `node` (the world's step number `step`) as an actor's fiber would:
// a failed assertion or an exception thrown by protocol code becomes a finding, reported
// through found(kind, name, message).
template <class Step, class Found>
void explore_guarded(const std::string& node, std::uint64_t step, const Step& run, const Found& found) {
  const ExploreStepPlace place(node, step);
  try {
    run();
  } catch (const sim::ActorAssertion& a) {
    found(sim::FindingKind::actor_error, "assertion", node + ": assertion failed: " + a.what);
  } catch (const std::exception& x) {
    found(sim::FindingKind::actor_error, "exception", node + " threw: " + x.what());
  }
}

// The client history of a pure world, as Simulation records it: invocations and
// completions per process, with the step as their time. Copies share the events until one
// of them records (copy on write). The hash covers processes, types, functions and values.
class ExploreHistory {
 public:
  struct Event {
    std::uint32_t process = 0;
    sim::OpType type = sim::OpType::invoke;
    std::string f;
    nlohmann::json value;
    std::uint64_t step = 0;
  };
  // Returns the invocation's index (a completion names it).
  std::size_t invoke(std::uint32_t process, std::string f, nlohmann::json value, std::uint64_t step);
  void complete(std::size_t invocation, sim::OpType type, nlohmann::json value, std::uint64_t step);
  const std::vector<Event>& events() const { return *events_; }
  std::uint64_t hash() const { return hash_; }
  // Linearizability against the checker's model (`init`: its initial state, or null): the
  // checker's explanation (400 characters at most) when not linearizable. Verdicts are remembered per history hash and model.
  std::optional<std::string> check(std::string_view model, const nlohmann::json& init) const;

 private:
  std::vector<Event>& own();
  std::shared_ptr<std::vector<Event>> events_ = std::make_shared<std::vector<Event>>();
  std::uint64_t hash_ = 0;
};

// A 64-bit mix for fingerprints (order-dependent: combine(a, b) != combine(b, a)).
// Inline: every step of a pure world calls it dozens of times.
inline std::uint64_t explore_mix(std::uint64_t h, std::uint64_t word) {
  h ^= word + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

// An order-independent hash of one element of a multiset (sum these).
inline std::uint64_t explore_element(std::uint64_t h) {
  // splitmix64's finaliser: sums of these rarely collide for different multisets.
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

// Sorts the list canonically, as the simulator does (events are distinct by then).
void explore_sort(std::vector<sim::ExploreEvent>& events);

}  // namespace faultline::protocols
