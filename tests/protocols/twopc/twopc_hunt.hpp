#pragma once
// Bug hunts with the generic swarm profile — exactly what `faultline fuzz --protocol twopc
// --bug B` runs: protocols::swarm_spec(protocol, seed, {B}) through run_protocol over
// consecutive seeds, no per-bug configuration — until a run violates one of the checks the
// bug's spec names (BugSpec::finds). Then the found run is shown to be a property of the
// run and of the bug: the same seed again, and its recorded tape replayed, give the same
// violation and trace; the same seed without the bug is clean.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>

#include "protocols/protocol.hpp"
#include "twopc/twopc.hpp"

namespace faultline::twopc::testing {

struct HuntResult {
  bool found = false;
  std::uint64_t seed = 0;
  std::uint64_t seeds_run = 0;
  double seconds = 0;      // wall-clock time of the sweep (reported, never asserted)
  double cpu_seconds = 0;  // this thread's CPU time for it (the machine is shared)
  std::string property;
  std::string message;
  std::uint64_t event_index = 0;
  std::uint64_t other_findings = 0;  // runs that failed on a check the bug does not name
  std::string first_other;
};

inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

inline const protocols::Protocol& twopc_protocol() {
  static const protocols::Protocol p = protocol();
  return p;
}

inline HuntResult hunt(const std::string& bug, std::uint64_t first_seed, std::uint64_t max_seeds,
                       double max_seconds) {
  const protocols::Protocol& p = twopc_protocol();
  const protocols::BugSpec* spec = p.find_bug(bug);
  REQUIRE(spec != nullptr);
  HuntResult r;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (std::uint64_t seed = first_seed; r.seeds_run < max_seeds; ++seed) {
    ++r.seeds_run;
    const protocols::RunOutput out =
        protocols::run_protocol(p, protocols::swarm_spec(p, seed, {bug}));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.cpu_seconds = thread_cpu_seconds() - cpu_start;
    for (const sim::Finding& f : out.result.findings) {
      if (std::find(spec->finds.begin(), spec->finds.end(), f.name) == spec->finds.end()) {
        if (r.other_findings++ == 0)
          r.first_other = "seed " + std::to_string(seed) + ": " + f.name + ": " + f.message;
        continue;
      }
      r.found = true;
      r.seed = seed;
      r.property = f.name;
      r.message = f.message;
      r.event_index = f.event_index;
      return r;
    }
    if (r.seconds >= max_seconds) break;
  }
  return r;
}

inline HuntResult hunt_and_replay(const std::string& bug, std::uint64_t first_seed,
                                  std::uint64_t max_seeds) {
  const HuntResult r = hunt(bug, first_seed, max_seeds, 1e9);
  MESSAGE("twopc bug " << bug << ": " << std::string(r.found ? "found" : "NOT found") << " after "
                       << r.seeds_run << " seeds from " << first_seed << " (seed " << r.seed
                       << "), " << r.seconds << " s, by '" << r.property
                       << "': " << r.message.substr(0, 240));
  REQUIRE(r.found);
  INFO(r.first_other);
  CHECK(r.other_findings == 0);

  const protocols::Protocol& p = twopc_protocol();
  protocols::RunSpec spec = protocols::swarm_spec(p, r.seed, {bug});
  protocols::RunOutput again = protocols::run_protocol(p, spec);
  REQUIRE(again.result.findings.size() == 1);
  CHECK(again.result.findings[0].name == r.property);
  CHECK(again.result.findings[0].event_index == r.event_index);
  CHECK(again.result.findings[0].message == r.message);

  protocols::RunOutput replayed =
      protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(again.choices->tape()));
  CHECK(replayed.result.trace_hash == again.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  REQUIRE(replayed.result.findings.size() == 1);
  CHECK(replayed.result.findings[0].name == r.property);
  CHECK(replayed.result.findings[0].event_index == r.event_index);

  spec.bugs.clear();
  protocols::RunOutput clean = protocols::run_protocol(p, spec);
  CHECK(clean.result.verdict == sim::Verdict::ok);
  return r;
}

}  // namespace faultline::twopc::testing
