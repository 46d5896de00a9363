// The scenario and repro formats: selectors resolve to the nodes they name, expectations
// judge runs correctly, repro files replay exactly, and a changed run is caught at the
// first event that differs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/scenario.hpp"

using namespace faultline;
using scenarios::Scenario;

namespace {

Scenario scenario(nlohmann::json j) {
  j["format"] = "faultline-scenario/1";
  if (!j.contains("name")) j["name"] = "test";
  if (!j.contains("protocol")) j["protocol"] = "raft";
  return scenarios::parse_scenario(j, "test.json");
}

// A run recorded with its per-event digests, and its repro.
struct Recorded {
  scenarios::ScenarioRun run;
  scenarios::Repro repro;
};
Recorded recorded(const Scenario& s) {
  scenarios::Overrides o;
  o.keep_digests = true;
  Recorded r{scenarios::run_scenario(s, o), {}};
  r.repro = scenarios::make_repro(s, r.run, "test");
  return r;
}

std::string bad_input(const nlohmann::json& j) {
  try {
    scenarios::validate(scenario(j), {});
  } catch (const protocols::BadInput& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("selectors: leader, others and named partitions resolve when the fault fires") {
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario({{"seed", 1},
                {"run_ms", 3000},
                {"faults",
                 {{{"at_ms", 1000}, {"kind", "partition"}, {"groups", {{"leader"}, {"others"}}},
                   {"for_ms", 500}},
                  {{"at_ms", 2000}, {"kind", "partition"}, {"spec", "isolate-one"}, {"for_ms", 200}},
                  {{"at_ms", 2500}, {"kind", "crash"}, {"node", {"s1", 2}}, {"for_ms", 100}}}}}),
      {});
  REQUIRE(r.timeline.size() == 3);
  // The leader at 1 s was one of the servers, and "others" is everything else, clients too.
  CHECK(r.timeline[0].find("(leader = s") != std::string::npos);
  CHECK(r.timeline[0].find(",c0,c1,c2,c3,c4}") != std::string::npos);
  CHECK(r.timeline[1].find("partition isolate-one {s") != std::string::npos);
  CHECK(r.timeline[2].find("crash {s1,s2}") != std::string::npos);
  CHECK(r.out.result.stats.crashes == 2);
  CHECK(r.expectations.met);
}

TEST_CASE("selectors: a link fault from or to the leader when there is none hits no link") {
  // At 0 ms no server leads yet. "from": "leader" resolved to no node, which the link
  // fault read as every node: the drop lost every message for 500 ms.
  auto run = [](nlohmann::json fault) {
    return scenarios::run_scenario(scenario({{"seed", 1}, {"run_ms", 3000}, {"faults", {fault}}}),
                                   {});
  };
  const scenarios::ScenarioRun calm =
      scenarios::run_scenario(scenario({{"seed", 1}, {"run_ms", 3000}}), {});
  for (const nlohmann::json& fault :
       {nlohmann::json{{"at_ms", 0}, {"kind", "drop"}, {"from", "leader"}, {"for_ms", 500}},
        nlohmann::json{{"at_ms", 0}, {"kind", "drop"}, {"to", "leader"}, {"for_ms", 500}},
        nlohmann::json{{"at_ms", 0},
                       {"kind", "one-way"},
                       {"from", "leader"},
                       {"to", "others"},
                       {"for_ms", 500}}}) {
    const scenarios::ScenarioRun r = run(fault);
    CAPTURE(fault.dump());
    REQUIRE(r.timeline.size() == 1);
    CHECK(r.timeline[0].find("no link selected (no leader now: selects nothing)") !=
          std::string::npos);
    CHECK(r.out.result.stats.messages_dropped == calm.out.result.stats.messages_dropped);
    CHECK(r.out.result.stats.messages_sent == calm.out.result.stats.messages_sent);
  }
  // The same drop from every node does lose messages.
  const scenarios::ScenarioRun all = run({{"at_ms", 0}, {"kind", "drop"}, {"for_ms", 500}});
  CHECK(all.out.result.stats.messages_dropped > calm.out.result.stats.messages_dropped);
}

TEST_CASE("timeline: a step on a node already in that state says it did nothing - and ends no other window") {
  // A second crash of a node already down read "crash {s1}" as if it had crashed again,
  // and its window's restart (a no-op then) could end a third step's crash early.
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario({{"seed", 1},
                {"run_ms", 1000},
                {"faults",
                 {{{"at_ms", 100}, {"kind", "crash"}, {"node", "s1"}, {"for_ms", 100}},
                  {{"at_ms", 150}, {"kind", "crash"}, {"node", {"s1", "s2"}}, {"for_ms", 150}},
                  {{"at_ms", 250}, {"kind", "crash"}, {"node", "s1"}, {"for_ms", 200}},
                  {{"at_ms", 600}, {"kind", "restart"}, {"node", "s3"}},
                  {{"at_ms", 700}, {"kind", "pause"}, {"node", "s4"}, {"for_ms", 50}},
                  {{"at_ms", 710}, {"kind", "pause"}, {"node", "s4"}, {"for_ms", 50}}}}}),
      {});
  REQUIRE(r.timeline.size() == 6);
  CHECK(r.timeline[0].find("crash {s1}") != std::string::npos);
  CHECK(r.timeline[0].find("nothing done") == std::string::npos);
  CHECK(r.timeline[1].find("crash {s1,s2} ({s1}: already down, nothing done)") != std::string::npos);
  CHECK(r.timeline[3].find("restart {s3} ({s3}: already up, nothing done)") != std::string::npos);
  CHECK(r.timeline[5].find("({s4}: already down or paused, nothing done)") != std::string::npos);
  // s1: down 100-200, up, down again 250-450. The second step's window (to 300) would
  // have restarted it at 300.
  CHECK(r.out.result.stats.crashes == 3);
  std::vector<double> s1_restarts;
  const sim::Trace& trace = r.out.sim->trace();
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const sim::TraceRecord& e = trace.records()[i];
    if (e.type == sim::TraceEvent::restart && e.node == 1) s1_restarts.push_back(e.time / 1e6);
  }
  CHECK(s1_restarts == std::vector<double>{200, 450});
}

