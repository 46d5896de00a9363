// Raft on the simulator: progress and linearizability without faults, every feature,
// determinism and replay, a sweep of correct Raft under swarm faults with its
// "sometimes" properties, the lease's clock bound, liveness detection, option errors.
#include <doctest/doctest.h>

#include <set>

#include "raft/raft.hpp"
#include "raft/raft_server.hpp"

using namespace faultline;
using protocols::RunSpec;

namespace {

#ifdef FAULTLINE_SANITIZE
constexpr std::uint64_t kFastSweepSeeds = 24;
#else
constexpr std::uint64_t kFastSweepSeeds = 400;
#endif

RunSpec calm(std::uint64_t seed, std::vector<std::pair<std::string, std::string>> options = {}) {
  RunSpec spec;
  spec.seed = seed;
  spec.time_limit_ns = 3 * sim::kSecond;
  for (const auto& [k, v] : options) spec.options.set(k, v);
  return spec;
}

// The generic swarm profile's run of `seed`, with `options` given (not drawn). The run's
// options refer to the protocol's option table, so the protocol outlives every call.
protocols::RunOutput swarm_run(std::uint64_t seed,
                               std::vector<std::pair<std::string, std::string>> options = {}) {
  static const protocols::Protocol p = raft::protocol();
  RunSpec spec = protocols::swarm_spec(p, seed);
  for (const auto& [k, v] : options) spec.options.set(k, v);
  return protocols::run_protocol(p, spec);
}

std::string findings_text(const protocols::RunOutput& out) {
  std::string text;
  for (const auto& f : out.result.findings) text += sim::describe_finding(f, out.sim.get()) + "\n";
  return text;
}

// The slow, obviously correct twin of the incremental invariants, on the final state:
// every pair of live servers agrees on every index both hold with one term (Log
// Matching), and on every index both have committed (State Machine Safety).
std::string final_state_disagreement(const sim::Simulation& s, std::size_t servers) {
  std::vector<const raft::RaftNode*> nodes;
  for (sim::NodeId n = 0; n < servers; ++n) {
    const auto* server = s.actor_as<raft::RaftServer>(n);
    if (server && server->node()) nodes.push_back(server->node());
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      const raft::RaftLog& a = nodes[i]->log();
      const raft::RaftLog& b = nodes[j]->log();
      const raft::LogIndex lo = std::max(a.first_index(), b.first_index());
      const raft::LogIndex hi = std::min(a.last_index(), b.last_index());
      const raft::LogIndex committed = std::min(nodes[i]->commit_index(), nodes[j]->commit_index());
      bool same_before = true;  // entries at lower indices were equal so far
      for (raft::LogIndex k = lo; k <= hi; ++k) {
        const bool equal = a.at(k) == b.at(k);
        if (k <= committed && !equal) return "committed entries differ at " + std::to_string(k);
        if (a.at(k).term == b.at(k).term && (!equal || !same_before)) {
          return "logs match at " + std::to_string(k) + " but not before it";
        }
        same_before = same_before && equal;
      }
    }
  }
  return {};
}

}  // namespace

TEST_CASE(
    "raft: without faults one leader serves every operation, and the history is linearizable") {
  auto out = protocols::run_protocol(raft::protocol(), calm(1));
  INFO(findings_text(out));
  REQUIRE(out.result.verdict == sim::Verdict::ok);
  const nlohmann::json s = out.run->summary(*out.sim);
  CHECK(s["leaders_elected"] == 1);
  CHECK(s["max_term"] == 1);
  CHECK(s["operations"]["info"] == 0);
  CHECK(s["operations"]["ok"].get<int>() > 100);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
  REQUIRE(out.run->checks.find("liveness") != nullptr);
  CHECK(out.run->checks.find("liveness")->status == protocols::CheckStatus::held);
  // The trace carries each server's state for the viewer.
  for (sim::NodeId n = 0; n < 5; ++n) {
    for (const char* key : {"role", "term", "voted_for", "commit", "last_index", "last_term"}) {
      CHECK(out.sim->annotation(n, key) != nullptr);
    }
  }
}

