// Paxos and Multi-Paxos on the simulator: runs without faults, determinism and replay,
// short swarm sweeps with their "sometimes" counts, option errors, and the scripted
// counterexamples that become scenario files (each fails with its bug and passes
// without it; docs/paxos.md lists their timelines).
#include <doctest/doctest.h>

#include "paxos/paxos.hpp"
#include "protocols/registry.hpp"

using namespace faultline;
using protocols::RunSpec;

namespace {

#ifdef FAULTLINE_SANITIZE
constexpr std::uint64_t kPaxosSeeds = 12;
constexpr std::uint64_t kMultiSeeds = 4;
#else
constexpr std::uint64_t kPaxosSeeds = 120;
constexpr std::uint64_t kMultiSeeds = 24;
#endif

RunSpec calm(std::uint64_t seed, std::vector<std::pair<std::string, std::string>> options = {},
             std::vector<std::string> bugs = {}) {
  RunSpec spec;
  spec.seed = seed;
  for (const auto& [k, v] : options) spec.options.set(k, v);
  spec.bugs = std::move(bugs);
  return spec;
}

std::string findings_text(const protocols::RunOutput& out) {
  std::string text;
  for (const auto& f : out.result.findings) text += sim::describe_finding(f, out.sim.get()) + "\n";
  return text;
}

const std::string& first_finding(const protocols::RunOutput& out) {
  REQUIRE_FALSE(out.result.findings.empty());
  return out.result.findings.front().name;
}

}  // namespace

TEST_CASE("paxos: without faults one value is chosen, every attempt and learner learns it") {
  for (const char* roles : {"separate", "combined"}) {
    CAPTURE(roles);
    auto out =
        protocols::run_protocol(paxos::single_decree_protocol(), calm(3, {{"roles", roles}}));
    INFO(findings_text(out));
    REQUIRE(out.verdict() == sim::Verdict::ok);
    const nlohmann::json s = out.run->summary(*out.sim);
    CHECK(s["values_chosen"] == 1);
    CHECK(s["attempts_own_value_chosen"] == 1);  // a write-once register: one cas wins
    CHECK(s["attempts_other_value_chosen"].get<int>() > 5);
    CHECK(s["learners_learned"] == (std::string(roles) == "combined" ? 3 : 1));
    CHECK(protocols::linearizable(out) == std::optional<bool>(true));
  }
}

TEST_CASE(
    "paxos: proposers that start late are not judged idle by a bound shorter than their start") {
  // start_within=1s (its bound is 60 s): the 750 ms liveness bound came before some
  // proposers' first attempt, and every fault-free run failed liveness.
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto out = protocols::run_protocol(paxos::single_decree_protocol(),
                                       calm(seed, {{"start_within", "1s"}}));
    INFO(findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
  }
}

TEST_CASE(
    "paxos: a long backoff raises the default liveness bound - a preempted proposer may wait 4x "
    "it") {
  // backoff=500ms: a proposer preempted twice in a row waits up to 2 s, and the 750 ms
  // bound called 3 of seeds 1-5 stuck without faults.
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto out = protocols::run_protocol(paxos::single_decree_protocol(),
                                       calm(seed, {{"backoff", "500ms"}}));
    INFO(findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
  }
  const protocols::Protocol& p = paxos::single_decree_protocol();
  protocols::RunConfig run;
  run.options = protocols::OptionValues::resolve(
      p.options, protocols::Options(std::map<std::string, std::string>{{"backoff", "500ms"}}));
  CHECK(paxos::read_single_params(run).liveness_bound_ns == 6 * sim::kSecond);
  run.options = protocols::OptionValues::resolve(
      p.options, protocols::Options(std::map<std::string, std::string>{}));
  CHECK(paxos::read_single_params(run).liveness_bound_ns == 750 * sim::kMillisecond);
  // An attempt whose messages the faults lost waits a whole retry before it acts again:
  // retry=1s was called stuck on 17 of 150 swarm seeds (20, 27, 56, ...) at 750 ms.
  run.options = protocols::OptionValues::resolve(
      p.options, protocols::Options(std::map<std::string, std::string>{{"retry", "1s"}}));
  CHECK(paxos::read_single_params(run).liveness_bound_ns == 3 * sim::kSecond);
}

