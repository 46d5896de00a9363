#pragma once
// Bug hunts over the generic swarm profile: exactly what `faultline fuzz --protocol P
// --bug B` runs for each seed (protocols::swarm_spec), seed after seed until a run
// violates a check the bug declares in `finds`. Shared by the tests and paxos_hunt (the
// measuring tool behind bench/README.md's Paxos numbers).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

#include "protocols/protocol.hpp"

namespace faultline::paxos::testing {

struct HuntResult {
  bool found = false;
  std::uint64_t seed = 0;       // the run that found it
  std::uint64_t seeds_run = 0;  // including that one
  double seconds = 0;           // wall-clock time of the sweep (reported, never asserted)
  double cpu_seconds = 0;       // CPU time of this thread: "on one core", whatever the load
  std::string property;         // the finding's name
  std::string message;
  std::uint64_t event_index = 0;
  std::uint64_t trace_hash = 0;
};

// The check names a finding of `bug` may carry (its BugSpec::finds).
inline bool finds(const protocols::Protocol& p, const std::string& bug, const std::string& name) {
  const protocols::BugSpec* spec = p.find_bug(bug);
  return spec != nullptr &&
         std::find(spec->finds.begin(), spec->finds.end(), name) != spec->finds.end();
}

// This thread's CPU time: a sweep's cost on one core, however loaded the machine is.
inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Sweeps seeds from `first` until a finding the bug declares, `max_seeds` runs, or
// `max_cpu_seconds` of CPU time (a budget for the sweep, never part of a verdict).
inline HuntResult hunt(const protocols::Protocol& p, const std::string& bug, std::uint64_t first,
                       std::uint64_t max_seeds, double max_cpu_seconds) {
  HuntResult r;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (std::uint64_t seed = first; r.seeds_run < max_seeds; ++seed) {
    ++r.seeds_run;
    const protocols::RunOutput out =
        protocols::run_protocol(p, protocols::swarm_spec(p, seed, {bug}));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.cpu_seconds = thread_cpu_seconds() - cpu_start;
    for (const sim::Finding& f : out.result.findings) {
      if (!finds(p, bug, f.name)) continue;
      r.found = true;
      r.seed = seed;
      r.property = f.name;
      r.message = f.message;
      r.event_index = f.event_index;
      r.trace_hash = out.result.trace_hash;
      return r;
    }
    if (r.cpu_seconds >= max_cpu_seconds) break;
  }
  return r;
}

}  // namespace faultline::paxos::testing
