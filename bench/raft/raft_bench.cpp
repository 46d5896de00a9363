// raft_bench: how fast Raft runs on the simulator, and how fast seed sweeps find each
// planted bug. Wall-clock and CPU time are measured here, outside the simulations.
//
//   build/bench/raft_bench perf [--runs 200] [--clients 5] [--rate 10] [--no-trace]
//       5 servers, 5 clients, heartbeat 50 ms, every fault kind, 10 simulated seconds:
//       CPU time per run (mean and median) and per simulated second.
//   build/bench/raft_bench hunt [--bug NAME] [--ranges 5] [--max-seeds 20000]
//       per bug: the generic fuzz profile's seeds from `ranges` starts (1, 100001, ...),
//       each until the bug's property breaks; median and worst seeds and CPU seconds.
//   build/bench/raft_bench sweep [--seeds 5000] [--start 1]
//       correct Raft, the generic swarm profile: any finding is a failure.
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "raft/raft.hpp"
#include "scenarios/fuzz.hpp"

using namespace faultline;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int perf(int runs, int clients, int rate, bool keep_trace) {
  const protocols::Protocol p = raft::protocol();
  std::vector<double> cpu_ms;
  std::uint64_t events = 0, violations = 0;
  for (int i = 1; i <= runs; ++i) {
    protocols::RunSpec spec;
    spec.seed = static_cast<std::uint64_t>(i);
    spec.time_limit_ns = 10 * sim::kSecond;
    spec.faults = protocols::fault_profile(p, "all", spec.time_limit_ns);
    spec.options.set("servers", "5");
    spec.options.set("clients", std::to_string(clients));
    spec.options.set("heartbeat", "50ms");
    spec.options.set("rate", std::to_string(rate));
    const double t0 = cpu_seconds();
    spec.keep_trace = keep_trace;
    const sim::RunResult r = protocols::run_protocol(p, spec).result;
    cpu_ms.push_back((cpu_seconds() - t0) * 1e3);
    events += r.events;
    if (r.verdict != sim::Verdict::ok) ++violations;
  }
  double sum = 0;
  for (double v : cpu_ms) sum += v;
  const nlohmann::json j = {{"runs", runs},
                            {"clients", clients},
                            {"rate_per_client", rate},
                            {"keep_trace", keep_trace},
                            {"cpu_ms_mean", sum / runs},
                            {"cpu_ms_median", median(cpu_ms)},
                            {"events_mean", static_cast<double>(events) / runs},
                            {"ns_per_event", sum * 1e6 / static_cast<double>(events)},
                            {"violations", violations}};
  std::cout << j.dump() << "\n";
  return violations == 0 ? 0 : 1;
}

// The seeds `faultline fuzz --protocol raft --bug B --stop-on-first --jobs 1` runs: the
// generic swarm scenario, nothing tuned per bug. Each range sweeps from its start until
// a run violates one of the properties the bug declares, or `max_seeds` ran.
int hunt(const std::string& only, int ranges, std::uint64_t max_seeds) {
  const protocols::Protocol p = raft::protocol();
  nlohmann::json all = nlohmann::json::array();
  bool missed = false;
  for (const protocols::BugSpec& b : p.bugs) {
    if (!only.empty() && b.name != only) continue;
    scenarios::FuzzConfig c;
    c.base = scenarios::swarm_scenario(p);
    c.bugs = {b.name};
    std::vector<double> seconds, seeds;
    int found = 0;
    std::map<std::string, int> properties;
    for (int t = 0; t < ranges; ++t) {
      const std::uint64_t start = 1 + static_cast<std::uint64_t>(t) * 100000;
      const double t0 = cpu_seconds();
      std::uint64_t n = 0;
      std::string property;
      for (std::uint64_t seed = start; n < max_seeds && property.empty(); ++seed, ++n) {
        const std::string v =
            scenarios::result_of(seed, scenarios::fuzz_run(c, seed, false), 0).violation;
        if (std::find(b.finds.begin(), b.finds.end(), v) != b.finds.end()) property = v;
      }
      const double cpu = cpu_seconds() - t0;
      if (!property.empty()) {
        ++found;
        seconds.push_back(cpu);
        seeds.push_back(static_cast<double>(n));
        ++properties[property];
      }
      std::fprintf(stderr, "%-28s range %d: %s after %llu seeds, %.2f s CPU%s%s\n",
                   b.name.c_str(), t, property.empty() ? "NOT found" : "found",
                   static_cast<unsigned long long>(n), cpu, property.empty() ? "" : " — ",
                   property.c_str());
    }
    if (found < ranges) missed = true;
    all.push_back(
        {{"bug", b.name},
         {"found", found},
         {"ranges", ranges},
         {"median_cpu_seconds", median(seconds)},
         {"median_seeds", median(seeds)},
         {"max_seeds", seeds.empty() ? 0 : *std::max_element(seeds.begin(), seeds.end())},
         {"max_cpu_seconds", seconds.empty() ? 0 : *std::max_element(seconds.begin(), seconds.end())},
         {"properties", properties}});
  }
  std::cout << nlohmann::json{{"hunts", all}}.dump() << "\n";
  return missed ? 1 : 0;
}

