// The long runs (`ctest -L long`, make test-long): correct 2PC over 5,000 seeds of the
// generic swarm profile, and every planted bug hunted from ten independent seed ranges.
// Hunts are bounded by a count of seeds, never by time; the times are printed for
// bench/README.md (measured, not asserted).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "twopc_hunt.hpp"

using namespace faultline;

TEST_CASE("twopc long: correct 2PC survives 5,000 swarm seeds") {
  const protocols::Protocol& p = twopc::testing::twopc_protocol();
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = twopc::testing::thread_cpu_seconds();
  constexpr std::uint64_t kSeeds = 5000;
  std::uint64_t unknown = 0;
  std::uint64_t liveness_held = 0;
  std::uint64_t events = 0;
  std::map<std::string, std::uint64_t> sometimes;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const protocols::RunOutput out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    std::string findings;
    for (const sim::Finding& f : out.result.findings) {
      findings += sim::describe_finding(f, out.sim.get()) + "\n";
    }
    INFO("seed " << seed << " swarm " << nlohmann::json(out.swarm).dump() << "\n" << findings);
    CHECK(out.result.verdict == sim::Verdict::ok);  // every failing seed is reported
    if (protocols::linearizable(out) != std::optional<bool>(true)) ++unknown;
    events += out.result.events;
    const protocols::CheckOutcome* live = out.run->checks.find("liveness");
    if (live != nullptr && live->status == protocols::CheckStatus::held) ++liveness_held;
    const nlohmann::json s = out.run->summary(*out.sim);
    for (const auto& [fact, value] : s.items()) {
      if (value.is_number() && value.get<std::uint64_t>() > 0) ++sometimes[fact];
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = twopc::testing::thread_cpu_seconds() - cpu_start;
  MESSAGE("twopc long sweep: " << kSeeds << " seeds, no violation, liveness held in "
                               << liveness_held << ", " << unknown
                               << " histories unknown to the checker, " << cpu_seconds << " s CPU ("
                               << seconds << " s wall), " << events
                               << " events in all; seeds where each count was above 0: "
                               << nlohmann::json(sometimes).dump());
  CHECK(unknown * 100 <= kSeeds);
  CHECK(liveness_held == kSeeds);
  for (const char* fact :
       {"committed", "aborts_decided", "restarts_in_doubt", "coordinator_recoveries",
        "peer_decisions", "read_alls_checked", "prepared_then_aborted", "presumed_aborts"}) {
    INFO(fact);
    CHECK(sometimes[fact] > 0);
  }
}

TEST_CASE("twopc long: every planted bug is found from ten independent seed ranges") {
  constexpr std::uint64_t kStarts[] = {1,      100001, 200001, 300001, 400001,
                                       500001, 600001, 700001, 800001, 900001};
  constexpr std::uint64_t kMaxSeeds = 5000;  // a bound on work, far above what any took
  for (const protocols::BugSpec& bug : twopc::testing::twopc_protocol().bugs) {
    std::vector<std::uint64_t> seeds;
    std::vector<double> times;
    std::vector<double> cpu;
    std::map<std::string, int> properties;
    for (std::uint64_t start : kStarts) {
      const twopc::testing::HuntResult r = twopc::testing::hunt(bug.name, start, kMaxSeeds, 1e9);
      INFO(bug.name << " from seed " << start << ": " << r.first_other);
      REQUIRE(r.found);
      CHECK(r.other_findings == 0);
      seeds.push_back(r.seeds_run);
      times.push_back(r.seconds);
      cpu.push_back(r.cpu_seconds);
      ++properties[r.property];
    }
    // Medians of the ten (the mean of the middle two), and the worst.
    std::vector<std::uint64_t> sorted_seeds = seeds;
    std::vector<double> sorted_times = times;
    std::vector<double> sorted_cpu = cpu;
    std::sort(sorted_seeds.begin(), sorted_seeds.end());
    std::sort(sorted_times.begin(), sorted_times.end());
    std::sort(sorted_cpu.begin(), sorted_cpu.end());
    const std::size_t n = sorted_seeds.size();
    auto median = [n](const auto& v) { return (v[(n - 1) / 2] + v[n / 2]) / 2.0; };
    MESSAGE("| `" << bug.name << "` | " << n << "/" << std::size(kStarts) << " | "
                  << median(sorted_seeds) << " | " << median(sorted_cpu) << " s ("
                  << median(sorted_times) << " s wall) | " << sorted_seeds.back() << " seeds, "
                  << sorted_cpu.back() << " s (" << sorted_times.back() << " s wall) | "
                  << nlohmann::json(properties).dump() << " | seeds "
                  << nlohmann::json(seeds).dump() << " |");
  }
}