TEST_CASE("raft: clients the bound does not cover are reported as not judged, not passed") {
  // rate=1: a client pauses up to 2 s between operations, which with a 1 s timeout is
  // more than the 1.5 s bound, so a client unanswered since the heal is not called stuck;
  // seed 4 has four at the deadline. The check holds and names them in its detail.
  const protocols::RunOutput out = swarm_run(4, {{"rate", "1"}});
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  const protocols::CheckOutcome* live = out.run->checks.find("liveness");
  REQUIRE(live != nullptr);
  CHECK(live->status == protocols::CheckStatus::held);
  CHECK(live->detail.starts_with("not judged: "));
  CHECK(live->detail.find("had no operation answered since the heal") != std::string::npos);
  // At 40 operations a second (a 50 ms pause) they are judged, and nothing is excused.
  // (Seed 4's own drawn rate, 2 a second, leaves one client unanswered and excused.)
  const protocols::RunOutput judged = swarm_run(4, {{"rate", "40"}});
  CHECK(judged.verdict() == sim::Verdict::ok);
  CHECK(judged.run->checks.find("liveness")->detail.empty());
}

TEST_CASE("raft: every feature works without faults and does what it says") {
  struct Case {
    std::vector<std::pair<std::string, std::string>> options;
    const char* fact;  // a summary counter that must be above zero
  };
  const std::vector<Case> cases = {
      {{{"pre_vote", "true"}, {"check_quorum", "true"}}, "leaders_elected"},
      {{{"read", "index"}}, "reads_index"},
      {{{"read", "lease"}}, "reads_local"},
      {{{"snapshot_interval", "20"}}, "snapshots_taken"},
      {{{"membership", "true"}, {"membership_interval", "200ms"}}, "membership_changes"},
      {{{"leader_noop", "false"}, {"servers", "3"}}, "leaders_elected"},
  };
  for (const Case& c : cases) {
    auto out = protocols::run_protocol(raft::protocol(), calm(7, c.options));
    const nlohmann::json s = out.run->summary(*out.sim);
    INFO(c.fact << " " << s.dump() << "\n" << findings_text(out));
    CHECK(out.result.verdict == sim::Verdict::ok);
    CHECK(protocols::linearizable(out) == std::optional<bool>(true));
    CHECK(s[c.fact].get<int>() > 0);
    CHECK(s["operations"]["ok"].get<int>() > 50);
  }
}

TEST_CASE("raft: a snapshot reaches a server that was down while the log was compacted") {
  // s4 is down for most of the run; the others compact every 10 entries, so when it
  // returns the entries it lacks are gone and only InstallSnapshot can catch it up.
  RunSpec spec = calm(3, {{"snapshot_interval", "10"}});
  spec.faults = sim::FaultProfile::none();
  const protocols::RunOutput out =
      protocols::run_protocol(raft::protocol(), spec, nullptr,
                              [](sim::Simulation& s, protocols::ProtocolRun&) {
        s.at(10 * sim::kMillisecond, "crash s4", [](sim::Simulation& sim) { sim.crash(4); });
        s.at(2 * sim::kSecond, "restart s4", [](sim::Simulation& sim) { sim.restart(4); });
      });
  INFO(out.run->summary(*out.sim).dump());
  INFO(findings_text(out));
  CHECK(out.result.verdict == sim::Verdict::ok);
  CHECK(out.run->summary(*out.sim)["snapshots_installed"].get<int>() >= 1);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
}

TEST_CASE(
    "raft: a seed is a run: the same seed twice, or its tape replayed, gives the same trace") {
  const protocols::Protocol p = raft::protocol();
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const RunSpec spec = protocols::swarm_spec(p, seed);
    auto first = protocols::run_protocol(p, spec);
    auto second = protocols::run_protocol(p, spec);
    REQUIRE(first.result.trace_hash == second.result.trace_hash);
    REQUIRE(first.result.events == second.result.events);
    hashes.insert(first.result.trace_hash);
    if (seed == 5) {
      auto replayed = protocols::run_protocol(
          p, spec, std::make_unique<sim::TapeChoices>(first.choices->tape()));
      CHECK(replayed.result.trace_hash == first.result.trace_hash);
      CHECK(replayed.result.tape_misfits == 0);
    }
  }
  CHECK(hashes.size() == 12);
}

