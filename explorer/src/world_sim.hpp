#pragma once
// The simulator in explore mode as an ExploreWorld: a state is the run of its path (a
// list of choices among the enabled events) from the start. Works for any protocol and
// any actor, blocking clients included; costs one run per state.
//
// Its fingerprint holds each node's inputs so far (every delivery, timer, crash and
// restart that reached it, in order), whether it is up, the in-flight multiset, the
// budgets spent and the client history: exact for any deterministic actor (a node's
// state is a function of its inputs), so two paths meet only when they differ in the
// order of independent steps.
#include <memory>
#include <string>
#include <vector>

#include "protocols/explore.hpp"
#include "protocols/protocol.hpp"

namespace faultline::explorer::detail {

struct SimTarget {
  const protocols::Protocol* protocol = nullptr;
  protocols::RunSpec spec;  // explore mode on, with the budgets
  std::vector<std::string> crash_groups;
};

// The nodes a crash may hit: the groups (or node names) of the target.
std::vector<sim::NodeId> crash_targets(const SimTarget& target, const sim::Simulation& sim,
                                       const protocols::ProtocolRun& run);

std::unique_ptr<protocols::ExploreWorld> make_sim_world(std::shared_ptr<const SimTarget> target);

}  // namespace faultline::explorer::detail
