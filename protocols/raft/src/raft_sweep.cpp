#include "raft/raft_sweep.hpp"

#include <algorithm>

#include "raft/raft.hpp"
#include "sim/rng.hpp"

namespace faultline::raft {

namespace {

constexpr sim::Time kRunTime = 10 * sim::kSecond;

protocols::RunSpec base_spec(std::uint64_t seed) {
  protocols::RunSpec spec;
  spec.seed = seed;
  spec.time_limit_ns = kRunTime;
  static const protocols::Protocol raft = protocol();
  spec.faults = protocols::fault_profile(raft, "swarm", kRunTime);
  spec.swarm = true;
  spec.faults.torn_writes = sim::Ratio{1, 2};
  // A run takes some 20,000-100,000 events; a livelock (a planted bug can cause one)
  // ends here.
  spec.max_events = 500'000;
  return spec;
}

// Denser faults: dense, one every 20-200 ms lasting 20-300 ms; storm, twice as dense.
void set_pace(sim::FaultProfile& faults, BugHunt::Pace pace) {
  if (pace == BugHunt::Pace::normal) return;
  const sim::Duration unit =
      pace == BugHunt::Pace::dense ? 20 * sim::kMillisecond : 10 * sim::kMillisecond;
  faults.gap_min_ns = unit;
  faults.gap_max_ns = 10 * unit;
  faults.duration_min_ns = unit;
  faults.duration_max_ns = 15 * unit;
}

// Lease reads are correct while clock jumps during one lease sum to less than the
// margin: keep each clock fault far below it (a node may have several at once).
void bound_clocks_for_leases(protocols::RunSpec& spec, sim::Duration lease_margin_ns) {
  spec.faults.clock_offset_max_ns = lease_margin_ns / 8;
  spec.faults.clock_jump_max_ns = lease_margin_ns / 8;
}

}  // namespace

protocols::RunSpec correct_spec(std::uint64_t seed) {
  protocols::RunSpec spec = base_spec(seed);
  std::uint64_t state = seed ^ 0x5eedf00dULL;
  const std::uint64_t bits = sim::splitmix64(state);
  auto flag = [&](int bit) { return ((bits >> bit) & 1) != 0; };
  auto set = [&](const std::string& k, const std::string& v) { spec.options.set(k, v); };
  set("servers", flag(0) ? "3" : "5");
  set("pre_vote", flag(1) ? "true" : "false");
  set("check_quorum", flag(2) ? "true" : "false");
  static const char* kReads[] = {"log", "index", "lease"};
  const char* read = kReads[(bits >> 3) % 3];
  set("read", read);
  if (flag(8)) set("snapshot_interval", std::to_string(5 + (bits >> 9) % 40));
  if (((bits >> 16) & 3) == 0) set("membership", "true");
  if (((bits >> 18) & 3) == 0) set("leader_noop", "false");
  const std::uint64_t pace = (bits >> 20) & 3;  // a quarter dense, a quarter storms
  if (pace >= 2) set_pace(spec.faults, pace == 2 ? BugHunt::Pace::dense : BugHunt::Pace::storm);
  if (std::string(read) == "lease") bound_clocks_for_leases(spec, 30 * sim::kMillisecond);
  return spec;
}

const std::vector<BugHunt>& bug_hunts() {
  using FK = sim::FaultKind;
  static const std::vector<BugHunt> hunts = {
      {"figure8",
       {{"servers", "5"}, {"leader_noop", "false"}, {"rate", "2"}},
       {"leader completeness", "state machine safety", "durability"},
       {FK::crash, FK::isolate, FK::partition},
       BugHunt::Pace::dense},
      {"no-persist-vote",
       {{"servers", "3"}},
       {"durable state never goes back", "election safety", "leader completeness",
        "state machine safety", "durability"},
       {FK::crash, FK::partition, FK::one_way, FK::isolate},
       BugHunt::Pace::dense},
      {"no-persist-log", {}, {"durability"}},
      {"no-step-down", {}, {"election safety"}},
      {"truncate-on-stale", {}, {"durability"}},
      {"longer-log-wins",
       {{"servers", "5"}, {"rate", "20"}},
       {"leader completeness", "state machine safety", "durability"},
       {FK::isolate, FK::partition, FK::crash},
       BugHunt::Pace::dense},
      {"heartbeat-skips-check", {}, {"state machine safety", "durability"}},
      {"match-from-own-log", {}, {"durability"}},
      // Slow links deliver replies after their election or round is over.
      {"accept-stale-replies",
       {{"servers", "5"}},
       {"election safety", "leader completeness", "durability"},
       {FK::slow_links}},
      {"count-votes-not-voters",
       {{"servers", "5"}},
       {"election safety", "leader completeness", "state machine safety", "durability"}},
      {"local-reads", {}, {"linearizability"}},
      {"lease-longer-than-timeout",
       {{"read", "lease"}},
       {"linearizability"},
       {FK::isolate, FK::partition}},
      {"membership-no-term-commit",
       {{"membership", "true"},
        {"servers", "4"},
        {"leader_noop", "false"},
        {"rate", "1"},
        {"membership_interval", "10ms"},
        {"request_timeout", "10ms"},
        {"admins", "2"},
        // Elections and changes ten times as fast as the defaults: more leader changes
        // meet more membership changes in each simulated second.
        {"heartbeat", "10ms"},
        {"election_timeout", "40ms"},
        // Safety only: under this storm of changes even correct Raft may need longer than
        // the default bound to settle after the heal.
        {"liveness_bound", "10s"}},
       {"election safety", "leader completeness", "state machine safety", "durability"},
       {FK::partition, FK::isolate},
       BugHunt::Pace::storm},
      {"no-dedup", {}, {"linearizability"}},
  };
  return hunts;
}

const BugHunt* find_hunt(std::string_view bug) {
  for (const BugHunt& h : bug_hunts()) {
    if (h.bug == bug) return &h;
  }
  return nullptr;
}

protocols::RunSpec hunt_spec(const BugHunt& hunt, std::uint64_t seed) {
  protocols::RunSpec spec = base_spec(seed);
  spec.bugs = {hunt.bug};
  if (!hunt.kinds.empty()) spec.faults.kinds = hunt.kinds;
  set_pace(spec.faults, hunt.pace);
  for (const auto& [k, v] : hunt.options) spec.options.set(k, v);
  return spec;
}

HuntResult hunt(const BugHunt& h, std::uint64_t seed_start, std::uint64_t max_seeds,
                double max_seconds) {
  const protocols::Protocol p = protocol();
  HuntResult r;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = seed_start; r.seeds_run < max_seeds; ++seed) {
    ++r.seeds_run;
    protocols::RunOutput out = protocols::run_protocol(p, hunt_spec(h, seed));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const sim::Finding& f : out.result.findings) {
      if (std::find(h.properties.begin(), h.properties.end(), f.name) == h.properties.end())
        continue;
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

}  // namespace faultline::raft