TEST_CASE("selectors: an unknown name is an error before the run, with a did-you-mean") {
  CHECK(bad_input({{"faults", {{{"at_ms", 10}, {"kind", "crash"}, {"node", "s9"}}}}}) ==
        std::string("test.json: $.faults[0].node: no node or group named 's9' (did you mean 's0'?); "
                    "nodes are named like s0, groups: clients, servers, or leader, followers, "
                    "minority, majority, random, all, others"));
  CHECK(bad_input({{"faults", {{{"at_ms", 10}, {"kind", "crash"}, {"node", 99}}}}}) ==
        std::string("test.json: $.faults[0].node: no node 99 (this run has 10 nodes: 0-9)"));
  CHECK(bad_input({{"faults", {{{"at_ms", 10}, {"kind", "crash"}, {"node", "servers"}}}},
                   {"expect", {{"violations", {"election safty"}}}}}) ==
        std::string("test.json: $.expect.violations[0]: no check of this run is named 'election "
                    "safty' (did you mean 'election safety'?); its checks: assertion, "
                    "durability, durable state never goes back, election safety, exception, "
                    "leader append-only, leader completeness, linearizability, livelock, "
                    "liveness, log matching, state machine safety"));
  CHECK(bad_input({{"bugs", {"figure8", "figure8"}}}) ==
        std::string("test.json: $.bugs[1]: 'figure8' is given twice"));
  CHECK(bad_input({{"expect", {{"violations", {"durability", "liveness", "durability"}}}}}) ==
        std::string("test.json: $.expect.violations[2]: 'durability' is given twice"));
  // Jumps that each fit but together carry a clock past 2^63 ns (std::bad_alloc).
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10}, {"kind", "clock"}, {"node", "s0"}, {"jump_ms", 6e9}},
                     {{"at_ms", 20}, {"kind", "clock"}, {"node", "s0"}, {"jump_ms", -6e9}}}}}) ==
        std::string("test.json: $.faults[1]: the timeline's clock faults move clocks by more than "
                    "10000000000 ms in all (~115 days): local times would leave the range the "
                    "simulator keeps"));
  // A strobe of 300,000,000 jumps ran into the event bound, 9 s later.
  CHECK(
      bad_input({{"faults",
                  {{{"at_ms", 10},
                    {"kind", "clock"},
                    {"node", "s0"},
                    {"strobe_ms", 50},
                    {"period_ms", 1e-6},
                    {"for_ms", 300}}}}}) ==
      std::string("test.json: $.faults[0].period_ms: the strobe would jump 300000000 times "
                  "(for_ms / period_ms); at most 100000: a longer period_ms or a shorter for_ms"));
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10},
                      {"kind", "clock"},
                      {"node", "s0"},
                      {"strobe_ms", 50},
                      {"period_ms", 0.01},
                      {"for_ms", 300}}}}}) == "no error");
  CHECK(bad_input({{"run_ms", 1000}, {"faults", {{{"at_ms", 1000}, {"kind", "heal"}}}}}) ==
        std::string("test.json: $.faults[0].at_ms: the fault comes at 1s, after the run ends (1s)"));
}

