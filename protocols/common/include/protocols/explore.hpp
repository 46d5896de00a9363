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

#include "protocols/options.hpp"
#include "sim/explore.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {

struct RunConfig;

// The bounds of one exploration: what the network and the fault model may do on a path.
struct ExploreSpec {
  sim::ExploreConfig budget;             // drops, duplicates, crashes, restarts, timeouts
  std::vector<std::string> crash_groups;  // the groups whose nodes may crash
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
};

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
  void send(sim::NodeId from, sim::NodeId to, sim::Payload payload);
  // Removes and returns the message an event names (deliver or drop).
  InFlightMessage take(const sim::ExploreEvent& e);
  // Adds a second copy of the message an event names.
  void duplicate(const sim::ExploreEvent& e);
  // Appends the events of `kind` on messages whose receiver `up` accepts (all: null).
  void list(sim::ExploreKind kind, const std::function<bool(sim::NodeId)>& up,
            std::vector<sim::ExploreEvent>& out) const;
  // An order-independent hash of the multiset.
  std::uint64_t fingerprint() const { return hash_; }
  std::size_t size() const { return messages_.size(); }
  // Every message, a copy each, as deliver events.
  std::vector<sim::ExploreEvent> all() const;
  const std::vector<std::shared_ptr<const InFlightMessage>>& messages() const { return messages_; }

 private:
  std::size_t find(const sim::ExploreEvent& e) const;
  // Shared between copies of a world: a message is never changed, only added or removed.
  std::vector<std::shared_ptr<const InFlightMessage>> messages_;  // canonical order
  std::uint64_t hash_ = 0;
};

// A 64-bit mix for fingerprints (order-dependent: combine(a, b) != combine(b, a)).
std::uint64_t explore_mix(std::uint64_t h, std::uint64_t word);
// An order-independent hash of one element of a multiset (sum these).
std::uint64_t explore_element(std::uint64_t h);

// Sorts the list canonically, as the simulator does (events are distinct by then).
void explore_sort(std::vector<sim::ExploreEvent>& events);

}  // namespace faultline::protocols
