#pragma once
// Fuzzing with random seeds (`faultline fuzz`): run a protocol's generic swarm profile (or
// a scenario template whose fixed faults stay while the seed varies the rest) over many
// seeds, on several threads, and turn each distinct failure into a repro file, shrunk.
//
// Determinism: each seed's run is a function of the seed alone (one simulation per
// thread, nothing shared); results are reported in seed order, and the failure saved for
// a (protocol, property) pair is the lowest seed that showed it — so a campaign of fixed
// seeds gives the same results whatever --jobs. (With --stop-on-first or a time budget,
// which seeds run depends on timing; every failure found still replays exactly.)
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/repro.hpp"
#include "scenarios/scenario.hpp"

namespace faultline::scenarios {

struct FuzzConfig {
  Scenario base;                   // a template, or scenario_for_run of the swarm profile
  std::vector<std::string> bugs;   // switched on for every seed
  std::uint64_t seed_start = 1;
  std::uint64_t seeds = 1000;      // 0: until the time budget or an interruption
  std::uint32_t shard = 0;         // this process runs seeds with (seed - start) % shards == shard
  std::uint32_t shards = 1;
  unsigned jobs = 1;
  double time_budget_s = 0;        // wall clock, for the campaign only (never inside a run)
  bool stop_on_first = false;
  std::uint64_t max_events = protocols::kSwarmMaxEvents;
};

// The generic swarm profile of a protocol as a fuzzing base.
Scenario swarm_scenario(const protocols::Protocol& protocol);

struct SeedResult {
  std::uint64_t seed = 0;
  std::string verdict;    // ok, violation, unknown
  std::string violation;  // the first finding's name
  std::string kind;       // its kind (invariant, linearizability, liveness, ...)
  std::uint64_t events = 0;
  sim::Time sim_time_ns = 0;
  double wall_ms = 0;     // for the campaign's statistics only
  nlohmann::json to_json() const;
  static SeedResult from_json(const nlohmann::json& j, const std::string& where);
};

struct FuzzProgress {
  std::uint64_t done = 0;
  std::uint64_t planned = 0;  // 0: unbounded
  std::uint64_t failures = 0;
  double elapsed_s = 0;
};

struct FuzzHooks {
  std::function<void(const SeedResult&)> on_result;       // each finished seed (any order)
  std::function<void(const FuzzProgress&)> on_progress;   // now and then
  const std::atomic<bool>* interrupted = nullptr;          // set by a signal handler
  std::function<bool(std::uint64_t seed)> skip;            // seeds already done (resume)
};

struct FuzzReport {
  std::vector<SeedResult> results;  // in seed order
  std::uint64_t seeds_run = 0;
  std::uint64_t failures = 0;       // seeds with a violation
  std::uint64_t unknown = 0;
  double seconds = 0;
  bool interrupted = false;
  std::optional<std::uint64_t> resume_from;  // the first seed not run, when stopped early
  // The lowest failing seed of each distinct (protocol, property), in seed order.
  std::vector<SeedResult> distinct() const;
};

// One seed's run, as a campaign runs it (keep_digests to save its repro).
ScenarioRun fuzz_run(const FuzzConfig& c, std::uint64_t seed, bool keep_digests);

// What a failure of a campaign with planted bugs says about them: whether the violated
// property is one a bug declares (BugSpec::finds), and how the same seed runs with the
// bugs' code off. The bugs' implied options stay, as given options, so swarm testing
// draws the same configuration and the same faults (both skip options that are set);
// the run departs from the failing one only where a bug's code acted. A failure the seed
// also has without the bugs is not the bugs' doing: a protocol or tooling problem.
struct BugAttribution {
  bool declared = false;          // a property one of the bugs declares
  SeedResult without_bugs;        // the same seed, the bugs' code off
};
// Empty when the campaign switches no bug on.
std::optional<BugAttribution> attribute(const FuzzConfig& c, const SeedResult& failure);
SeedResult result_of(std::uint64_t seed, const ScenarioRun& r, double wall_ms);

FuzzReport fuzz(const FuzzConfig& c, const FuzzHooks& hooks = {});

}  // namespace faultline::scenarios