TEST_CASE("selectors: a node named on two sides of one partition is an error before the run") {
  // It was only logged when the fault fired, so the scenario ran a partition other than
  // the one its file describes.
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10}, {"kind", "partition"}, {"groups", {{"s1"}, {"s2", "s1"}}}}}}}) ==
        std::string("test.json: $.faults[0].groups[1]: 's1' is already in $.faults[0].groups[0]; a "
                    "node is on one side of a partition only"));
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10}, {"kind", "partition"}, {"groups", {{"leader"}, {"s2"}, {"leader"}}}}}}})
            .find("'leader' is already in $.faults[0].groups[0]") != std::string::npos);
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10}, {"kind", "partition"}, {"groups", {{"leader"}, {"others"}}}}}}}) ==
        "no error");
  // Different words for one node: a name and its group, `all` and anything.
  CHECK(
      bad_input({{"faults",
                  {{{"at_ms", 10}, {"kind", "partition"}, {"groups", {{"s0"}, {"servers"}}}}}}}) ==
      std::string("test.json: $.faults[0].groups[1]: names {s0}, already in $.faults[0].groups[0]; "
                  "a node is on one side of a partition only"));
  CHECK(bad_input(
            {{"faults",
              {{{"at_ms", 10}, {"kind", "partition"}, {"groups", {{"all"}, {"c0", "s3"}}}}}}}) ==
        std::string(
            "test.json: $.faults[0].groups[1]: names {s3,c0}, already in $.faults[0].groups[0]; "
            "a node is on one side of a partition only"));
}

TEST_CASE("a partition with both groups and spec is told to take one, not that it needs one") {
  CHECK(bad_input({{"faults",
                    {{{"at_ms", 10}, {"kind", "partition"}, {"spec", "halves"}, {"groups", {{"s0"}, {"s1"}}}}}}}) ==
        std::string("test.json: $.faults[0]: a partition takes \"groups\" or \"spec\", not both"));
  CHECK(bad_input({{"faults", {{{"at_ms", 10}, {"kind", "partition"}}}}}) ==
        std::string("test.json: $.faults[0]: a partition needs either \"groups\" or \"spec\""));
}

