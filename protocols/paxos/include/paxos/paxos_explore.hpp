#pragma once
// Single-decree Paxos for the explorer (protocols/explore.hpp, docs/explorer.md): named
// small configurations, and a pure world of SingleNode copies driven exactly as
// SingleServer and the kit's NodeHost drive them in the simulator's explore mode —
// boot from the durable record, step one message, tick, then persist, publish (facts to
// PaxosInvariants, attempts to the client history, durable facts to the ledger) and
// send — with the network's in-flight multiset and the exploration's budgets.
//
// Invariants checked in every state, as the simulator checks them after every event:
// the six Paxos properties (paxos_invariants.hpp), "durable state never goes back", and
// the linearizability of the attempts' history (cas-register) whenever an attempt ends.
//
// What the fingerprint holds: each node's SingleNode::fingerprint(), whether it is up,
// its incarnation, its durable record, its next deadline relative to its own clock, the
// timer firings it has left; the in-flight multiset; the budgets spent; the set of facts
// the invariants have seen; the durable facts promised; and the client history.
#include <vector>

#include "protocols/explore.hpp"

namespace faultline::paxos {

// The presets: "small" (the default: 2 proposers, 3 acceptors, a reliable unordered
// network; BFS exhausts it), "lossy" (the issue's: one lost message and one acceptor
// crash; DFS with sleep sets exhausts it), "restart" (a crash and restart from disk, for
// the durability bugs) and "stateright" (the configuration of Stateright's Paxos example).
std::vector<protocols::ExplorePreset> single_explore_presets();
protocols::ExploreFactory single_explore_factory();

}  // namespace faultline::paxos
