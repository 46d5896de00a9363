// Two-phase commit for the explorer (protocols/explore.hpp, docs/explorer.md): a named
// small configuration. 2PC's nodes are blocking actors (its client waits for replies,
// its servers sleep and retry), so it has no pure world: the explorer re-runs the
// simulator in explore mode for every state, and DPOR keeps the runs few.
#include "twopc/twopc.hpp"

namespace faultline::twopc {

std::vector<protocols::ExplorePreset> explore_presets() {
  protocols::ExplorePreset blocking;
  blocking.name = "blocking";
  blocking.description =
      "1 coordinator, 3 participants, 1 client running one transfer (it touches two "
      "participants); a network that neither loses nor copies; the coordinator may crash "
      "(no restart); each node's timers fire at most once. Explored with DPOR on the "
      "simulator; the blocking case (a participant in doubt, its coordinator down) is the "
      "expected liveness finding";
  blocking.options = {{"coordinators", "1"}, {"participants", "3"}, {"clients", "1"},
                      {"txns", "1"},         {"read_all", "0"}};
  blocking.spec.budget.crashes = 1;
  blocking.spec.budget.timeouts = 1;
  blocking.spec.crash_groups = {"coordinators"};
  blocking.strategy = "dfs";
  blocking.reduction = "dpor";
  return {blocking};
}

}  // namespace faultline::twopc