TEST_CASE(
    "raft: correct Raft under swarm faults: no violation, and leaders and operations do happen") {
  // Each seed draws its configuration: the generic swarm profile (`faultline fuzz`). Safety is checked after every
  // event, liveness after the heal, linearizability at the end. The sweep must not pass
  // vacuously: the "sometimes" side of each property is counted too.
  const protocols::Protocol p = raft::protocol();
  std::uint64_t with_leader = 0, with_ok = 0, linearizable = 0, unknown = 0;
  std::uint64_t crashes = 0, drops = 0, duplicates = 0, elections = 0, info = 0;
  std::set<std::string> configurations;
  for (std::uint64_t seed = 1; seed <= kFastSweepSeeds; ++seed) {
    const RunSpec spec = protocols::swarm_spec(p, seed);
    auto out = protocols::run_protocol(p, spec);
    INFO("seed " << seed << " options " << nlohmann::json(out.config.options.as_text()).dump());
    INFO(findings_text(out));
    REQUIRE(out.result.verdict == sim::Verdict::ok);
    CHECK(final_state_disagreement(*out.sim, 5) == "");
    const nlohmann::json s = out.run->summary(*out.sim);
    elections += s["leaders_elected"].get<std::uint64_t>();
    if (s["leaders_elected"].get<int>() > 0) ++with_leader;
    if (s["operations"]["ok"].get<int>() > 0) ++with_ok;
    info += s["operations"]["info"].get<std::uint64_t>();
    if (protocols::linearizable(out) == std::optional<bool>(true))
      ++linearizable;
    else
      ++unknown;
    crashes += out.result.stats.crashes;
    drops += out.result.stats.messages_dropped;
    duplicates += out.result.stats.messages_duplicated;
    configurations.insert(nlohmann::json(out.config.options.as_text()).dump());
  }
  MESSAGE("raft sweep: " << kFastSweepSeeds << " seeds, " << configurations.size()
                         << " configurations, " << elections << " leaders elected, " << crashes
                         << " crashes, " << drops << " drops, " << info << " info ops, " << unknown
                         << " histories unknown to the checker");
  CHECK(with_leader == kFastSweepSeeds);
  CHECK(with_ok == kFastSweepSeeds);
  CHECK(unknown * 50 <= kFastSweepSeeds);  // the checker decides nearly every history
  CHECK(elections > 2 * kFastSweepSeeds);  // faults forced re-elections
  CHECK(crashes > kFastSweepSeeds / 2);
  CHECK(drops > kFastSweepSeeds);
  CHECK(duplicates > kFastSweepSeeds / 4);
  CHECK(configurations.size() > kFastSweepSeeds / 10);
}

namespace {

// Twice a second the leader is cut off from the other servers for 300 ms, and their
// clocks jump ahead by `jump`. The findings of the first seed (of ten) that has any.
std::vector<sim::Finding> lease_under_clock_jumps(sim::Duration jump) {
  const protocols::Protocol p = raft::protocol();
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    RunSpec spec = calm(seed, {{"read", "lease"}, {"rate", "50"}, {"mix", "get:60,put:40"}});
    auto cut_off_leaders = [jump](sim::Simulation& s, protocols::ProtocolRun&) {
      for (sim::Time t = 500 * sim::kMillisecond; t < 2500 * sim::kMillisecond;
           t += 500 * sim::kMillisecond) {
        s.at(t, "cut off the leader; the others' clocks jump ahead", [jump](sim::Simulation& sim) {
          std::vector<sim::NodeId> others;
          sim::NodeId leader = sim::kNoNode;
          for (sim::NodeId n = 0; n < 5; ++n) {
            const auto* server = sim.actor_as<raft::RaftServer>(n);
            if (server && server->node() && server->node()->role() == raft::Role::leader) {
              leader = n;
            } else {
              others.push_back(n);
            }
          }
          if (leader == sim::kNoNode) return;
          const std::uint32_t cut = sim.partition(
              sim::Partition{{sim::NodeSet::of({leader}), sim::NodeSet::of(others)}, false});
          for (sim::NodeId n : others) sim.clock_jump(n, jump);
          sim.at(sim.now() + 300 * sim::kMillisecond, "heal",
                 [cut](sim::Simulation& x) { x.heal(cut); });
        });
      }
    };
    const protocols::RunOutput out = protocols::run_protocol(p, spec, nullptr, cut_off_leaders);
    if (!out.result.findings.empty()) return out.result.findings;
  }
  return {};
}

}  // namespace

