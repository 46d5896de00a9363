#pragma once
// End-of-run checks every protocol shares: the client history's linearizability against
// the model the protocol chooses, and liveness after the faults heal.
//
// Both record a named outcome in the run's Checks and report a finding when they fail.
// Their budgets are counts of work, never wall-clock time, so a verdict and the trace
// hash depend only on the run's specification and its choices, not on the machine.
#include <functional>
#include <string>
#include <string_view>

#include "protocols/checks.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {

// Checks sim.history() against `model` (the checker's model names: "kv", "register",
// "multi-register", ...) within `budget` explored configurations; records the check
// "linearizability" (held, violated with the checker's explanation, or unknown with
// why) and reports a finding when it is violated.
void check_linearizability(sim::Simulation& sim, Checks& checks, std::string_view model,
                           std::uint64_t budget);
// The same from the model's initial state `init` (the checker's --init: e.g. the
// registers a bank's accounts start at for multi-register); null is the model's default.
void check_linearizability(sim::Simulation& sim, Checks& checks, std::string_view model,
                           std::uint64_t budget, const nlohmann::json& init);

// What a liveness probe finds at the deadline.
struct LivenessFinding {
  std::string stuck;       // empty when progress resumed, else a sentence
  std::string not_judged;  // a part the probe could not judge in this run, and why; or empty
};
using LivenessProbe = std::function<LivenessFinding(const sim::Simulation&)>;

// Liveness after heal: at heal_ns + bound, `probe` must find no stuck progress. Records
// the check "liveness": held (its detail names any part not judged, so a run never reads
// as having passed a clause nobody looked at); violated with a finding; skipped when the
// run ends before the deadline.
void schedule_liveness(sim::Simulation& sim, Checks& checks, sim::Time heal_ns, sim::Duration bound,
                       LivenessProbe probe);

}  // namespace faultline::protocols
