// raft_bench: how fast Raft runs on the simulator, and how fast seed sweeps find each
// planted bug. Wall-clock and CPU time are measured here, outside the simulations.
//
//   build/bench/raft_bench perf [--runs 200] [--clients 5] [--rate 10] [--no-trace]
//       5 servers, 5 clients, heartbeat 50 ms, every fault kind, 10 simulated seconds:
//       CPU time per run (mean and median) and per simulated second.
//   build/bench/raft_bench hunt [--bug NAME] [--trials 5] [--max-seconds 60]
//       per bug: `trials` independent sweeps from different seed starts; the median
//       seeds and seconds to the first violation of the bug's property.
//   build/bench/raft_bench sweep [--seeds 5000] [--start 1]
//       correct Raft, swarm configurations (correct_spec): any finding is a failure.
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "raft/raft.hpp"
#include "raft/raft_sweep.hpp"

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

int hunt(const std::string& only, int trials, double max_seconds) {
  nlohmann::json all = nlohmann::json::array();
  bool missed = false;
  for (const raft::BugHunt& h : raft::bug_hunts()) {
    if (!only.empty() && h.bug != only) continue;
    std::vector<double> seconds, seeds;
    int found = 0;
    std::map<std::string, int> properties;
    for (int t = 0; t < trials; ++t) {
      const std::uint64_t start = 1 + static_cast<std::uint64_t>(t) * 100000;
      const raft::HuntResult r = raft::hunt(h, start, ~std::uint64_t{0}, max_seconds);
      if (r.found) {
        ++found;
        seconds.push_back(r.seconds);
        seeds.push_back(static_cast<double>(r.seeds_run));
        ++properties[r.property];
      }
      std::fprintf(stderr, "%-28s trial %d: %s after %llu seeds, %.2f s%s%s\n", h.bug.c_str(), t,
                   r.found ? "found" : "NOT found", static_cast<unsigned long long>(r.seeds_run),
                   r.seconds, r.found ? " — " : "", r.found ? r.property.c_str() : "");
    }
    if (found < trials) missed = true;
    all.push_back(
        {{"bug", h.bug},
         {"found", found},
         {"trials", trials},
         {"median_seconds", median(seconds)},
         {"median_seeds", median(seeds)},
         {"max_seconds", seconds.empty() ? 0 : *std::max_element(seconds.begin(), seconds.end())},
         {"properties", properties}});
  }
  std::cout << nlohmann::json{{"hunts", all}}.dump() << "\n";
  return missed ? 1 : 0;
}

int sweep(std::uint64_t seeds, std::uint64_t start) {
  const protocols::Protocol p = raft::protocol();
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t failures = 0, with_leader = 0, with_ops = 0;
  for (std::uint64_t s = start; s < start + seeds; ++s) {
    const protocols::RunSpec spec = raft::correct_spec(s);
    protocols::RunOutput out = protocols::run_protocol(p, spec);
    const nlohmann::json summary = out.run->summary(*out.sim);
    if (summary.value("leaders_elected", 0) > 0) ++with_leader;
    if (summary["operations"].value("ok", 0) > 0) ++with_ops;
    if (out.result.verdict != sim::Verdict::ok) {
      ++failures;
      for (const auto& f : out.result.findings) {
        std::fprintf(stderr, "seed %llu: %s\n", static_cast<unsigned long long>(s),
                     sim::describe_finding(f, out.sim.get()).c_str());
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << nlohmann::json{{"seeds", seeds},       {"start", start},
                              {"failures", failures}, {"with_leader", with_leader},
                              {"with_ops", with_ops}, {"seconds", secs}}
                   .dump()
            << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raft_bench: Raft's speed on the simulator and its bug hunts"};
  app.require_subcommand(1);
  int runs = 200, clients = 5, rate = 10, trials = 5;
  bool no_trace = false;
  double max_seconds = 60;
  std::string bug;
  std::uint64_t seeds = 5000, start = 1;
  auto* p = app.add_subcommand("perf", "CPU time of a 10 s, 5-node run with faults");
  p->add_option("--runs", runs)->capture_default_str();
  p->add_option("--clients", clients)->capture_default_str();
  p->add_option("--rate", rate, "operations per second per client")->capture_default_str();
  p->add_flag("--no-trace", no_trace, "do not keep trace records (hash only)");
  auto* h = app.add_subcommand("hunt", "seeds and time to find each planted bug");
  h->add_option("--bug", bug, "one bug (default: all)");
  h->add_option("--trials", trials)->capture_default_str();
  h->add_option("--max-seconds", max_seconds)->capture_default_str();
  auto* s = app.add_subcommand("sweep", "correct Raft over many seeds");
  s->add_option("--seeds", seeds)->capture_default_str();
  s->add_option("--start", start)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (p->parsed()) return perf(runs, clients, rate, !no_trace);
  if (h->parsed()) return hunt(bug, trials, max_seconds);
  return sweep(seeds, start);
}
