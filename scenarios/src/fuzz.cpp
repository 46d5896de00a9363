#include "scenarios/fuzz.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "sim/assert.hpp"

namespace faultline::scenarios {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Scenario swarm_scenario(const protocols::Protocol& protocol) {
  const protocols::RunSpec spec = protocols::swarm_spec(protocol, 1);
  Scenario s = scenario_for_run(protocol, spec, "swarm");
  s.name = "fuzz --protocol " + protocol.name;
  s.source["name"] = s.name;
  s.source["description"] = "the generic swarm profile of " + protocol.name +
                            ": every fault kind it tolerates; kinds, pace and options drawn per seed";
  return s;
}

nlohmann::json SeedResult::to_json() const {
  nlohmann::json j = {{"seed", seed},       {"verdict", verdict}, {"events", events},
                      {"sim_time_ns", sim_time_ns}, {"wall_ms", wall_ms}};
  j["violation"] = violation.empty() ? nlohmann::json(nullptr) : nlohmann::json(violation);
  if (!kind.empty()) j["kind"] = kind;
  return j;
}

SeedResult SeedResult::from_json(const nlohmann::json& j, const std::string& where) {
  const JsonField f(j, where, "$");
  f.only_fields({"seed", "verdict", "violation", "kind", "events", "sim_time_ns", "wall_ms"});
  SeedResult r;
  r.seed = f.at("seed").u64();
  r.verdict = f.at("verdict").string();
  if (r.verdict != "ok" && r.verdict != "violation" && r.verdict != "unknown") {
    f.at("verdict").expected("ok, violation or unknown");
  }
  if (!f.at("violation").json().is_null()) r.violation = f.at("violation").string();
  if (auto k = f.get("kind")) r.kind = k->string();
  r.events = f.at("events").u64();
  r.sim_time_ns = static_cast<sim::Time>(f.at("sim_time_ns").u64());
  if (auto w = f.get("wall_ms")) {
    if (!w->json().is_number()) w->expected("a number");
    r.wall_ms = w->json().get<double>();
  }
  return r;
}

std::vector<SeedResult> FuzzReport::distinct() const {
  std::vector<SeedResult> out;
  std::vector<std::string> seen;
  for (const SeedResult& r : results) {
    if (r.verdict != "violation" || r.violation.empty()) continue;
    if (std::find(seen.begin(), seen.end(), r.violation) != seen.end()) continue;
    seen.push_back(r.violation);
    out.push_back(r);
  }
  return out;
}

ScenarioRun fuzz_run(const FuzzConfig& c, std::uint64_t seed, bool keep_digests) {
  Overrides o;
  o.seed = seed;
  o.bugs = c.bugs;
  o.max_events = c.max_events;
  o.keep_trace = keep_digests;  // a saved run keeps its events, to describe a divergence
  o.keep_digests = keep_digests;
  o.hash_trace = keep_digests;  // a campaign reports no hashes; a saved run has its own
  return run_scenario(c.base, o);
}

SeedResult result_of(std::uint64_t seed, const ScenarioRun& r, double wall_ms) {
  SeedResult s;
  s.seed = seed;
  s.verdict = std::string(sim::verdict_name(r.out.verdict()));
  for (const sim::Finding& f : r.out.result.findings) {
    if (f.kind == sim::FindingKind::event_limit) continue;
    s.violation = f.name;
    s.kind = std::string(sim::finding_kind_name(f.kind));
    break;
  }
  s.events = r.out.result.events;
  s.sim_time_ns = r.out.result.sim_time_ns;
  s.wall_ms = wall_ms;
  return s;
}

std::optional<BugAttribution> attribute(const FuzzConfig& c, const SeedResult& failure) {
  std::vector<std::string> bugs = c.base.bugs;
  bugs.insert(bugs.end(), c.bugs.begin(), c.bugs.end());
  if (bugs.empty()) return std::nullopt;
  const protocols::Protocol* p = protocols::find_protocol(c.base.protocol);
  FAULTLINE_ASSERT(p != nullptr, "a campaign's protocol is registered (checked before it starts)");
  BugAttribution a;
  FuzzConfig off = c;
  off.bugs.clear();
  off.base.bugs.clear();
  for (const std::string& name : bugs) {
    const protocols::BugSpec* bug = p->find_bug(name);
    FAULTLINE_ASSERT(bug != nullptr, "a campaign's bugs are the protocol's (checked before it starts)");
    if (std::find(bug->finds.begin(), bug->finds.end(), failure.violation) != bug->finds.end()) {
      a.declared = true;
    }
    for (const auto& [option, value] : bug->implies) {
      if (!off.base.options.has(option)) off.base.options.set(option, value, "implied by " + name);
    }
  }
  a.without_bugs = result_of(failure.seed, fuzz_run(off, failure.seed, false), 0);
  return a;
}

FuzzReport fuzz(const FuzzConfig& c, const FuzzHooks& hooks) {
  FAULTLINE_ASSERT(c.shards >= 1 && c.shard < c.shards, "a shard is one of the shards");
  FAULTLINE_ASSERT(c.jobs >= 1, "a campaign runs on at least one thread");
  Overrides check;
  check.bugs = c.bugs;
  validate(c.base, check);  // bad input before any thread starts
  const Clock::time_point start = Clock::now();
  // A shard of fewer seeds than shards may have none to run: bounded still, not unbounded.
  const bool bounded = c.seeds != 0;
  const std::uint64_t planned = bounded ? (c.seeds - c.shard + c.shards - 1) / c.shards : 0;
  // The last index whose seed fits in 64 bits (the CLI refuses a bounded campaign that
  // would pass it; an unbounded one stops there instead of wrapping round to seed 0).
  constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::uint64_t>::max();
  // A shard whose first seed does not fit has none (then planned is 0 too).
  const bool any_seed = c.seed_start <= kMaxSeed - c.shard;
  const std::uint64_t last_k = any_seed ? (kMaxSeed - c.seed_start - c.shard) / c.shards : 0;
  FAULTLINE_ASSERT(!bounded || planned == 0 || (any_seed && planned - 1 <= last_k),
                   "a bounded campaign's seeds fit in 64 bits");
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // guards results, done, failures and the hooks
  std::map<std::uint64_t, SeedResult> results;
  FuzzProgress progress{.planned = planned};
  auto stopping = [&] {
    return stop.load() || (hooks.interrupted != nullptr && hooks.interrupted->load()) ||
           (c.time_budget_s > 0 && seconds_since(start) >= c.time_budget_s);
  };
  // A seed that throws (a run the protocol refuses, a results file that cannot be
  // written) ends the campaign: the error of the lowest such seed is rethrown on the
  // caller's thread once every thread has stopped, so no exception escapes a thread
  // (which would abort the process).
  std::exception_ptr error;
  std::uint64_t error_seed = 0;
  auto one_seed = [&](std::uint64_t seed) {
    if (hooks.skip && hooks.skip(seed)) return;
    const Clock::time_point t0 = Clock::now();
    const ScenarioRun r = fuzz_run(c, seed, false);
    const SeedResult result = result_of(seed, r, seconds_since(t0) * 1000);
    std::lock_guard<std::mutex> lock(mu);
    results[seed] = result;
    ++progress.done;
    if (result.verdict == "violation") {
      ++progress.failures;
      if (c.stop_on_first) stop = true;
    }
    progress.elapsed_s = seconds_since(start);
    try {
      if (hooks.on_result) hooks.on_result(result);
      if (hooks.on_progress) hooks.on_progress(progress);
    } catch (...) {
      stop = true;  // before the lock is released: no thread starts another seed
      throw;
    }
  };
  auto worker = [&] {
    for (;;) {
      if (stopping()) return;
      const std::uint64_t k = next.fetch_add(1);
      if (bounded && k >= planned) return;
      if (!any_seed || k > last_k) return;  // an unbounded campaign ends at the largest seed
      const std::uint64_t seed = c.seed_start + k * c.shards + c.shard;
      try {
        one_seed(seed);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mu);
        if (!error || seed < error_seed) {
          error = std::current_exception();
          error_seed = seed;
        }
        stop = true;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < c.jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);

  FuzzReport report;
  for (auto& [seed, r] : results) {
    report.failures += r.verdict == "violation" ? 1 : 0;
    report.unknown += r.verdict == "unknown" ? 1 : 0;
    report.results.push_back(std::move(r));
  }
  report.seeds_run = report.results.size();
  report.seconds = seconds_since(start);
  report.interrupted = hooks.interrupted != nullptr && hooks.interrupted->load();
  // The first seed of this shard that has no result, when the campaign ended early.
  for (std::uint64_t k = 0; any_seed && (!bounded || k < planned) && k <= last_k; ++k) {
    const std::uint64_t seed = c.seed_start + k * c.shards + c.shard;
    if (results.count(seed) == 0 && !(hooks.skip && hooks.skip(seed))) {
      if (bounded || report.interrupted || stop.load() || c.time_budget_s > 0) {
        report.resume_from = seed;
      }
      break;
    }
  }
  return report;
}

}  // namespace faultline::scenarios
