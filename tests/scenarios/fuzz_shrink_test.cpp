// Fuzzing and shrinking (issue 15's evidence): a planted bug found by a small sweep of the
// generic swarm profile; its repro replays to the same violation; the shrunk repro is
// smaller and still fails the same way; a campaign's results do not depend on --jobs.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocols/registry.hpp"
#include "scenarios/fuzz.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/shrink.hpp"

using namespace faultline;

namespace {

scenarios::FuzzConfig campaign(const std::string& protocol, const std::string& bug,
                               std::uint64_t seeds, unsigned jobs) {
  scenarios::FuzzConfig c;
  c.base = scenarios::swarm_scenario(*protocols::find_protocol(protocol));
  c.bugs = {bug};
  c.seeds = seeds;
  c.jobs = jobs;
  return c;
}

// The repro of a campaign's lowest failing seed, as `fuzz --out` saves it.
scenarios::Repro first_failure(const scenarios::FuzzConfig& c, std::string& property) {
  const scenarios::FuzzReport report = scenarios::fuzz(c);
  REQUIRE(report.failures > 0);
  const scenarios::SeedResult found = report.distinct().front();
  property = found.violation;
  const scenarios::ScenarioRun run = scenarios::fuzz_run(c, found.seed, true);
  return scenarios::repro_from_json(
      scenarios::repro_to_json(scenarios::make_repro(c.base, run, "test")), "found.json");
}

bool fails(const scenarios::ReplayResult& r, const std::string& property) {
  for (const sim::Finding& f : r.run.out.result.findings) {
    if (f.kind != sim::FindingKind::event_limit) return f.name == property;
  }
  return false;
}

}  // namespace

TEST_CASE("fuzz: a campaign's results are the same with one thread and two") {
  const scenarios::FuzzReport one = scenarios::fuzz(campaign("twopc", "unilateral-abort-after-yes", 24, 1));
  const scenarios::FuzzReport two = scenarios::fuzz(campaign("twopc", "unilateral-abort-after-yes", 24, 2));
  REQUIRE(one.results.size() == 24);
  REQUIRE(two.results.size() == 24);
  CHECK(one.failures > 0);  // the bug is found, so the comparison covers failing seeds too
  CHECK(one.failures < 24);
  for (std::size_t i = 0; i < one.results.size(); ++i) {
    CAPTURE(one.results[i].seed);
    CHECK(one.results[i].seed == two.results[i].seed);
    CHECK(one.results[i].verdict == two.results[i].verdict);
    CHECK(one.results[i].violation == two.results[i].violation);
    CHECK(one.results[i].events == two.results[i].events);
    CHECK(one.results[i].sim_time_ns == two.results[i].sim_time_ns);
  }
}

// A seed that throws on a worker thread (here the results hook: a results file that
// cannot be written) used to escape the thread and abort the process; the campaign now
// stops and the error reaches the caller, with one thread or two.
TEST_CASE("fuzz: an error on any thread ends the campaign as an exception, not an abort") {
  for (unsigned jobs : {1U, 2U}) {
    CAPTURE(jobs);
    scenarios::FuzzConfig c = campaign("echo", "stale-reply", 40, jobs);
    scenarios::FuzzHooks hooks;
    std::atomic<int> seen{0};
    // The first result throws, on whichever thread has it. (It was seed 5's; with two
    // threads the other one could run every other seed before seed 5's thread got the
    // core back, and "it stopped" failed on a loaded machine.)
    hooks.on_result = [&](const scenarios::SeedResult&) {
      if (++seen == 1) throw std::runtime_error("results file: no space left on device");
    };
    CHECK_THROWS_WITH(scenarios::fuzz(c, hooks), "results file: no space left on device");
    // It stopped taking seeds: each other thread finishes at most the seed it had.
    CHECK(seen.load() <= static_cast<int>(jobs));
  }
}

TEST_CASE("fuzz: a campaign's run computes no trace hash - and is otherwise the run a saved repro has") {
  // fuzz_run(c, seed, false) is how a campaign runs a seed (no hash: never reported);
  // fuzz_run(c, seed, true) is how a failure is saved. Same choices, events and findings.
  const scenarios::FuzzConfig c = campaign("raft", "figure8", 1, 1);
  for (std::uint64_t seed : {1, 2, 484}) {
    CAPTURE(seed);
    const scenarios::ScenarioRun fast = scenarios::fuzz_run(c, seed, false);
    const scenarios::ScenarioRun saved = scenarios::fuzz_run(c, seed, true);
    CHECK(fast.out.result.trace_hash == 0);
    CHECK(saved.out.result.trace_hash != 0);
    CHECK(fast.out.result.events == saved.out.result.events);
    CHECK(fast.out.result.choices == saved.out.result.choices);
    CHECK(fast.out.verdict() == saved.out.verdict());
    REQUIRE(fast.out.result.findings.size() == saved.out.result.findings.size());
    for (std::size_t i = 0; i < fast.out.result.findings.size(); ++i) {
      CHECK(fast.out.result.findings[i].name == saved.out.result.findings[i].name);
      CHECK(fast.out.result.findings[i].event_index == saved.out.result.findings[i].event_index);
    }
  }
}