TEST_CASE("paxos: the open attempt of a crashed incarnation is not the restarted proposer's") {
  // With start_within=3s a proposer restarted by the faults waits before its first attempt;
  // its crashed incarnation's attempt, open in the history for ever, was called "still
  // open (idle)" (swarm seeds 6, 9, 16, 25).
  const protocols::Protocol& p = paxos::single_decree_protocol();
  for (std::uint64_t seed : {6, 9, 16, 25}) {
    RunSpec spec = protocols::swarm_spec(p, seed);
    spec.options.set("start_within", "3s");
    const protocols::RunOutput out = protocols::run_protocol(p, spec);
    INFO("seed " << seed << "\n" << findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
  }
}

TEST_CASE("paxos: idleness the bound does not cover is reported as not judged, not passed") {
  // start_within=3s: a restarted proposer may wait longer than the 750 ms bound, so its
  // idleness is not required; seed 6 has two such proposers at the deadline. The check
  // holds, and its detail names them instead of reading as a plain pass.
  const protocols::Protocol& p = paxos::single_decree_protocol();
  RunSpec spec = protocols::swarm_spec(p, 6);
  spec.options.set("start_within", "3s");
  const protocols::RunOutput out = protocols::run_protocol(p, spec);
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  const protocols::CheckOutcome* live = out.run->checks.find("liveness");
  REQUIRE(live != nullptr);
  CHECK(live->status == protocols::CheckStatus::held);
  CHECK(live->detail.starts_with("not judged: "));
  CHECK(live->detail.find("completed no attempt since the heal") != std::string::npos);
  // The same seed with the default start: judged in full.
  const protocols::RunOutput judged = protocols::run_protocol(p, protocols::swarm_spec(p, 6));
  CHECK(judged.verdict() == sim::Verdict::ok);
  CHECK(judged.run->checks.find("liveness")->detail.empty());
}

TEST_CASE("multipaxos: without faults one leader serves every operation, linearizably") {
  auto out = protocols::run_protocol(paxos::multi_protocol(), calm(1));
  INFO(findings_text(out));
  REQUIRE(out.verdict() == sim::Verdict::ok);
  const nlohmann::json s = out.run->summary(*out.sim);
  CHECK(s["elections_won"] == 1);
  CHECK(s["operations"]["info"] == 0);
  CHECK(s["operations"]["ok"].get<int>() > 300);
  CHECK(s["slots_chosen"].get<int>() > 300);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
}

TEST_CASE("paxos and multipaxos: a run is a function of its seed, and its tape replays it") {
  for (const protocols::Protocol& p : {paxos::single_decree_protocol(), paxos::multi_protocol()}) {
    CAPTURE(p.name);
    const RunSpec spec = protocols::swarm_spec(p, 7);
    auto a = protocols::run_protocol(p, spec);
    auto b = protocols::run_protocol(p, spec);
    CHECK(a.result.trace_hash == b.result.trace_hash);
    CHECK(a.result.events == b.result.events);
    auto replayed =
        protocols::run_protocol(p, spec, std::make_unique<sim::TapeChoices>(a.choices->tape()));
    CHECK(replayed.result.trace_hash == a.result.trace_hash);
    CHECK(replayed.result.tape_misfits == 0);
  }
}

TEST_CASE("paxos: correct single-decree Paxos survives swarm seeds, and values do get chosen") {
  const protocols::Protocol p = paxos::single_decree_protocol();
  std::uint64_t chosen = 0, over_rival = 0, adopted = 0, healed = 0, combined = 0, restarted = 0;
  for (std::uint64_t seed = 1; seed <= kPaxosSeeds; ++seed) {
    auto out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    INFO("seed " << seed << "\n" << findings_text(out));
    REQUIRE(out.verdict() == sim::Verdict::ok);
    const nlohmann::json s = out.run->summary(*out.sim);
    chosen += s["values_chosen"].get<std::uint64_t>();
    over_rival += s["chosen_over_rival"].get<std::uint64_t>() > 0 ? 1 : 0;
    adopted += s["chosen_again"].get<std::uint64_t>() > 0 ? 1 : 0;
    const protocols::CheckOutcome* live = out.run->checks.find("liveness");
    healed += live != nullptr && live->status == protocols::CheckStatus::held ? 1 : 0;
    combined += out.config.options.text("roles") == "combined" ? 1 : 0;
    restarted += s["acceptor_restarts"].get<std::uint64_t>() > 0 ? 1 : 0;
  }
  MESSAGE("paxos sweep: " << chosen << " values chosen in " << kPaxosSeeds << " seeds; "
                          << over_rival << " chosen over a rival value; " << adopted
                          << " with the value chosen again at higher ballots; liveness held in "
                          << healed << "; combined roles in " << combined
                          << "; acceptors restarted in " << restarted);
  CHECK(chosen == kPaxosSeeds);            // agreement is never vacuous: a value is chosen
  CHECK(adopted * 10 >= kPaxosSeeds * 9);  // p2c at work: later ballots carry the value
  CHECK(healed * 2 >= kPaxosSeeds);        // liveness was judged, and held
  CHECK(combined > 0);
  CHECK(combined < kPaxosSeeds);
  CHECK(restarted > 0);  // the durable state was put to the test
#ifndef FAULTLINE_SANITIZE
  CHECK(over_rival > 0);  // duels left another value accepted somewhere
#endif
}

// Found by a 20,000-seed sweep (seeds 1,000,001-1,020,000): an offset fault ending after a
// strobe's forward jump reset s1's clock, the strobe's closing jump left it 198 ms behind,
// and its next attempt came after the liveness bound. Clock faults now compose
// (tests/sim/clock_disk_test.cpp); the seed is live.
TEST_CASE("paxos: swarm seed 1003891 - overlapping clock faults heal - live") {
  const protocols::Protocol p = paxos::single_decree_protocol();
  auto out = protocols::run_protocol(p, protocols::swarm_spec(p, 1003891));
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  const protocols::CheckOutcome* live = out.run->checks.find("liveness");
  REQUIRE(live != nullptr);
  CHECK(live->status == protocols::CheckStatus::held);
}

// One proposer with one attempt: the attempt may end, its acceptances to the learner
// lost, before the heal; no later attempt comes, and nothing in the protocol makes the
// learner learn (there is no catch-up). A stress campaign called 284 of 800 such runs
// stuck; learners are now judged only once an attempt succeeded after the heal.
TEST_CASE("paxos: with a fixed number of attempts all done before the heal, a learner that lost the acceptances is not stuck") {
  const protocols::Protocol p = paxos::single_decree_protocol();
  int unlearned = 0;
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    RunSpec spec = protocols::swarm_spec(p, seed);
    spec.options.set("proposers", "1");
    spec.options.set("proposals", "1");
    auto out = protocols::run_protocol(p, spec);
    INFO("seed " << seed << ": " << findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
    const nlohmann::json s = out.run->summary(*out.sim);
    if (s["values_chosen"] == 1 && s["learners_learned"] == 0) ++unlearned;
  }
  CHECK(unlearned > 0);  // the case did come up
}

TEST_CASE("multipaxos: correct Multi-Paxos survives swarm seeds, with leader changes") {
  const protocols::Protocol p = paxos::multi_protocol();
  std::uint64_t changes = 0, recovered = 0, gaps = 0, ok_ops = 0, healed = 0, restarted = 0;
  for (std::uint64_t seed = 1; seed <= kMultiSeeds; ++seed) {
    auto out = protocols::run_protocol(p, protocols::swarm_spec(p, seed));
    INFO("seed " << seed << "\n" << findings_text(out));
    REQUIRE(out.verdict() == sim::Verdict::ok);
    const nlohmann::json s = out.run->summary(*out.sim);
    changes += s["elections_won"].get<std::uint64_t>() > 1 ? 1 : 0;
    recovered += s["recovered_values"].get<std::uint64_t>() > 0 ? 1 : 0;
    gaps += s["gaps_filled"].get<std::uint64_t>() > 0 ? 1 : 0;
    ok_ops += s["operations"]["ok"].get<std::uint64_t>();
    restarted += s["server_restarts"].get<std::uint64_t>() > 0 ? 1 : 0;
    const protocols::CheckOutcome* live = out.run->checks.find("liveness");
    healed += live != nullptr && live->status == protocols::CheckStatus::held ? 1 : 0;
    CHECK(protocols::linearizable(out) == std::optional<bool>(true));
  }
  MESSAGE("multipaxos sweep: " << kMultiSeeds << " seeds; leader changes in " << changes
                               << "; open slots re-proposed in " << recovered << "; gaps filled in "
                               << gaps << "; " << ok_ops << " operations ok; liveness held in "
                               << healed << "; servers restarted in " << restarted);
  CHECK(changes * 2 >= kMultiSeeds);
  CHECK(recovered > 0);
  CHECK(ok_ops > 100 * kMultiSeeds);
  CHECK(restarted > 0);
  CHECK(healed * 2 >= kMultiSeeds);
}

TEST_CASE("paxos options: bad values and rules across options name the option") {
  const protocols::Protocol p = paxos::single_decree_protocol();
  CHECK_THROWS_WITH_AS(protocols::resolve_run(p, calm(1, {{"acceptors", "0"}})),
                       doctest::Contains("acceptors"), protocols::BadInput);
  CHECK_THROWS_WITH_AS(protocols::resolve_run(p, calm(1, {{"roles", "mixed"}})),
                       doctest::Contains("roles"), protocols::BadInput);
  CHECK_THROWS_WITH_AS(
      protocols::resolve_run(p, calm(1, {{"roles", "combined"}, {"proposers", "2"}})),
      doctest::Contains("proposers"), protocols::BadInput);
  const protocols::Protocol m = paxos::multi_protocol();
  CHECK_THROWS_WITH_AS(
      protocols::resolve_run(m, calm(1, {{"heartbeat", "200ms"}, {"election_timeout", "100ms"}})),
      doctest::Contains("heartbeat"), protocols::BadInput);
  CHECK_THROWS_WITH_AS(protocols::resolve_run(m, calm(1, {}, {"no-such-bug"})),
                       doctest::Contains("leader-skips-recovery"), protocols::BadInput);
}

TEST_CASE("paxos and multipaxos are registered, each with at least five planted bugs") {
  for (const char* name : {"paxos", "multipaxos"}) {
    const protocols::Protocol* p = protocols::find_protocol(name);
    REQUIRE(p != nullptr);
    CHECK(p->bugs.size() >= 5);
    for (const protocols::BugSpec& b : p->bugs) CHECK_FALSE(b.finds.empty());
  }
  CHECK(protocols::find_protocol("multipaxos")->find_bug("leader-skips-recovery") != nullptr);
}

// ---------------------------------------------------------------- scripted counterexamples

namespace {

// Separate roles: p0 (id 0), p1 (1), a0..a2 (2..4), l0 (5).
std::vector<std::pair<std::string, std::string>> two_proposers() {
  return {{"roles", "separate"},
          {"proposers", "2"},
          {"acceptors", "3"},
          {"learners", "1"},
          {"proposals", "1"}};
}

// ignore-accepted-value: p1 is cut off from the acceptors for 200 ms while p0 gets its
// value chosen; p1's next attempt hears of that value in phase 1 and must propose it.
protocols::RunOutput ignore_accepted_value_scenario(bool bug) {
  RunSpec spec =
      calm(1, two_proposers(),
           bug ? std::vector<std::string>{"ignore-accepted-value"} : std::vector<std::string>{});
  spec.scripted_heal_ns = 200 * sim::kMillisecond;
  return protocols::run_protocol(
      paxos::single_decree_protocol(), spec, nullptr,
      [](sim::Simulation& sim, protocols::ProtocolRun& run) {
        const sim::NodeId p1 = run.groups.nodes("proposers")[1];
        const std::vector<sim::NodeId>& acceptors = run.groups.nodes("acceptors");
        sim.at(0, "cut p1 off from the acceptors", [p1, acceptors](sim::Simulation& s) {
          const std::uint32_t id =
              s.partition(sim::Partition{{sim::NodeSet::of({p1}), sim::NodeSet::of(acceptors)}},
                          "p1 | acceptors");
          s.at(200 * sim::kMillisecond, "heal", [id](sim::Simulation& t) { t.heal(id); });
        });
      });
}

// An acceptor restart: a1 crashes at 100 ms, after it promised (and accepted) ballots,
// and restarts at 150 ms; the proposers keep making attempts.
protocols::RunOutput acceptor_restart_scenario(bool bug) {
  RunSpec spec =
      calm(1, {{"roles", "separate"}, {"proposers", "2"}, {"acceptors", "3"}, {"think", "30ms"}},
           bug ? std::vector<std::string>{"forget-promise"} : std::vector<std::string>{});
  spec.scripted_heal_ns = 150 * sim::kMillisecond;
  return protocols::run_protocol(
      paxos::single_decree_protocol(), spec, nullptr,
      [](sim::Simulation& sim, protocols::ProtocolRun& run) {
        const sim::NodeId a1 = run.groups.nodes("acceptors")[1];
        sim.at(100 * sim::kMillisecond, "crash a1", [a1](sim::Simulation& s) { s.crash(a1); });
        sim.at(150 * sim::kMillisecond, "restart a1", [a1](sim::Simulation& s) { s.restart(a1); });
      });
}

// A Multi-Paxos leader change that must recover accepted values: from 1 s the followers'
// messages to the leader are lost (its Accepts still reach them: they accept, a majority,
// but it never learns), at 1.25 s the leader crashes, at 1.3 s the cut heals, at 2 s the
// old leader restarts. The new leader finds the open slots accepted by a majority.
protocols::RunOutput leader_change_scenario(bool bug) {
  RunSpec spec =
      calm(1, {{"servers", "3"}, {"rate", "40"}},
           bug ? std::vector<std::string>{"leader-skips-recovery"} : std::vector<std::string>{});
  spec.scripted_heal_ns = 2 * sim::kSecond;
  return protocols::run_protocol(
      paxos::multi_protocol(), spec, nullptr,
      [](sim::Simulation& sim, protocols::ProtocolRun& run) {
        sim.at(sim::kSecond, "cut the followers' replies to the leader",
               [&run](sim::Simulation& s) {
                 const std::optional<sim::NodeId> leader = run.leader(s);
                 REQUIRE(leader.has_value());
                 std::vector<sim::NodeId> followers;
                 for (sim::NodeId id : run.groups.nodes("servers")) {
                   if (id != *leader) followers.push_back(id);
                 }
                 const std::uint32_t cut = s.partition(
                     sim::Partition{{sim::NodeSet::of(followers), sim::NodeSet::of({*leader})},
                                    /*one_way=*/true},
                     "followers -/-> leader");
                 const sim::NodeId l = *leader;
                 s.at(1250 * sim::kMillisecond, "crash the leader",
                      [l](sim::Simulation& t) { t.crash(l); });
                 s.at(1300 * sim::kMillisecond, "heal", [cut](sim::Simulation& t) { t.heal(cut); });
                 s.at(2 * sim::kSecond, "restart the old leader",
                      [l](sim::Simulation& t) { t.restart(l); });
               });
      });
}

}  // namespace

TEST_CASE("scenario ignore-accepted-value: the later proposer must propose the chosen value") {
  auto clean = ignore_accepted_value_scenario(false);
  INFO(findings_text(clean));
  REQUIRE(clean.verdict() == sim::Verdict::ok);
  const nlohmann::json s = clean.run->summary(*clean.sim);
  CHECK(s["chosen"] == "p0-1");
  CHECK(s["attempts_other_value_chosen"] == 1);  // p1 adopted p0-1
  auto buggy = ignore_accepted_value_scenario(true);
  CHECK(buggy.verdict() == sim::Verdict::violation);
  CHECK(first_finding(buggy) == "p2c");
  MESSAGE(findings_text(buggy));
}

TEST_CASE("scenario forget-promise: an acceptor restart, with and without its promise on disk") {
  auto clean = acceptor_restart_scenario(false);
  INFO(findings_text(clean));
  REQUIRE(clean.verdict() == sim::Verdict::ok);
  CHECK(clean.run->checks.find("liveness")->status == protocols::CheckStatus::held);
  auto buggy = acceptor_restart_scenario(true);
  CHECK(buggy.verdict() == sim::Verdict::violation);
  CHECK(first_finding(buggy) == "durable state never goes back");
  MESSAGE(findings_text(buggy));
}

TEST_CASE("scenario duelling proposers: three start at once, backoff lets each attempt finish") {
  RunSpec spec = calm(
      2, {{"roles", "separate"}, {"proposers", "3"}, {"proposals", "1"}, {"start_within", "0ns"}});
  auto out = protocols::run_protocol(paxos::single_decree_protocol(), spec);
  INFO(findings_text(out));
  REQUIRE(out.verdict() == sim::Verdict::ok);
  const nlohmann::json s = out.run->summary(*out.sim);
  CHECK(s["values_chosen"] == 1);
  CHECK(s["attempts_own_value_chosen"] == 1);
  CHECK(s["attempts_other_value_chosen"] == 2);
  CHECK(s["preemptions"].get<int>() > 0);  // they did duel (pinned: seed 2)
}

TEST_CASE("scenario leader change: a new Multi-Paxos leader recovers the accepted values") {
  auto clean = leader_change_scenario(false);
  INFO(findings_text(clean));
  REQUIRE(clean.verdict() == sim::Verdict::ok);
  const nlohmann::json s = clean.run->summary(*clean.sim);
  CHECK(s["elections_won"].get<int>() >= 2);
  CHECK(s["recovered_values"].get<int>() > 0);
  CHECK(protocols::linearizable(clean) == std::optional<bool>(true));
  auto buggy = leader_change_scenario(true);
  CHECK(buggy.verdict() == sim::Verdict::violation);
  CHECK(first_finding(buggy) == "p2c");
  MESSAGE(findings_text(buggy));
}