TEST_CASE("selectors: a node a keyword picks that an earlier group holds stays there only") {
  // [leader] | [servers]: the leader was on both sides ("partition {s0} | {s0,s1,...}").
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario(
          {{"run_ms", 1500},
           {"faults",
            {{{"at_ms", 1000}, {"kind", "partition"}, {"groups", {{"leader"}, {"servers"}}}}}}}),
      {});
  REQUIRE(r.timeline.size() == 1);
  const std::string& line = r.timeline[0];
  const auto leader = line.find("(leader = s");
  REQUIRE_MESSAGE(leader != std::string::npos, line);
  const std::string name = line.substr(leader + 10, 2);
  CHECK_MESSAGE(line.find("partition {" + name + "} | {") != std::string::npos, line);
  CHECK_MESSAGE(
      line.find("(" + name + " is in an earlier group: left out of group 2)") != std::string::npos,
      line);
  const std::string second = line.substr(line.find(" | {") + 4);
  CHECK_MESSAGE(second.substr(0, second.find('}')).find(name) == std::string::npos, line);
}

TEST_CASE("a disk wipe is an instant that empties the node's disk, synced writes too") {
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario({{"run_ms", 1500},
                {"faults",
                 {{{"at_ms", 1000}, {"kind", "crash"}, {"node", "s0"}},
                  {{"at_ms", 1000}, {"kind", "disk"}, {"fault", "wipe"}, {"node", "s0"}}}}}),
      {});
  REQUIRE(r.timeline.size() == 2);
  CHECK(r.timeline[1].find("disk wipe on {s0}") != std::string::npos);
  CHECK(r.out.sim->disk(0).wipes() == 1);
  CHECK(r.out.sim->disk(0).durable() == sim::DiskImage{});
  CHECK(r.out.sim->disk(1).wipes() == 0);
  CHECK_FALSE(r.out.sim->disk(1).durable() == sim::DiskImage{});  // s1 kept its log
  CHECK(bad_input({{"faults", {{{"at_ms", 10}, {"kind", "disk"}, {"fault", "wipe"}, {"node", "s0"},
                                {"for_ms", 100}}}}}) ==
        std::string("test.json: $.faults[0]: wiping a disk is an instant: no for_ms"));
}

TEST_CASE("a data node whose disk was replaced comes back empty - not a durable-state violation") {
  // The ledger of durable facts kept what dn1 promised before its disk was wiped, and
  // called its empty restart "generation stamp 0, below the 8 it had acted on": a false
  // alarm of the correct block store, with the wipe while down and while up alike.
  for (const bool while_down : {true, false}) {
    nlohmann::json faults = {
        {{"at_ms", 1000}, {"kind", "disk"}, {"fault", "wipe"}, {"node", "dn1"}}};
    if (while_down)
      faults.push_back({{"at_ms", 1000}, {"kind", "crash"}, {"node", "dn1"}, {"for_ms", 500}});
    const scenarios::ScenarioRun r = scenarios::run_scenario(
        scenario({{"protocol", "blockstore"}, {"run_ms", 6000}, {"faults", faults}}), {});
    CAPTURE(while_down);
    const std::string finding =
        r.out.result.findings.empty() ? "" : r.out.result.findings[0].message;
    INFO(finding);
    CHECK(r.out.verdict() == sim::Verdict::ok);
    CHECK(r.out.sim->incarnation(r.out.run->groups.nodes("datanodes")[1]) == 1);  // it restarted
  }
}

TEST_CASE("a liveness finding names the nodes a step without an end left down") {
  // A majority crashed for good read "faults healed at 1s ...", as if the protocol failed
  // with everything healed.
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario({{"run_ms", 4000},
                {"faults", {{{"at_ms", 1000}, {"kind", "crash"}, {"node", {"s0", "s1", "s2"}}}}}}),
      {});
  REQUIRE(r.out.result.findings.size() == 1);
  CHECK(r.out.result.findings[0].name == "liveness");
  CHECK(r.out.result.findings[0].message.find(
            "the faults ended at 1s (down or paused still: s0,s1,s2); at 2.5s") == 0);
}

