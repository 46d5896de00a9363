#pragma once
// Seed sweeps over the block store through the generic fuzz profile — exactly what
// `faultline fuzz --protocol blockstore [--bug B]` runs for each seed:
// protocols::swarm_spec(protocol, seed, {bug}). No per-bug configuration.
//
//   sweep(first, count)       the correct protocol: every run's verdict, and in how many
//                             runs each "sometimes" path was taken
//   hunt(bug, first, ...)     seeds from `first` until a run of the bug finds a violation
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "blockstore/blockstore.hpp"
#include "protocols/protocol.hpp"

namespace faultline::blockstore::testing {

inline const protocols::Protocol& blockstore_protocol() {
  static const protocols::Protocol p = protocol();
  return p;
}

inline std::string findings_text(const protocols::RunOutput& out) {
  std::string text;
  for (const sim::Finding& f : out.result.findings) {
    text += sim::describe_finding(f, out.sim.get()) + "\n";
  }
  return text;
}

struct SweepResult {
  std::uint64_t seeds = 0;
  std::vector<std::pair<std::uint64_t, std::string>> failures;  // seed, findings
  std::uint64_t unknown = 0;                                    // verdict unknown
  std::map<std::string, std::uint64_t> runs_with;  // "sometimes" path -> runs that took it
  double seconds = 0;
};

inline SweepResult sweep(std::uint64_t first, std::uint64_t count, std::size_t max_failures = 5) {
  SweepResult r;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    protocols::RunOutput out =
        protocols::run_protocol(blockstore_protocol(), protocols::swarm_spec(blockstore_protocol(), seed));
    ++r.seeds;
    if (out.verdict() == sim::Verdict::unknown) ++r.unknown;
    if (out.verdict() == sim::Verdict::violation) {
      r.failures.emplace_back(seed, findings_text(out));
      if (r.failures.size() >= max_failures) break;
    }
    const nlohmann::json s = out.run->summary(*out.sim);
    for (const auto& [name, n] : s["sometimes"].items()) {
      if (n.get<std::uint64_t>() > 0) ++r.runs_with[name];
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

struct HuntResult {
  bool found = false;
  std::uint64_t seed = 0;       // the run that found it
  std::uint64_t seeds_run = 0;  // including that one
  double seconds = 0;           // wall-clock time of the sweep (never inside a run)
  std::string property;         // the finding's name
  std::string message;
  std::uint64_t event_index = 0;
};

inline HuntResult hunt(const std::string& bug, std::uint64_t first, std::uint64_t max_seeds,
                       double max_seconds) {
  HuntResult r;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = first; r.seeds_run < max_seeds; ++seed) {
    ++r.seeds_run;
    protocols::RunOutput out =
        protocols::run_protocol(blockstore_protocol(), protocols::swarm_spec(blockstore_protocol(), seed, {bug}));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (out.result.verdict == sim::Verdict::violation && !out.result.findings.empty()) {
      const sim::Finding& f = out.result.findings.front();
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

}  // namespace faultline::blockstore::testing
