#pragma once
// Shrinking a failing run to the smallest run that still fails the same way (the same
// property breaks first): `faultline shrink`, and every failure `faultline fuzz` saves.
//
// A run is (scenario, tape). The shrinker
//  1. turns a random fault schedule into the timeline it actually produced (explicit
//     faults on named nodes), with the option values swarm testing drew written out —
//     an editable scenario that fails the same way (the tape's other kinds replay as
//     they were: each kind replays its own choices, sim/choice.hpp);
//  2. tries other seeds of the same configuration (the options as drawn, the random
//     schedule drawn afresh; seeds derived from the failing one): a failure that took
//     seconds of one seed's history often shows within a few hundred events of another's,
//     which the repro then names;
//  2b. removes faults (delta debugging: halves, quarters, ..., single faults), shortens
//     their windows and moves them earlier;
//  3. returns options to their defaults, tries the smaller values options declare for
//     shrinking (a few operations per client instead of "until the run ends"), and
//     shrinks sizes (fewer servers, clients; faults lose the nodes a smaller
//     configuration does not have);
//  4. lowers the tape's choices toward 0, the quiet choice, and deletes chunks of it
//     (Hypothesis-style passes, largest chunks first);
//  5. ends the run right after the failure, and, first in every round (each later try is
//     then a shorter run), cuts the run to a fraction of its length: a failure that shows
//     only at the end (a history checked then) often happened long before;
// keeping a candidate only if it fails the same property and is smaller, ordered by
// (events, faults, tape length, simulated time). A candidate may not run longer than the
// best run so far (it could not be smaller), so each try costs at most one short run.
//
// It works in rounds: other seeds (500 in the first round, a quarter of a budget under
// 2,000; twice as many in each later round), then passes 2b-5 over and over until a whole
// pass of them finds nothing smaller or they have taken as many runs as the round's
// seeds. The rounds do not depend on the budget (from 2,000 runs up), so a larger budget
// takes the same steps and then more: it never ends at a larger run. It stops when the
// passes have settled and a round's seeds find nothing smaller either, or after a budget
// of runs (a count, never wall-clock time; 6,000 by default, bench/README.md).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/repro.hpp"

namespace faultline::scenarios {

struct ShrinkSize {
  std::uint64_t faults = 0;  // timeline steps plus faults the random schedule started
  std::uint64_t events = 0;
  std::uint64_t tape = 0;
  sim::Time sim_time_ns = 0;
  // Of `events`: the lines a scenario timeline logs to name each fault it fires. A random
  // schedule turned into a timeline has one per fault that its random form did not.
  std::uint64_t fault_lines = 0;
  // Events first: a short run is what a reader can follow; then fewer faults.
  friend bool operator<(const ShrinkSize& a, const ShrinkSize& b) {
    if (a.events != b.events) return a.events < b.events;
    if (a.faults != b.faults) return a.faults < b.faults;
    if (a.tape != b.tape) return a.tape < b.tape;
    return a.sim_time_ns < b.sim_time_ns;
  }
  nlohmann::json to_json() const;
  // The same size without the timeline's fault lines: how a run given with a random
  // schedule and its shrunk timeline compare.
  ShrinkSize net() const {
    ShrinkSize s = *this;
    s.events -= fault_lines;
    s.fault_lines = 0;
    return s;
  }
};

struct ShrinkResult {
  Repro repro;             // the smallest run found, as a repro file
  std::string property;    // what it fails
  ShrinkSize before;
  ShrinkSize after;
  std::uint64_t runs = 0;  // candidate runs tried
  bool materialized = false;  // the random schedule became an explicit timeline
  bool stopped = false;       // `stop` ended it early: the smallest run found so far
};

// Tries at most `max_runs` (>= 1) candidate runs (the replay of the input counts as one), and
// gives back no larger run than it was given, comparing sizes net of the timeline's fault
// lines (ShrinkSize::net): the input itself when nothing smaller fails the same way. Throws
// BadInput when the repro's run does not fail, or no longer fails the way it recorded. `progress`
// hears a line per accepted step. When `stop` becomes true (fuzz's Ctrl-C) no further
// candidate starts, and the result is the smallest failing run found so far.
ShrinkResult shrink(const Repro& failing, std::uint64_t max_runs = 6000,
                    const std::function<void(const std::string&)>& progress = {},
                    const std::string& version = "", const std::atomic<bool>* stop = nullptr);

}  // namespace faultline::scenarios