TEST_CASE("raft: lease reads hold within the clock bound and go stale beyond it") {
  // The followers' jumps shorten how long they wait before voting for someone else; the
  // old leader's lease, by its own clock, does not shrink. Within lease_margin (30 ms)
  // the lease still ends first; beyond it, a new leader commits writes while the old one
  // still answers reads from clients that talk to it: stale, as on real machines.
  CHECK(lease_under_clock_jumps(10 * sim::kMillisecond).empty());
  const std::vector<sim::Finding> beyond = lease_under_clock_jumps(150 * sim::kMillisecond);
  REQUIRE(beyond.size() == 1);
  CHECK(beyond[0].name == "linearizability");  // nothing else breaks: only the reads
}

TEST_CASE("raft: a cluster that cannot recover is reported as a liveness violation") {
  RunSpec spec = calm(2);
  spec.time_limit_ns = 4 * sim::kSecond;
  // The scripted timeline says its faults end at 1 s; the liveness deadline follows it...
  spec.scripted_heal_ns = 1 * sim::kSecond;
  const protocols::RunOutput out = protocols::run_protocol(
      raft::protocol(), spec, nullptr, [](sim::Simulation& s, protocols::ProtocolRun& run) {
        // ...but a majority, the leader among them, crashes and never comes back.
        s.at(500 * sim::kMillisecond, "crash a majority", [&run](sim::Simulation& sim) {
          const sim::NodeId leader = run.leader(sim).value();
          int crashed = 0;
          for (sim::NodeId n = 0; n < 5 && crashed < 3; ++n) {
            if (n != leader && crashed < 2) {
              sim.crash(n);
              ++crashed;
            }
          }
          sim.crash(leader);
        });
      });
  const sim::RunResult& r = out.result;
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].kind == sim::FindingKind::liveness);
  CHECK(r.findings[0].message.find("no leader committed an entry of its term") !=
        std::string::npos);
  CHECK(r.findings[0].time == 1 * sim::kSecond + 1500 * sim::kMillisecond);
  const protocols::CheckOutcome* liveness = out.run->checks.find("liveness");
  REQUIRE(liveness != nullptr);
  CHECK(liveness->status == protocols::CheckStatus::violated);
}

// Found by the bug bench (lease-longer-than-timeout, range from seed 1): without the
// no-op (leader_noop=false, drawn by swarm) and with clients writing twice a second, the
// leader elected after the heal had nothing of its term to commit for 600 ms, and the
// judge called the cluster stuck. A leader that appended nothing of its term and that a
// quorum acknowledged within the bound is working; the clients' own check still judges
// whether they are answered.
TEST_CASE("raft: an idle leader elected after the heal without the no-op is live (seed 369)") {
  const protocols::Protocol& p = raft::protocol();
  const protocols::RunOutput out =
      protocols::run_protocol(p, protocols::swarm_spec(p, 369, {"lease-longer-than-timeout"}));
  CHECK_FALSE(out.config.options.boolean("leader_noop"));
  const protocols::CheckOutcome* liveness = out.run->checks.find("liveness");
  REQUIRE(liveness != nullptr);
  CHECK(liveness->status == protocols::CheckStatus::held);
}

