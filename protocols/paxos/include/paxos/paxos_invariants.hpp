#pragma once
// The safety properties of Paxos, judged from what acceptors did, not from what any
// learner says ("Paxos Made Simple" §2.1-2.3), for single-decree Paxos (one instance,
// slot 0) and Multi-Paxos (one instance per slot) alike:
//
//  agreement             at most one value is chosen per slot. A value is chosen at
//                        ballot b once a majority of the acceptors have accepted (b, v):
//                        counted here from the acceptors' own reports, over the whole run
//                        (an acceptance counts even after the acceptor moved on).
//  validity              a chosen value was proposed by a client (the protocol says which
//                        values are: each is checked against the client history).
//  p2c                   if v is chosen at ballot b, every proposal of a higher ballot
//                        in that slot carries v (P2b, which P2c guarantees). Checked both
//                        ways: a new proposal against the chosen value, and a newly
//                        chosen value against the proposals already made.
//  promises kept         an acceptor never promises, nor accepts, a ballot below one it
//                        has promised before, in this or an earlier incarnation.
//  learned is chosen     a learner (a Multi-Paxos replica, a proposer that saw its value
//                        accepted) learns only the value chosen in that slot.
//  one value per ballot  a ballot proposes one value per slot: ballots are unique, and a
//                        proposer never reuses one (no two acceptances of one ballot
//                        differ either).
//
// Facts arrive through Observer::observe when a node publishes them: after the state
// they depend on was synced, before the messages that announce them leave. So an
// acceptance a crash forgot before anyone heard of it never counts, and one the node
// told the world about always does.
//
// Only observes; the first violation of each property is kept.
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "paxos/paxos_types.hpp"
#include "protocols/quorum.hpp"
#include "sim/simulation.hpp"

namespace faultline::paxos {

enum class Property : std::uint8_t {
  agreement,
  validity,
  p2c,
  promises_kept,
  learned_is_chosen,
  one_value_per_ballot,
};
inline constexpr int kProperties = 6;
std::string_view property_name(Property p);

// True if `value` was proposed by a client of the run (read from the history).
using ValidityCheck = std::function<bool(const sim::Simulation&, std::string_view value)>;
// The text of an observed value, for messages (none: the value is its own text).
using RenderValue = std::function<std::string(std::string_view value)>;

struct InvariantStats {
  std::uint64_t promises = 0;
  std::uint64_t accepts = 0;
  std::uint64_t proposals = 0;
  std::uint64_t learns = 0;
  std::uint64_t slots_chosen = 0;
  std::uint64_t chosen_again = 0;  // a chosen value chosen again at a higher ballot (P2b at work)
  std::uint64_t chosen_over_rivals = 0;  // chosen where another value was accepted too
  std::uint64_t max_round = 0;
};

class PaxosInvariants final : public Observer {
 public:
  PaxosInvariants(const sim::Simulation& sim, std::vector<NodeId> acceptors, ValidityCheck validity,
                  RenderValue render = {});

  void observe(NodeId node, const Observed& fact) override;

  const std::optional<std::string>& violation(Property p) const {
    return violations_[static_cast<int>(p)];
  }
  bool any_violation() const;
  const InvariantStats& stats() const { return stats_; }
  // The value chosen in `slot`, or null.
  const std::string* chosen(Slot slot) const;
  std::size_t slots() const { return slots_.size(); }

 private:
  struct Tally {
    Ballot ballot;
    std::string value;
    protocols::VoteSet acceptors;
    bool chosen = false;
  };
  struct SlotState {
    std::vector<Tally> tallies;  // one per ballot accepted
    std::vector<std::pair<Ballot, std::string>> proposals;
    bool chosen = false;
    Ballot chosen_ballot;  // the lowest ballot it was chosen at
    std::string chosen_value;
  };

  SlotState& slot(Slot s);
  void on_promise(NodeId acceptor, Ballot b);
  void on_accept(NodeId acceptor, Slot s, Ballot b, const std::string& value);
  void on_chosen(Slot s, const Tally& tally);
  void on_propose(NodeId proposer, Slot s, Ballot b, const std::string& value);
  void on_learn(NodeId learner, Slot s, const std::string& value);
  void report(Property p, std::string text);
  std::string name(NodeId id) const { return sim_.node_name(id); }
  std::string where(Slot s) const;
  std::string text(const std::string& value) const { return render_ ? render_(value) : value; }

  const sim::Simulation& sim_;
  protocols::Quorum acceptors_;
  ValidityCheck validity_;
  RenderValue render_;
  std::vector<SlotState> slots_;
  std::vector<Ballot> promised_;  // by node id: the highest ballot it promised or accepted
  std::array<std::optional<std::string>, kProperties> violations_;
  InvariantStats stats_;
};

// Registers each property of `invariants` as a simulator invariant under its name.
void watch(sim::Simulation& sim, std::shared_ptr<PaxosInvariants> invariants);

}  // namespace faultline::paxos
