// blockstore_hunt: the measurements of bench/README.md ("blockstore"), through the
// generic fuzz profile (protocols::swarm_spec), one core, one run at a time.
//
//   blockstore_hunt correct FIRST COUNT
//       sweeps the correct protocol over seeds FIRST..FIRST+COUNT-1: failures, unknown
//       verdicts, and in how many runs each "sometimes" path was taken
//   blockstore_hunt bugs RANGES [BUG...]
//       for every planted bug (or those named), hunts from RANGES seed starts (1, 100001,
//       200001, ...) until the bug is found: seeds and seconds per start, median, worst
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <cstdlib>
#include <string>
#include <vector>

#include "bs_hunt.hpp"

using namespace faultline;
using blockstore::testing::blockstore_protocol;

namespace {

int correct(std::uint64_t first, std::uint64_t count) {
  const std::clock_t cpu = std::clock();
  const auto r = blockstore::testing::sweep(first, count, 20);
  const double cpu_s = static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC;
  std::printf("correct blockstore: %llu seeds from %llu, %zu failures, %llu unknown, %.1f s wall, "
              "%.1f s CPU (%.1f ms CPU per run)\n",
              static_cast<unsigned long long>(r.seeds), static_cast<unsigned long long>(first),
              r.failures.size(), static_cast<unsigned long long>(r.unknown), r.seconds, cpu_s,
              1000 * cpu_s / static_cast<double>(r.seeds));
  for (const auto& [name, runs] : r.runs_with) {
    std::printf("  %-24s %llu runs\n", name.c_str(), static_cast<unsigned long long>(runs));
  }
  for (const auto& [seed, text] : r.failures) {
    std::printf("FAIL seed %llu: %s", static_cast<unsigned long long>(seed), text.c_str());
  }
  return r.failures.empty() ? 0 : 1;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int bugs(int ranges, std::vector<std::string> names) {
  if (names.empty()) {
    for (const auto& b : blockstore_protocol().bugs) names.push_back(b.name);
  }
  int missed = 0;
  for (const std::string& bug : names) {
    std::vector<std::uint64_t> seeds;
    std::vector<double> seconds;
    std::map<std::string, int> properties;
    int found = 0;
    for (int k = 0; k < ranges; ++k) {
      const std::uint64_t first = 1 + 100000 * static_cast<std::uint64_t>(k);
      const auto h = blockstore::testing::hunt(bug, first, ~std::uint64_t{0}, 60);
      if (!h.found) ++missed;
      found += h.found ? 1 : 0;
      if (h.found) ++properties[h.property];
      seeds.push_back(h.found ? h.seeds_run : 0);
      seconds.push_back(h.seconds);
      std::printf("  %s from %llu: %s after %llu seeds, %.2f s (seed %llu, %s)\n", bug.c_str(),
                  static_cast<unsigned long long>(first), h.found ? "found" : "NOT FOUND",
                  static_cast<unsigned long long>(h.seeds_run), h.seconds,
                  static_cast<unsigned long long>(h.seed), h.property.c_str());
    }
    std::string by;
    for (const auto& [name, n] : properties) by += (by.empty() ? "" : ", ") + name + " " + std::to_string(n);
    std::printf("| `%s` | %d/%d | %llu | %.3f s | %llu seeds, %.2f s | %s |\n", bug.c_str(), found,
                ranges, static_cast<unsigned long long>(median(seeds)), median(seconds),
                static_cast<unsigned long long>(*std::max_element(seeds.begin(), seeds.end())),
                *std::max_element(seconds.begin(), seconds.end()), by.c_str());
    std::fflush(stdout);
  }
  return missed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "correct" && argc == 4) {
    return correct(std::strtoull(argv[2], nullptr, 10), std::strtoull(argv[3], nullptr, 10));
  }
  if (mode == "bugs" && argc >= 3) {
    return bugs(std::atoi(argv[2]), std::vector<std::string>(argv + 3, argv + argc));
  }
  std::fprintf(stderr, "usage: blockstore_hunt correct FIRST COUNT | bugs RANGES [BUG...]\n");
  return 2;
}
