#pragma once
// Seed sweeps over the scheduler with the generic swarm profile — exactly what
// `faultline fuzz --protocol scheduler [--bug B]` runs per seed (protocols::swarm_spec) —
// shared by the tests and bench/scheduler.
//
// A hunt runs seeds from a start until one run's finding is one of the checks the bug
// declares in `finds` (or a budget runs out). A sweep runs the correct protocol over a
// range and adds up its "sometimes" counts, so a clean sweep cannot be a vacuous one.
// Wall-clock time is measured around runs, never inside one: verdicts depend only on the
// seed.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"

namespace faultline::scheduler {

struct HuntResult {
  bool found = false;
  std::uint64_t seed = 0;       // the run that found it
  std::uint64_t seeds_run = 0;  // including that one
  double seconds = 0;           // wall-clock time of the sweep
  double cpu_seconds = 0;       // this process's CPU time over it (the machine is shared)
  std::string property;         // the finding's name
  std::string message;
  std::uint64_t event_index = 0;
};

HuntResult hunt(const std::string& bug, std::uint64_t seed_start, std::uint64_t max_seeds,
                double max_seconds);

struct SweepResult {
  std::uint64_t seeds = 0;
  std::uint64_t failures = 0;               // runs whose verdict was not ok
  std::vector<std::string> first_failures;  // "seed N: finding", the first few
  // Summed protocol summary counts, and how many seeds saw each at least once.
  std::map<std::string, std::uint64_t> totals;
  std::map<std::string, std::uint64_t> seeds_with;
  double seconds = 0;
  double cpu_seconds = 0;
};

SweepResult sweep(std::uint64_t seed_start, std::uint64_t count,
                  const std::vector<std::string>& bugs = {});

}  // namespace faultline::scheduler
