#pragma once
// A planted bug found by the generic fuzz profile, as a test: run `faultline fuzz
// --protocol raft --bug B`'s seeds (scenarios::fuzz_run of the swarm scenario, nothing
// tuned per bug) from a pinned start until a run violates one of the properties the bug
// declares; then show the violation is a property of the run (its repro file replays to
// the same finding and trace hash) and of the bug (the same seed without it is clean).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "protocols/registry.hpp"
#include "raft/raft.hpp"
#include "scenarios/fuzz.hpp"
#include "scenarios/repro.hpp"

namespace faultline::raft::testing {

struct Found {
  std::uint64_t seed = 0;
  std::uint64_t seeds_run = 0;
  std::string property;
};

// The bug's declared properties (raft_protocol.cpp's bug table).
inline std::vector<std::string> bug_properties(const protocols::Protocol& p,
                                               const std::string& bug) {
  for (const protocols::BugSpec& b : p.bugs) {
    if (b.name == bug) return b.finds;
  }
  return {};
}

// The first seed in [start, start + max_seeds) whose generic swarm run with `bug` violates
// one of the bug's properties (seeds_run == 0 when none did).
inline Found fuzz_for(const std::string& bug, std::uint64_t start, std::uint64_t max_seeds) {
  const protocols::Protocol p = protocol();
  const std::vector<std::string> props = bug_properties(p, bug);
  REQUIRE_FALSE(props.empty());
  scenarios::FuzzConfig c;
  c.base = scenarios::swarm_scenario(p);
  c.bugs = {bug};
  for (std::uint64_t seed = start; seed < start + max_seeds; ++seed) {
    const scenarios::ScenarioRun run = scenarios::fuzz_run(c, seed, false);
    const scenarios::SeedResult r = scenarios::result_of(seed, run, 0);
    if (std::find(props.begin(), props.end(), r.violation) != props.end()) {
      return {seed, seed - start + 1, r.violation};
    }
  }
  return {};
}

// `bug` is found within `max_seeds` seeds from `start` (a start pinned where it is found
// in a few), the found run replays from its repro, and that seed without the bug is clean.
inline void fuzz_and_replay(const std::string& bug, std::uint64_t start,
                            std::uint64_t max_seeds) {
  const Found f = fuzz_for(bug, start, max_seeds);
  MESSAGE("raft bug " << bug << ": " << std::string(f.seeds_run ? "found" : "NOT found") << " at seed "
                      << f.seed << " after " << f.seeds_run << " seeds, by '" << f.property
                      << "'");
  REQUIRE(f.seeds_run > 0);

  const protocols::Protocol p = protocol();
  scenarios::FuzzConfig c;
  c.base = scenarios::swarm_scenario(p);
  c.bugs = {bug};
  const scenarios::ScenarioRun saved = scenarios::fuzz_run(c, f.seed, true);
  REQUIRE(scenarios::result_of(f.seed, saved, 0).violation == f.property);
  // Through the repro file's JSON, as `faultline replay` reads it.
  const scenarios::Repro repro = scenarios::repro_from_json(
      scenarios::repro_to_json(scenarios::make_repro(c.base, saved, "test")), "test");
  const scenarios::ReplayResult replayed = scenarios::replay(repro);
  CHECK(replayed.reproduced);
  CHECK(replayed.run.out.result.trace_hash == saved.out.result.trace_hash);
  CHECK(replayed.run.out.result.tape_misfits == 0);
  REQUIRE_FALSE(replayed.run.out.result.findings.empty());
  CHECK(replayed.run.out.result.findings[0].name == f.property);
  CHECK(replayed.run.out.result.findings[0].event_index ==
        saved.out.result.findings[0].event_index);

  // The same seed without the bug: the bug's implied options stay (figure8 without the
  // bug is still leader_noop=false), so only the bug differs.
  for (const protocols::BugSpec& b : p.bugs) {
    if (b.name != bug) continue;
    for (const auto& [k, v] : b.implies) c.base.options.set(k, v);
  }
  c.bugs.clear();
  const scenarios::ScenarioRun clean = scenarios::fuzz_run(c, f.seed, false);
  INFO("seed " << f.seed << " without the bug: " << scenarios::result_of(f.seed, clean, 0).violation);
  CHECK(clean.out.verdict() == sim::Verdict::ok);
}

}  // namespace faultline::raft::testing