TEST_CASE("fuzz and shrink: a planted 2PC bug found by a small sweep replays and shrinks to a smaller run that fails the same way") {
  std::string property;
  const scenarios::Repro found = first_failure(campaign("twopc", "commit-without-all-votes", 20, 1), property);
  const scenarios::ReplayResult again = scenarios::replay(found);
  CHECK(again.reproduced);
  CHECK(fails(again, property));

  const scenarios::ShrinkResult shrunk = scenarios::shrink(found, 400);
  CHECK(shrunk.property == property);
  CHECK(shrunk.after < shrunk.before);
  CHECK(shrunk.after.events < shrunk.before.events);
  CHECK(shrunk.after.faults <= shrunk.before.faults);
  CHECK(shrunk.runs <= 400);
  // The shrunk file, written and read back, replays exactly and fails the same property.
  const scenarios::Repro small =
      scenarios::repro_from_json(scenarios::repro_to_json(shrunk.repro), "shrunk.json");
  const scenarios::ReplayResult replayed = scenarios::replay(small);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
  CHECK(replayed.run.out.result.events == shrunk.after.events);
}

TEST_CASE(
    "shrink: a stop (fuzz's Ctrl-C) ends it at once with the smallest failing run found so far") {
  std::string property;
  const scenarios::Repro found =
      first_failure(campaign("twopc", "commit-without-all-votes", 20, 1), property);
  // Stopped before it begins: only the input's replay runs, and the input comes back.
  std::atomic<bool> stop{true};
  const scenarios::ShrinkResult none = scenarios::shrink(found, 400, {}, "", &stop);
  CHECK(none.stopped);
  CHECK(none.runs == 1);
  CHECK_FALSE(none.before < none.after);
  CHECK_FALSE(none.after < none.before);
  // Stopped at the second step it accepts (the first turns the random schedule into a
  // timeline, the same run): no candidate runs after it, and what it gives back is that
  // step's run, smaller and failing the same way.
  stop = false;
  std::uint64_t steps = 0;
  const scenarios::ShrinkResult cut = scenarios::shrink(
      found, 400, [&](const std::string&) { stop = ++steps == 2; }, "", &stop);
  CHECK(cut.stopped);
  CHECK(steps == 2);
  CHECK(cut.after.net() < cut.before.net());
  const scenarios::ShrinkResult full = scenarios::shrink(found, 400);
  CHECK_FALSE(full.stopped);
  CHECK(cut.runs < full.runs);
  const scenarios::ReplayResult replayed = scenarios::replay(cut.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
}

TEST_CASE("shrink: a failure seen only at the end of the run (linearizability) shrinks to a shorter run") {
  std::string property;
  const scenarios::Repro found = first_failure(campaign("raft", "local-reads", 10, 1), property);
  REQUIRE(property == "linearizability");
  const scenarios::ShrinkResult shrunk = scenarios::shrink(found, 60);
  CHECK(shrunk.after.sim_time_ns * 2 <= shrunk.before.sim_time_ns);
  CHECK(shrunk.after.events * 2 <= shrunk.before.events);
  const scenarios::ReplayResult replayed = scenarios::replay(shrunk.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
}

TEST_CASE("shrink: fewer servers, with the faults that named the removed ones rewritten") {
  std::string property;
  const scenarios::Repro found = first_failure(campaign("raft", "no-step-down", 10, 1), property);
  const scenarios::ReplayResult before = scenarios::replay(found);
  const scenarios::ShrinkResult shrunk = scenarios::shrink(found, 1000);
  CHECK(shrunk.repro.scenario["options"]["servers"].get<int>() < 5);
  const scenarios::ReplayResult replayed = scenarios::replay(shrunk.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
  CHECK(replayed.run.out.sim->node_count() < before.run.out.sim->node_count());
}

TEST_CASE("shrink: another seed of the same configuration fails the same way in far fewer events") {
  scenarios::FuzzConfig c = campaign("raft", "accept-stale-replies", 1, 1);
  c.seed_start = 100150;  // found there (bench/README.md)
  std::string property;
  const scenarios::Repro found = first_failure(c, property);
  const scenarios::ShrinkResult shrunk = scenarios::shrink(found, 400);
  CHECK(shrunk.repro.seed != found.seed);
  CHECK(shrunk.repro.notes["shrunk"]["failing_seed"] == found.seed);
  CHECK(shrunk.after.events * 4 < shrunk.before.events);
  const scenarios::ReplayResult replayed = scenarios::replay(shrunk.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
}

TEST_CASE("shrink: a small budget never gives back a larger run than it was given - nor runs past it") {
  // With 1-3 runs the shrink replayed the failure, turned its random schedule into a
  // timeline (a few events more: 9,302 -> 9,355 for this seed) and returned that, larger
  // than the input; with 1 run allowed it took 2.
  std::string property;
  const scenarios::Repro found = first_failure(campaign("twopc", "commit-without-all-votes", 1, 1), property);
  for (std::uint64_t budget : {1, 2, 3}) {
    CAPTURE(budget);
    const scenarios::ShrinkResult shrunk = scenarios::shrink(found, budget);
    CHECK(shrunk.runs <= budget);
    CHECK_FALSE(shrunk.before.net() < shrunk.after.net());
    const scenarios::ReplayResult replayed = scenarios::replay(shrunk.repro);
    CHECK(replayed.reproduced);
    CHECK(fails(replayed, property));
    CHECK(replayed.run.out.result.events == shrunk.after.events);
    CHECK(shrunk.after.net().events <= shrunk.before.events);
  }
  // With room to work it does shrink.
  const scenarios::ShrinkResult more = scenarios::shrink(found, 20);
  CHECK(more.after < more.before);
}

TEST_CASE("shrink: a larger budget goes on from where a smaller one stopped, so it never ends larger") {
  // Its rounds (other seeds, then the passes) do not depend on the budget from 2,000 runs
  // up: the same steps in the same order, then more. Before, the other seeds took a
  // quarter of the budget, and a tenfold budget could end at a run twice as large.
  std::string property;
  const scenarios::Repro found =
      first_failure(campaign("twopc", "unilateral-abort-after-yes", 20, 1), property);
  std::vector<std::string> small_steps, large_steps;
  const scenarios::ShrinkResult small =
      scenarios::shrink(found, 2000, [&](const std::string& s) { small_steps.push_back(s); });
  const scenarios::ShrinkResult large =
      scenarios::shrink(found, 6000, [&](const std::string& s) { large_steps.push_back(s); });
  REQUIRE(small.runs == 2000);  // stopped at its budget, with more to find
  REQUIRE_FALSE(small_steps.empty());  // so the prefix below compares something
  REQUIRE(large_steps.size() >= small_steps.size());
  for (std::size_t i = 0; i < small_steps.size(); ++i) CHECK(large_steps[i] == small_steps[i]);
  CHECK(large.after < small.after);
  // It ends on its own once the passes have settled and a round's seeds find nothing
  // smaller, not at the budget.
  CHECK(large.runs < 6000);
  const scenarios::ReplayResult replayed = scenarios::replay(large.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
}

TEST_CASE(
    "shrink: a failure too fragile to lose an event still loses faults (its timeline's lines "
    "aside)") {
  // Raft membership-no-term-commit from seed 4587 fails on a coincidence of timings that
  // no pass keeps while cutting events. Its random schedule, as a timeline, takes one line
  // more per fault (the line naming it); removing faults takes a few events each, fewer
  // than those lines. Compared by trace events the 36-fault run counted as larger than
  // the 44-fault input, and the shrink gave the input back.
  scenarios::FuzzConfig c = campaign("raft", "membership-no-term-commit", 1, 1);
  c.seed_start = 4587;
  std::string property;
  const scenarios::Repro found = first_failure(c, property);
  const scenarios::ShrinkResult shrunk = scenarios::shrink(found, 300);
  CHECK(shrunk.after.faults < shrunk.before.faults);
  CHECK(shrunk.before.fault_lines == 0);  // a random schedule logs no lines
  CHECK(shrunk.after.fault_lines > 0);
  CHECK(shrunk.after.net() < shrunk.before.net());
  const scenarios::ReplayResult replayed = scenarios::replay(shrunk.repro);
  CHECK(replayed.reproduced);
  CHECK(fails(replayed, property));
  CHECK(replayed.run.out.result.events == shrunk.after.events);
}