// Correct Raft over the generic swarm profile's seeds (`faultline fuzz --protocol raft`).
int sweep(std::uint64_t seeds, std::uint64_t start) {
  const protocols::Protocol p = raft::protocol();
  const double t0 = cpu_seconds();
  std::uint64_t failures = 0, with_leader = 0, with_ops = 0, with_membership = 0;
  std::uint64_t campaigns_outside = 0;
  for (std::uint64_t s = start; s < start + seeds; ++s) {
    protocols::RunOutput out = protocols::run_protocol(p, protocols::swarm_spec(p, s));
    const nlohmann::json summary = out.run->summary(*out.sim);
    if (summary.value("leaders_elected", 0) > 0) ++with_leader;
    if (summary["operations"].value("ok", 0) > 0) ++with_ops;
    if (summary.value("membership_changes", 0) > 0) ++with_membership;
    campaigns_outside += summary.value("campaigns_outside_config", std::uint64_t{0});
    if (out.result.verdict != sim::Verdict::ok) {
      ++failures;
      for (const auto& f : out.result.findings) {
        std::fprintf(stderr, "seed %llu: %s\n", static_cast<unsigned long long>(s),
                     sim::describe_finding(f, out.sim.get()).c_str());
      }
    }
  }
  std::cout << nlohmann::json{{"seeds", seeds},
                              {"start", start},
                              {"failures", failures},
                              {"with_leader", with_leader},
                              {"with_ops", with_ops},
                              {"with_membership_changes", with_membership},
                              {"campaigns_outside_config", campaigns_outside},
                              {"cpu_seconds", cpu_seconds() - t0}}
                   .dump()
            << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raft_bench: Raft's speed on the simulator and its bug hunts"};
  app.require_subcommand(1);
  int runs = 200, clients = 5, rate = 10, ranges = 5;
  bool no_trace = false;
  std::uint64_t max_seeds = 20000;
  std::string bug;
  std::uint64_t seeds = 5000, start = 1;
  auto* p = app.add_subcommand("perf", "CPU time of a 10 s, 5-node run with faults");
  p->add_option("--runs", runs)->capture_default_str();
  p->add_option("--clients", clients)->capture_default_str();
  p->add_option("--rate", rate, "operations per second per client")->capture_default_str();
  p->add_flag("--no-trace", no_trace, "do not keep trace records (hash only)");
  auto* h = app.add_subcommand("hunt", "seeds and time to find each planted bug");
  h->add_option("--bug", bug, "one bug (default: all)");
  h->add_option("--ranges", ranges)->capture_default_str();
  h->add_option("--max-seeds", max_seeds, "per range")->capture_default_str();
  auto* s = app.add_subcommand("sweep", "correct Raft over many seeds");
  s->add_option("--seeds", seeds)->capture_default_str();
  s->add_option("--start", start)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (p->parsed()) return perf(runs, clients, rate, !no_trace);
  if (h->parsed()) return hunt(bug, ranges, max_seeds);
  return sweep(seeds, start);
}