TEST_CASE("a window's end undoes its step only if no later step acted on the node") {
  // s2: crashed for 2 s, restarted early, then crashed for good; s4 the same with pauses.
  // The first windows' ends restarted s2 and resumed s4 at 3 s, silently.
  const scenarios::ScenarioRun r = scenarios::run_scenario(
      scenario({{"run_ms", 4000},
                {"faults",
                 {{{"at_ms", 1000}, {"kind", "crash"}, {"node", "s2"}, {"for_ms", 2000}},
                  {{"at_ms", 1500}, {"kind", "restart"}, {"node", "s2"}},
                  {{"at_ms", 2000}, {"kind", "crash"}, {"node", "s2"}},
                  {{"at_ms", 1000}, {"kind", "pause"}, {"node", "s4"}, {"for_ms", 2000}},
                  {{"at_ms", 1500}, {"kind", "resume"}, {"node", "s4"}},
                  {{"at_ms", 2000}, {"kind", "pause"}, {"node", "s4"}}}}}),
      {});
  CHECK_FALSE(r.out.sim->is_up(2));
  CHECK(r.out.sim->is_paused(4));
  CHECK(r.out.sim->incarnation(2) == 1);  // one restart: the early one
  int left = 0;
  for (const std::string& line : r.timeline)
    left += line.find("left as it is (a later step acted on it)") != std::string::npos;
  CHECK(left == 2);
  // A window nothing interrupts still ends as before.
  const scenarios::ScenarioRun plain = scenarios::run_scenario(
      scenario(
          {{"run_ms", 2000},
           {"faults", {{{"at_ms", 500}, {"kind", "crash"}, {"node", "s2"}, {"for_ms", 500}}}}}),
      {});
  CHECK(plain.out.sim->is_up(2));
  CHECK(plain.out.sim->incarnation(2) == 1);
}

TEST_CASE(
    "clock windows add to what a clock has - overlapping windows and the starting skew stay") {
  auto clock = [](const char* node, const char* field, int amount, int at, int for_ms) {
    return nlohmann::json{
        {"at_ms", at}, {"kind", "clock"}, {"node", node}, {field, amount}, {"for_ms", for_ms}};
  };
  const nlohmann::json faults = {
      clock("s0", "offset_ms", 50, 100, 500),  // ends at 600 ms
      clock("s0", "offset_ms", 30, 200, 1000),     clock("s1", "drift_ppm", 1000, 100, 500),
      clock("s1", "drift_ppm", 2000, 200, 1000),   clock("s2", "drift_ppm", -500000, 100, 700),
      clock("s2", "drift_ppm", -500000, 200, 200), clock("s3", "offset_ms", 40, 100, 300)};
  const auto run = [](const nlohmann::json& f) {
    return scenarios::run_scenario(
        scenario({{"run_ms", 900}, {"clocks", {{"skew_max_ms", 20}}}, {"faults", f}}), {});
  };
  const scenarios::ScenarioRun r = run(faults);
  const sim::Simulation& sim = *r.out.sim;
  const scenarios::ScenarioRun plain = run(nlohmann::json::array());  // the same starting skews
  const sim::Time end = sim.now();
  REQUIRE(end == plain.out.sim->now());
  // At 900 ms the second window of each pair is still open: setting it, and 0 at the first
  // one's end, left s0 at the bare starting skew and s1 with no drift.
  CHECK(sim.clock(0).offset(end) == plain.out.sim->clock(0).offset(end) + 30 * sim::kMillisecond);
  CHECK(sim.clock(1).drift_ppm() == 2000);
  CHECK(sim.clock(2).drift_ppm() == 0);  // both windows ended, the clamped one included
  CHECK(sim.clock(3).offset(end) == plain.out.sim->clock(3).offset(end));  // skew kept
  CHECK(plain.out.sim->clock(3).offset(end) != 0);
  REQUIRE(r.timeline.size() == 7);
  CHECK(r.timeline[6].find("s2's drifts add up to -1000000ppm: it runs at -999999ppm") !=
        std::string::npos);
}

