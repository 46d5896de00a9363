// Fuzzing measured: seeds per second of each protocol's generic swarm profile (with one
// and two threads), and for every planted bug the seeds and CPU time the generic profile
// needs to find it (over independent seed ranges) and the size of the shrunk repro.
//
//   fuzz_bench throughput [--protocol P] [--seeds N]
//   fuzz_bench bugs [--protocol P] [--bug B] [--ranges R] [--max-seeds N] [--shrink-runs N]
//
// CPU time is the process's user + system time (getrusage), so a loaded machine changes
// the wall time but not these numbers much; both are printed.
#include <sys/resource.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "protocols/registry.hpp"
#include "scenarios/fuzz.hpp"
#include "scenarios/shrink.hpp"

using namespace faultline;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double wall_seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? T{} : v[v.size() / 2];
}

std::vector<const protocols::Protocol*> chosen(const std::string& name) {
  std::vector<const protocols::Protocol*> out;
  for (const protocols::Protocol& p : protocols::all_protocols()) {
    if (name.empty() || p.name == name) out.push_back(&p);
  }
  return out;
}

void throughput(const std::string& protocol, std::uint64_t seeds) {
  std::printf("| protocol | jobs | seeds | wall s | CPU s | seeds/s (wall) | seeds/min per core (CPU) | events/seed |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const protocols::Protocol* p : chosen(protocol)) {
    for (unsigned jobs : {1u, 2u}) {
      scenarios::FuzzConfig c;
      c.base = scenarios::swarm_scenario(*p);
      c.seeds = seeds;
      c.jobs = jobs;
      const double cpu0 = cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      const scenarios::FuzzReport r = scenarios::fuzz(c);
      const double cpu = cpu_seconds() - cpu0;
      const double wall = wall_seconds(t0);
      std::uint64_t events = 0;
      for (const auto& s : r.results) events += s.events;
      std::printf("| %s | %u | %llu | %.2f | %.2f | %.0f | %.0f | %.0f |\n", p->name.c_str(), jobs,
                  static_cast<unsigned long long>(r.seeds_run), wall, cpu, r.seeds_run / wall,
                  60.0 * r.seeds_run / cpu, static_cast<double>(events) / r.seeds_run);
      std::fflush(stdout);
    }
  }
}

struct Hunt {
  bool found = false;
  std::uint64_t seeds = 0;
  double cpu = 0;
  std::string property;
  std::uint64_t seed = 0;
};

Hunt hunt(const protocols::Protocol& p, const std::string& bug, std::uint64_t start,
          std::uint64_t max_seeds) {
  scenarios::FuzzConfig c;
  c.base = scenarios::swarm_scenario(p);
  c.bugs = {bug};
  c.seed_start = start;
  c.seeds = max_seeds;
  c.stop_on_first = true;
  const double cpu0 = cpu_seconds();
  const scenarios::FuzzReport r = scenarios::fuzz(c);
  Hunt h;
  h.cpu = cpu_seconds() - cpu0;
  for (const auto& s : r.results) {
    ++h.seeds;
    if (s.verdict == "violation") {
      h.found = true;
      h.property = s.violation;
      h.seed = s.seed;
      break;
    }
  }
  return h;
}

void bugs(const std::string& protocol, const std::string& only, int ranges, std::uint64_t max_seeds,
          std::uint64_t shrink_runs) {
  std::printf("| protocol | bug | found | median seeds | worst seeds | median CPU s | worst CPU s | found by | shrunk faults | shrunk events | shrink runs |\n");
  std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n");
  for (const protocols::Protocol* p : chosen(protocol)) {
    for (const protocols::BugSpec& b : p->bugs) {
      if (!only.empty() && b.name != only) continue;
      std::vector<std::uint64_t> seeds;
      std::vector<double> cpus;
      std::vector<std::uint64_t> faults, events, runs;
      std::string by;
      int found = 0;
      for (int k = 0; k < ranges; ++k) {
        const Hunt h = hunt(*p, b.name, 1 + static_cast<std::uint64_t>(k) * 100000, max_seeds);
        seeds.push_back(h.seeds);
        cpus.push_back(h.cpu);
        if (!h.found) continue;
        ++found;
        if (by.find(h.property) == std::string::npos) by += (by.empty() ? "" : ", ") + h.property;
        scenarios::FuzzConfig c;
        c.base = scenarios::swarm_scenario(*p);
        c.bugs = {b.name};
        const scenarios::ScenarioRun run = scenarios::fuzz_run(c, h.seed, true);
        const scenarios::ShrinkResult s =
            scenarios::shrink(scenarios::make_repro(c.base, run, "bench"), shrink_runs);
        faults.push_back(s.after.faults);
        events.push_back(s.after.events);
        runs.push_back(s.runs);
      }
      std::printf("| %s | %s | %d/%d | %llu | %llu | %.2f | %.2f | %s | %llu | %llu | %llu |\n",
                  p->name.c_str(), b.name.c_str(), found, ranges,
                  static_cast<unsigned long long>(median(seeds)),
                  static_cast<unsigned long long>(*std::max_element(seeds.begin(), seeds.end())),
                  median(cpus), *std::max_element(cpus.begin(), cpus.end()), by.c_str(),
                  static_cast<unsigned long long>(median(faults)),
                  static_cast<unsigned long long>(median(events)),
                  static_cast<unsigned long long>(median(runs)));
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fuzz_bench: the generic swarm profiles measured"};
  app.require_subcommand(1);
  std::string protocol;
  std::string bug;
  std::uint64_t seeds = 2000;
  int ranges = 5;
  std::uint64_t max_seeds = 100000;
  std::uint64_t shrink_runs = 6000;
  CLI::App* t = app.add_subcommand("throughput", "seeds per second, one and two threads");
  t->add_option("--protocol", protocol);
  t->add_option("--seeds", seeds);
  CLI::App* b = app.add_subcommand("bugs", "seeds and CPU time to find each planted bug; shrunk sizes");
  b->add_option("--protocol", protocol);
  b->add_option("--bug", bug);
  b->add_option("--ranges", ranges);
  b->add_option("--max-seeds", max_seeds);
  b->add_option("--shrink-runs", shrink_runs);
  CLI11_PARSE(app, argc, argv);
  if (t->parsed()) throughput(protocol, seeds);
  if (b->parsed()) bugs(protocol, bug, ranges, max_seeds, shrink_runs);
  return 0;
}
