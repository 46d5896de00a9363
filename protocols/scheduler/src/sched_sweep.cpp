#include "scheduler/sched_sweep.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "scheduler/scheduler.hpp"

namespace faultline::scheduler {

namespace {
double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
double cpu_since(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}
}  // namespace

HuntResult hunt(const std::string& bug, std::uint64_t seed_start, std::uint64_t max_seeds,
                double max_seconds) {
  const protocols::Protocol p = protocol();
  const protocols::BugSpec* spec = p.find_bug(bug);
  FAULTLINE_ASSERT(spec != nullptr, "a hunt names a planted bug");
  HuntResult r;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (std::uint64_t seed = seed_start; r.seeds_run < max_seeds; ++seed) {
    const protocols::RunOutput out =
        protocols::run_protocol(p, protocols::swarm_spec(p, seed, {bug}));
    ++r.seeds_run;
    r.seconds = since(start);
    r.cpu_seconds = cpu_since(cpu_start);
    for (const sim::Finding& f : out.result.findings) {
      if (std::find(spec->finds.begin(), spec->finds.end(), f.name) == spec->finds.end()) continue;
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

SweepResult sweep(std::uint64_t seed_start, std::uint64_t count,
                  const std::vector<std::string>& bugs) {
  const protocols::Protocol p = protocol();
  SweepResult r;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (std::uint64_t seed = seed_start; seed < seed_start + count; ++seed) {
    const protocols::RunOutput out =
        protocols::run_protocol(p, protocols::swarm_spec(p, seed, bugs));
    ++r.seeds;
    if (out.verdict() != sim::Verdict::ok) {
      ++r.failures;
      if (r.first_failures.size() < 5) {
        const std::string what =
            out.result.findings.empty()
                ? std::string(sim::verdict_name(out.verdict()))
                : out.result.findings[0].name + ": " + out.result.findings[0].message;
        r.first_failures.push_back("seed " + std::to_string(seed) + ": " + what.substr(0, 300));
      }
    }
    const nlohmann::json s = out.run->summary(*out.sim);
    for (const auto& [name, value] : s.items()) {
      if (!value.is_number_unsigned()) continue;
      const auto n = value.get<std::uint64_t>();
      r.totals[name] += n;
      r.seeds_with[name] += n > 0 ? 1 : 0;
    }
  }
  r.seconds = since(start);
  r.cpu_seconds = cpu_since(cpu_start);
  return r;
}

}  // namespace faultline::scheduler