TEST_CASE("echo: a restarted client takes no late reply to its earlier incarnation for its own") {
  // s1 paused, c0 crashed and back: the new c0 began its sequence numbers again, and took
  // s1's late reply to the old c0's request 14 for its own ("asked 8, got 6").
  const Scenario s = scenario(
      {{"protocol", "echo"},
       {"nodes", {{"servers", 2}, {"clients", 1}}},
       {"options", {{"timeout", "10ms"}, {"attempts", 3}, {"think", "5ms"}, {"ops", 1000}}},
       {"faults",
        {{{"at_ms", 0}, {"kind", "pause"}, {"node", "s1"}, {"for_ms", 400}},
         {{"at_ms", 300}, {"kind", "crash"}, {"node", "c0"}, {"for_ms", 2}}}},
       {"run_ms", 2000}});
  for (std::uint64_t seed : {2, 3, 9}) {
    scenarios::Overrides o;
    o.seed = seed;
    const scenarios::ScenarioRun r = scenarios::run_scenario(s, o);
    CAPTURE(seed);
    CHECK(r.out.result.verdict == sim::Verdict::ok);
  }
}

TEST_CASE("expectations: a run meets them or says which it missed") {
  const nlohmann::json timeline = {{{"at_ms", 1000}, {"kind", "crash"}, {"node", "majority"}}};
  // A majority crashed for good: nothing can be committed after it. Liveness must fail.
  auto run = [&](nlohmann::json expect) {
    return scenarios::run_scenario(
               scenario({{"seed", 1}, {"run_ms", 4000}, {"faults", timeline}, {"expect", expect}}),
               {})
        .expectations;
  };
  const scenarios::ExpectationResult stuck = run({{"liveness", false}});
  CHECK(stuck.checked);
  CHECK(stuck.met);
  const scenarios::ExpectationResult wrong = run({{"liveness", true}});
  CHECK_FALSE(wrong.met);
  REQUIRE(wrong.unmet.size() == 1);
  CHECK(wrong.unmet[0].find("unexpected violation 'liveness'") == 0);
  const scenarios::ExpectationResult named = run({{"violations", {"election safety"}}});
  CHECK_FALSE(named.met);
}

TEST_CASE("repro: a saved run replays exactly through its tape, even with another seed") {
  const Scenario s = scenario({{"seed", 5},
                               {"random_faults", "swarm"},
                               {"run_ms", 3000},
                               {"options", {{"servers", 3}}}});
  auto [original, repro] = recorded(s);
  REQUIRE(repro.tape.size() > 100);
  REQUIRE(repro.digests.size() == original.out.result.events);
  // Through the file format and back.
  repro = scenarios::repro_from_json(scenarios::repro_to_json(repro), "r.json");
  repro.seed = 999;  // the tape decides every choice; the seed no longer matters
  const scenarios::ReplayResult again = scenarios::replay(repro);
  CHECK(again.reproduced);
  CHECK(again.run.out.result.trace_hash == original.out.result.trace_hash);
}

TEST_CASE("repro: a replay that diverges names the first event that differs") {
  const Scenario s = scenario({{"seed", 2}, {"random_faults", "all"}, {"run_ms", 2000}});
  auto [original, repro] = recorded(s);
  // Change one choice in the middle of the tape: the run is the same up to where it is drawn.
  const std::size_t k = repro.tape.size() / 2;
  repro.tape[k].value = repro.tape[k].value == 0 ? 1 : 0;
  const scenarios::ReplayResult diverged = scenarios::replay(repro);
  CHECK_FALSE(diverged.reproduced);
  REQUIRE(diverged.first_difference.has_value());
  CHECK(*diverged.first_difference > 0);
  CHECK(*diverged.first_difference < original.out.result.events);
  CHECK(diverged.explanation.find("first at event " + std::to_string(*diverged.first_difference)) !=
        std::string::npos);
  // Every event before it is the same in both runs.
  for (std::size_t i = 0; i < *diverged.first_difference; ++i) {
    REQUIRE(diverged.run.out.sim->trace().digests()[i] == original.out.sim->trace().digests()[i]);
  }
}

