// The scheduler's bug hunts and correct-protocol sweeps, as bench/README.md records them.
//
//   scheduler_bench hunt --bug B [--ranges 5] [--range-start 1] [--range-size 100000]
//                        [--budget 60]
//       For each of `ranges` independent seed ranges (starting at range-start,
//       range-start + range-size, ...), sweeps the generic swarm profile with B until a
//       check B declares breaks: seeds and seconds to find it, then median and worst.
//   scheduler_bench hunt --all ...   every planted bug
//   scheduler_bench sweep [--seeds 5000] [--seed-start 1]
//       The correct protocol: failures, and each "sometimes" count (summed, and the
//       number of seeds where it happened).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "scheduler/sched_sweep.hpp"
#include "scheduler/scheduler.hpp"

using namespace faultline;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_hunt(const std::string& bug, int ranges, std::uint64_t range_start,
             std::uint64_t range_size, double budget) {
  std::vector<double> seconds;
  std::vector<double> cpu;
  std::vector<double> seeds;
  int missed = 0;
  for (int i = 0; i < ranges; ++i) {
    const std::uint64_t first = range_start + static_cast<std::uint64_t>(i) * range_size;
    const scheduler::HuntResult r = scheduler::hunt(bug, first, range_size, budget);
    std::printf(
        "%-26s range %d (from seed %llu): %s after %llu seeds (seed %llu), %.2f s wall, "
        "%.2f s CPU; %s: %.120s\n",
        bug.c_str(), i, static_cast<unsigned long long>(first), r.found ? "found" : "NOT found",
        static_cast<unsigned long long>(r.seeds_run), static_cast<unsigned long long>(r.seed),
        r.seconds, r.cpu_seconds, r.property.c_str(), r.message.c_str());
    std::fflush(stdout);
    if (!r.found) ++missed;
    seconds.push_back(r.seconds);
    cpu.push_back(r.cpu_seconds);
    seeds.push_back(static_cast<double>(r.seeds_run));
  }
  std::printf(
      "%-26s median %.0f seeds, %.2f s wall, %.2f s CPU; worst %.0f seeds, %.2f s wall, "
      "%.2f s CPU; found in %d of %d ranges\n",
      bug.c_str(), median(seeds), median(seconds), median(cpu),
      *std::max_element(seeds.begin(), seeds.end()),
      *std::max_element(seconds.begin(), seconds.end()), *std::max_element(cpu.begin(), cpu.end()),
      ranges - missed, ranges);
  return missed == 0 ? 0 : 1;
}

int run_sweep(std::uint64_t start, std::uint64_t count) {
  const scheduler::SweepResult r = scheduler::sweep(start, count);
  std::printf(
      "correct protocol: %llu seeds from %llu, %llu failures, %.1f s wall, %.1f s CPU "
      "(%.0f seeds per CPU second)\n",
      static_cast<unsigned long long>(r.seeds), static_cast<unsigned long long>(start),
      static_cast<unsigned long long>(r.failures), r.seconds, r.cpu_seconds,
      static_cast<double>(r.seeds) / r.cpu_seconds);
  for (const std::string& f : r.first_failures) std::printf("  %s\n", f.c_str());
  for (const auto& [name, total] : r.totals) {
    std::printf("  %-24s total %8llu, in %6llu seeds\n", name.c_str(),
                static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(r.seeds_with.at(name)));
  }
  return r.failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scheduler bug hunts and sweeps"};
  app.require_subcommand(1);
  CLI::App* hunt = app.add_subcommand("hunt", "find planted bugs with the generic swarm profile");
  std::string bug;
  bool all = false;
  int ranges = 5;
  std::uint64_t range_start = 1;
  std::uint64_t range_size = 100000;
  double budget = 60;
  hunt->add_option("--bug", bug, "planted bug");
  hunt->add_flag("--all", all, "every planted bug");
  hunt->add_option("--ranges", ranges, "independent seed ranges");
  hunt->add_option("--range-start", range_start, "first seed of the first range");
  hunt->add_option("--range-size", range_size, "seeds per range (and the distance between)");
  hunt->add_option("--budget", budget, "seconds per range at most");
  CLI::App* sweep = app.add_subcommand("sweep", "the correct protocol over many seeds");
  std::uint64_t seeds = 5000;
  std::uint64_t seed_start = 1;
  sweep->add_option("--seeds", seeds, "seeds");
  sweep->add_option("--seed-start", seed_start, "first seed");
  CLI11_PARSE(app, argc, argv);
  if (*sweep) return run_sweep(seed_start, seeds);
  std::vector<std::string> bugs;
  if (all) {
    for (const auto& b : scheduler::protocol().bugs) bugs.push_back(b.name);
  } else {
    bugs.push_back(bug);
  }
  int status = 0;
  for (const std::string& b : bugs) status |= run_hunt(b, ranges, range_start, range_size, budget);
  return status;
}