// Found trying a faster timing pair for the swarm (30 ms elections, 10 ms heartbeats,
// without the no-op): the leader elected after the heal at 8.045 s, answered by a quorum,
// got its first client request at 8.297 s; the judge looked at 8.3 s (the bound is ten
// election timeouts, 300 ms) and called the cluster stuck because that entry, 3 ms old,
// had not committed. A leader no quorum has answered since its first entry of the term,
// but that a quorum answered within the bound, is working.
TEST_CASE("raft: a leader whose first entry of the term is newer than every answer is live (seed 1177)") {
  const protocols::RunOutput out =
      swarm_run(1177, {{"election_timeout", "30ms"}, {"heartbeat", "10ms"}, {"leader_noop", "false"}});
  INFO(findings_text(out));
  const protocols::CheckOutcome* liveness = out.run->checks.find("liveness");
  REQUIRE(liveness != nullptr);
  CHECK(liveness->status == protocols::CheckStatus::held);
  CHECK(out.verdict() == sim::Verdict::ok);
}

// Found by the generic profile once it drew 10 ms heartbeats and 30 ms elections (seed
// 1,013,199, ReadIndex reads): s2 led term 11, crashed and restarted, and won term 12.
// Its previous life's AppendEntries, delayed, reached followers already in term 12, whose
// refusals carried term 12 and echoed the old read_seq (215, where the new life counted
// from 0). s2 took them as acknowledgements of its rounds, and once isolated it served
// every ReadIndex read at once: a get missed a put acknowledged 40 ms earlier. A refusal
// now echoes no read_seq or send time.
TEST_CASE("raft: refusals of a previous life's requests do not confirm a ReadIndex read (seed 1013199)") {
  const protocols::RunOutput out = swarm_run(1013199);
  CHECK(out.config.options.text("read") == "index");
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
}

// Ten administrators, each removing a server while its own view of the configuration
// has more than three, shrink it together to one voter. That voter's election timeout
// made it leader of a new term at once, in memory; its disk was full, so it halted
// before the term reached the disk, and restarted in the old term it voted for another
// server in the new one: "two leaders in term 16" (seed 224). It now leads only once
// its vote is durable (raft node test: a one-voter candidate ...).
TEST_CASE("raft: a one-voter configuration whose leader halts before its sync keeps one leader per term") {
  const protocols::RunOutput out =
      swarm_run(224, {{"membership", "true"}, {"leader_noop", "false"}, {"admins", "10"}});
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
}

// With election_timeout=20ms given, a drawn read=lease breaks "lease_margin (30 ms
// default) below election_timeout": the rule blames lease_margin, which was not drawn,
// so the draw whose quiet value alone satisfies the rule (read=log) is quieted.
TEST_CASE("raft: a swarm draw the given options rule out is quieted, not an error") {
  const protocols::Protocol& p = raft::protocol();
  int quieted = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    RunSpec spec = protocols::swarm_spec(p, seed);
    spec.options.set("election_timeout", "20ms");
    spec.options.set("heartbeat", "5ms");
    spec.time_limit_ns = 2 * sim::kSecond;
    const protocols::RunOutput out = protocols::run_protocol(p, spec);
    CHECK(out.config.options.text("read") != "lease");
    if (out.config.options.where("read").find("quiet: lease") != std::string::npos) ++quieted;
  }
  CHECK(quieted > 0);
}