TEST_CASE("repro: an edited trace hash is said to be one - not a run that diverged at its end") {
  // It read "the replay has 216 events where the recording had 216; they agree up to
  // event 216 (the code changed since the recording, or a run is not deterministic)".
  const Scenario s = scenario({{"seed", 3}, {"random_faults", "all"}, {"run_ms", 1000}});
  auto [original, repro] = recorded(s);
  repro.trace_hash ^= 1;
  const scenarios::ReplayResult r = scenarios::replay(repro);
  CHECK_FALSE(r.reproduced);
  CHECK_FALSE(r.first_difference.has_value());
  CHECK(r.explanation.find("every one of the " + std::to_string(original.out.result.events) +
                           " events agrees") != std::string::npos);
  CHECK(r.explanation.find("trace_hash or event_digests was edited") != std::string::npos);
  CHECK(r.explanation.find("the code changed") == std::string::npos);
}

TEST_CASE(
    "repro: the same run with a doubled tape, another verdict or event count is a changed file") {
  // Each of these replayed as "reproduced exactly": the hash agreed, the rest went unread.
  const Scenario s = scenario({{"seed", 3}, {"random_faults", "all"}, {"run_ms", 1000}});
  auto [original, repro] = recorded(s);
  REQUIRE(scenarios::replay(repro).reproduced);
  const auto changed = [](const scenarios::Repro& edited, const std::string& what) {
    const scenarios::ReplayResult r = scenarios::replay(edited);
    CHECK_FALSE(r.reproduced);
    CHECK_MESSAGE(r.explanation == "the trace hash agrees, but " + what +
                                       ": the file was changed after it was recorded",
                  r.explanation);
  };
  scenarios::Repro doubled = repro;
  doubled.tape.insert(doubled.tape.end(), repro.tape.begin(), repro.tape.end());
  changed(doubled, "the tape holds choices the run never asked for");
  scenarios::Repro verdict = repro;
  verdict.verdict = repro.verdict == "ok" ? "violation" : "ok";
  changed(verdict, "result.verdict says \"" + verdict.verdict + "\" where the run's is \"" +
                       repro.verdict + "\"");
  scenarios::Repro events = repro;
  events.events = 0;
  changed(events, "result.events says 0 where the run has " + std::to_string(repro.events));
  // A verdict no run has is refused with the file.
  nlohmann::json j = scenarios::repro_to_json(repro);
  j["result"]["verdict"] = "abc";
  CHECK_THROWS_WITH_AS(scenarios::repro_from_json(j, "r.json"),
                       "r.json: $.result.verdict: expected \"ok\", \"violation\" or \"unknown\", "
                       "got the string \"abc\"",
                       protocols::BadInput);
}

TEST_CASE("repro: tapes encode and decode exactly, a damaged tape is a located error") {
  const sim::Tape tape = {{2, 1, sim::ChoiceKind::drop},
                          {1024, 513, sim::ChoiceKind::delay},
                          {7, 0, sim::ChoiceKind::schedule},
                          {3, 2, sim::ChoiceKind::config}};
  const std::string text = scenarios::encode_tape(tape);
  CHECK(text == "x1/2d513/1024s0/7g2/3");
  CHECK(scenarios::decode_tape(text, "t") == tape);
  CHECK_THROWS_WITH_AS(scenarios::decode_tape("x1/2d2000/1024", "r.json: $.tape"),
                       "r.json: $.tape: choice 1: value 2000 is not below its 1024 options (a "
                       "choice has at least 2)",
                       protocols::BadInput);
  CHECK_THROWS_WITH_AS(scenarios::decode_tape("x1/2q1/2", "r.json: $.tape"),
                       "r.json: $.tape: choice 1 (character 4): expected a kind letter "
                       "(dxuorftlckgs), got 'q'",
                       protocols::BadInput);
}

