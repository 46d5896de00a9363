// paxos_hunt: how long the generic swarm profile takes to find each planted bug of
// `paxos` and `multipaxos` (bench/README.md). For each bug, `--trials` independent seed
// ranges (starting at 1, 100001, 200001, ...), each swept until the first finding the
// bug declares, on one core. Times are the thread's CPU time (the machine may be shared);
// the budget too.
//
//   paxos_hunt [--protocol paxos|multipaxos] [--bug NAME] [--trials 5] [--budget 60]
//   paxos_hunt --correct --protocol P --seeds 5000       (no bug: count violations)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "paxos/paxos.hpp"
#include "paxos_bug_hunt.hpp"

using namespace faultline;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void hunt_bug(const protocols::Protocol& p, const std::string& bug, int trials, double budget) {
  std::vector<double> seeds, seconds, cpu;
  int found = 0;
  std::map<std::string, int> named;  // the finding's check -> trials
  for (int t = 0; t < trials; ++t) {
    const std::uint64_t first = 1 + static_cast<std::uint64_t>(t) * 100000;
    const paxos::testing::HuntResult r = paxos::testing::hunt(p, bug, first, ~0ULL, budget);
    found += r.found ? 1 : 0;
    seeds.push_back(static_cast<double>(r.seeds_run));
    seconds.push_back(r.seconds);
    cpu.push_back(r.cpu_seconds);
    named[r.found ? r.property : "NOT FOUND"] += 1;
    std::fprintf(stderr, "  %s %s from %llu: %s after %llu seeds, %.3f s CPU (%.3f s wall)\n",
                 p.name.c_str(), bug.c_str(), static_cast<unsigned long long>(first),
                 r.found ? r.property.c_str() : "not found",
                 static_cast<unsigned long long>(r.seeds_run), r.cpu_seconds, r.seconds);
  }
  std::string properties;
  for (const auto& [name, n] : named) {
    properties += (properties.empty() ? "" : ", ") + name + " " + std::to_string(n);
  }
  std::printf("| `%s` | `%s` | %d/%d | %.0f | %.0f | %.3f s | %.2f s | %s |\n", p.name.c_str(),
              bug.c_str(), found, trials, median(seeds),
              *std::max_element(seeds.begin(), seeds.end()), median(cpu),
              *std::max_element(cpu.begin(), cpu.end()), properties.c_str());
  std::fflush(stdout);
}

int correct(const protocols::Protocol& p, std::uint64_t first, std::uint64_t n) {
  std::uint64_t bad = 0, unknown = 0;
  const double start = paxos::testing::thread_cpu_seconds();
  for (std::uint64_t seed = first; seed < first + n; ++seed) {
    const protocols::RunOutput out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    if (out.verdict() == sim::Verdict::unknown) ++unknown;
    if (out.verdict() == sim::Verdict::violation) {
      ++bad;
      std::printf("seed %llu: %s: %s\n", static_cast<unsigned long long>(seed),
                  out.result.findings[0].name.c_str(), out.result.findings[0].message.c_str());
    }
  }
  const double s = paxos::testing::thread_cpu_seconds() - start;
  std::printf("%s: %llu seeds, %llu violations, %llu unknown, %.1f s CPU\n", p.name.c_str(),
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(bad),
              static_cast<unsigned long long>(unknown), s);
  return bad == 0 && unknown == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string protocol, bug;
  int trials = 5;
  double budget = 60;
  bool correct_mode = false;
  std::uint64_t seeds = 5000, first = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--protocol")
      protocol = next();
    else if (a == "--bug")
      bug = next();
    else if (a == "--trials")
      trials = std::atoi(next().c_str());
    else if (a == "--budget")
      budget = std::atof(next().c_str());
    else if (a == "--correct")
      correct_mode = true;
    else if (a == "--seeds")
      seeds = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--seed-start")
      first = std::strtoull(next().c_str(), nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: paxos_hunt [--protocol P] [--bug B] [--trials N] [--budget S] "
                   "| --correct --protocol P [--seeds N] [--seed-start S]\n");
      return 2;
    }
  }
  std::vector<protocols::Protocol> all = {paxos::single_decree_protocol(), paxos::multi_protocol()};
  int status = 0;
  for (const protocols::Protocol& p : all) {
    if (!protocol.empty() && p.name != protocol) continue;
    if (correct_mode) {
      status |= correct(p, first, seeds);
      continue;
    }
    for (const protocols::BugSpec& b : p.bugs) {
      if (bug.empty() || b.name == bug) hunt_bug(p, b.name, trials, budget);
    }
  }
  return status;
}