// Administrators keep three voters and every server starts as one: membership on three
// servers changed nothing, silently (half the seeds of membership-no-term-commit's hunt).
// With membership given, a drawn servers=3 goes back to 5; when the drawn timing pair
// breaks its own rule as well (50 ms heartbeats, 30 ms elections), both go back, one rule
// at a time (that campaign ended with an error before).
TEST_CASE("raft: with membership on, the swarm's 3 servers go back to 5 - with a broken timing pair too") {
  const protocols::Protocol& p = raft::protocol();
  int servers_quieted = 0, both_quieted = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    RunSpec spec = protocols::swarm_spec(p, seed);
    spec.options.set("membership", "true");
    spec.time_limit_ns = 1 * sim::kSecond;
    const protocols::RunOutput out = protocols::run_protocol(p, spec);
    CHECK(out.config.options.integer("servers") == 5);
    const bool servers = out.config.options.where("servers").find("quiet: 3") != std::string::npos;
    const bool election =
        out.config.options.where("election_timeout").find("quiet: 30ms") != std::string::npos;
    servers_quieted += servers ? 1 : 0;
    both_quieted += servers && election ? 1 : 0;
  }
  CHECK(servers_quieted > 10);
  CHECK(both_quieted > 0);
  // Both drawn: membership goes back to off, and the drawn sizes stay.
  int membership_quieted = 0, three = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    RunSpec spec = protocols::swarm_spec(p, seed);
    spec.time_limit_ns = 1 * sim::kSecond;
    const protocols::RunOutput out = protocols::run_protocol(p, spec);
    const bool on = out.config.options.boolean("membership");
    CHECK((!on || out.config.options.integer("servers") >= 4));
    three += out.config.options.integer("servers") == 3 ? 1 : 0;
    membership_quieted += out.config.options.where("membership").find("quiet: true") != std::string::npos;
  }
  CHECK(membership_quieted > 5);
  CHECK(three > 20);
}

TEST_CASE("raft: bad options are clear errors") {
  auto fails = [](std::vector<std::pair<std::string, std::string>> options, const char* what) {
    RunSpec spec = calm(1, std::move(options));
    CHECK_THROWS_WITH_AS(protocols::run_protocol(raft::protocol(), spec), what,
                         protocols::BadInput);
  };
  fails({{"read", "fast"}}, "--set read: expected one of log|index|lease, got 'fast'");
  fails({{"heartbeat", "200ms"}},
        "--set heartbeat: the heartbeat (200ms) must be shorter than the election timeout (150ms)");
  fails({{"mix", "get:1,scan:2"}},
        "--set mix: expected op:weight pairs such as get:40,put:20,append:30,cas:10, got "
        "'get:1,scan:2'");
  fails({{"servers", "0"}}, "--set servers: expected int in [1, 64], got 0");
  fails({{"servers", "3"}, {"membership", "true"}},
        "--set membership: membership changes need at least 4 servers (there are 3): administrators "
        "keep at least three voters, and every server starts as one");
  // Each option's error names that option.
  fails({{"election_timeout", "0ms"}},
        "--set election_timeout: expected duration in [2ms, 4s], got 0ms");
  fails({{"election_timeout", "40ms"}, {"heartbeat", "50ms"}},
        "--set heartbeat: the heartbeat (50ms) must be shorter than the election timeout (40ms)");
  fails({{"election_timeout", "40ms"}},
        "--set election_timeout: the heartbeat (50ms) must be shorter than the election timeout "
        "(40ms)");
  RunSpec bug;
  bug.bugs = {"figure9"};
  CHECK_THROWS_AS(protocols::run_protocol(raft::protocol(), bug), protocols::BadInput);
}

TEST_CASE("raft: a linearizability search cut short by its work budget makes the run unknown, the same every time") {
  // The budget is configurations explored, not time: a run's verdict and hash never
  // depend on the machine (issue 8). One configuration cannot decide a busy history.
  RunSpec spec = calm(3, {{"clients", "5"}, {"rate", "40"}});
  spec.check_budget = 1;
  const protocols::RunOutput first = protocols::run_protocol(raft::protocol(), spec);
  const protocols::CheckOutcome* lin = first.run->checks.find("linearizability");
  REQUIRE(lin != nullptr);
  CHECK(lin->status == protocols::CheckStatus::unknown);
  CHECK(first.verdict() == sim::Verdict::unknown);
  const protocols::RunOutput second = protocols::run_protocol(raft::protocol(), spec);
  CHECK(second.run->checks.find("linearizability")->status == protocols::CheckStatus::unknown);
  CHECK(second.result.trace_hash == first.result.trace_hash);
  // With the default budget the same run is decided.
  spec.check_budget = 0;
  const protocols::RunOutput decided = protocols::run_protocol(raft::protocol(), spec);
  CHECK(decided.run->checks.find("linearizability")->status == protocols::CheckStatus::held);
}