TEST_CASE("a file of another kind is named as such - with the verbs that read it - not by its first field") {
  // 'faultline run' on a repro said "$.event_digests: unknown field"; 'replay' and 'shrink'
  // on a scenario "$.bugs: unknown field" or "$.name: ...", on a trace "$.events: ...".
  const Scenario s = scenario({{"seed", 3}, {"run_ms", 300}});
  const nlohmann::json repro = scenarios::repro_to_json(recorded(s).repro);
  const nlohmann::json trace = {{"events", nlohmann::json::array()}, {"format", "faultline-trace"}};
  auto error = [](auto&& load) -> std::string {
    try {
      load();
    } catch (const protocols::BadInput& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error([&] { scenarios::parse_scenario(repro, "r.json"); }) ==
        "r.json: $.format: expected \"faultline-scenario/1\", got the string "
        "\"faultline-repro/1\": a repro file (one exact run); 'faultline replay FILE' replays "
        "it, 'faultline shrink FILE -o OUT' shrinks it");
  CHECK(error([&] { scenarios::repro_from_json(s.source, "s.json"); }) ==
        "s.json: $.format: expected \"faultline-repro/1\", got the string "
        "\"faultline-scenario/1\": a scenario file; 'faultline run FILE' runs it, 'faultline "
        "fuzz --scenario FILE' fuzzes around it");
  CHECK(error([&] { scenarios::repro_from_json(trace, "t.json"); }) ==
        "t.json: $.format: expected \"faultline-repro/1\", got the string \"faultline-trace\": "
        "a trace; 'faultline viz FILE' draws it");
  // Another version of the same kind, and a misspelt or missing format, as before.
  nlohmann::json v2 = s.source;
  v2["format"] = "faultline-scenario/2";
  CHECK(error([&] { scenarios::parse_scenario(v2, "v.json"); }) ==
        "v.json: $.format: expected \"faultline-scenario/1\" (this faultline reads that "
        "version), got the string \"faultline-scenario/2\"");
  nlohmann::json typo = s.source;
  typo["fromat"] = typo["format"];
  typo.erase("format");
  CHECK(error([&] { scenarios::parse_scenario(typo, "v.json"); }).find(
            "v.json: $.fromat: unknown field (did you mean 'format'?)") == 0);
  nlohmann::json none = repro;
  none.erase("format");
  CHECK(error([&] { scenarios::repro_from_json(none, "r.json"); }) ==
        "r.json: $: missing the field \"format\"");
  // A client history (JSON lines) given to run, replay or shrink was "h.jsonl:2:1: not
  // valid JSON: unexpected '{'"; it is named, with the verb that reads it.
  const std::string history =
      "{\"format\":\"faultline-history\",\"model\":\"kv\",\"version\":1}\n"
      "{\"f\":\"read\",\"key\":\"k0\",\"process\":0,\"type\":\"invoke\",\"value\":null}\n";
  CHECK(error([&] { scenarios::parse_json_text(history, "h.jsonl"); }) ==
        "h.jsonl: holds one JSON value per line (JSON lines), not one JSON document: a client "
        "history; 'faultline check FILE' checks it");
  // A document with something after it that is not another value keeps its located error.
  CHECK(error([&] {
          scenarios::parse_json_text("{\"a\": 1}\n}\n", "x.json");
        }).find("x.json:2:1: not valid JSON") == 0);
}

TEST_CASE("a protocol run and the same run as a scenario are the same run") {
  const protocols::Protocol& raft = *protocols::find_protocol("raft");
  protocols::RunSpec spec;
  spec.seed = 4;
  spec.time_limit_ns = 3 * sim::kSecond;
  spec.faults = protocols::fault_profile(raft, "all", spec.time_limit_ns);
  const protocols::RunOutput direct = protocols::run_protocol(raft, spec);
  const Scenario s = scenarios::scenario_for_run(raft, spec, "all");
  const scenarios::ScenarioRun via = scenarios::run_scenario(s, {});
  CHECK(via.out.result.trace_hash == direct.result.trace_hash);
}
