// The block store on the simulator: progress and linearizability without faults,
// determinism and replay, a small configuration, the recovery paths under scripted
// faults, a sweep of correct runs under swarm faults with its "sometimes" paths, option
// errors, and the three counterexample scenarios (pass correct, fail with their bug).
#include <doctest/doctest.h>

#include "blockstore/blockstore.hpp"
#include "blockstore/bs_client.hpp"
#include "bs_hunt.hpp"
#include "bs_scenarios.hpp"
#include "protocols/options.hpp"

using namespace faultline;
using blockstore::testing::blockstore_protocol;
using blockstore::testing::findings_text;
using protocols::RunSpec;

namespace {

#ifdef FAULTLINE_SANITIZE
constexpr std::uint64_t kFastSweepSeeds = 6;
#else
constexpr std::uint64_t kFastSweepSeeds = 30;
#endif

RunSpec calm(std::uint64_t seed, std::vector<std::pair<std::string, std::string>> options = {},
             sim::Time time = 4 * sim::kSecond) {
  return blockstore::testing::scenario_spec(seed, time, std::move(options));
}

std::uint64_t count(const protocols::RunOutput& out, const std::string& name) {
  return blockstore::testing::sometimes(*out.sim, *out.run, name);
}

// Swarm seed `seed` of the generic profile with `options` fixed, as a template gives them.
protocols::RunOutput swarm_run(std::uint64_t seed, std::vector<std::pair<std::string, std::string>> options) {
  const protocols::Protocol& p = blockstore_protocol();
  RunSpec spec = protocols::swarm_spec(p, seed);
  for (const auto& [k, v] : options) spec.options.set(k, v);
  return protocols::run_protocol(p, spec);
}

}  // namespace

TEST_CASE("blockstore: without faults every append is acknowledged and the history is linearizable") {
  auto out = protocols::run_protocol(blockstore_protocol(), calm(1));
  INFO(findings_text(out));
  REQUIRE(out.verdict() == sim::Verdict::ok);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
  CHECK(count(out, "appends_ok") > 50);
  CHECK(count(out, "appends_info") == 0);
  CHECK(count(out, "appends_fail") == 0);
  CHECK(count(out, "reads_ok") > 20);
  CHECK(count(out, "range_reads") > 5);
  CHECK(count(out, "appends_reopened") > 5);  // appends go on in a block with room
  CHECK(count(out, "pipeline_recoveries") == 0);
  CHECK(count(out, "lease_recoveries") == 0);
  const nlohmann::json s = out.run->summary(*out.sim);
  CHECK(s["blocks_complete"].get<int>() >= 5);
  REQUIRE(out.run->checks.find("liveness") != nullptr);
  CHECK(out.run->checks.find("liveness")->status == protocols::CheckStatus::held);
}

TEST_CASE("blockstore: a run is a function of its seed, and replays from its tape") {
  const RunSpec spec = protocols::swarm_spec(blockstore_protocol(), 3);
  auto a = protocols::run_protocol(blockstore_protocol(), spec);
  auto b = protocols::run_protocol(blockstore_protocol(), spec);
  CHECK(a.result.trace_hash == b.result.trace_hash);
  CHECK(a.result.events == b.result.events);
  auto replayed = protocols::run_protocol(blockstore_protocol(), spec,
                                          std::make_unique<sim::TapeChoices>(a.choices->tape()));
  CHECK(replayed.result.trace_hash == a.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  auto other = protocols::run_protocol(blockstore_protocol(), protocols::swarm_spec(blockstore_protocol(), 4));
  CHECK(other.result.trace_hash != a.result.trace_hash);
}

TEST_CASE("blockstore: a small configuration (2 data nodes, replication 2, 1 client) is cheap and correct") {
  auto out = protocols::run_protocol(
      blockstore_protocol(),
      calm(2, {{"datanodes", "2"}, {"replication", "2"}, {"clients", "1"}, {"files", "1"}}, 2 * sim::kSecond));
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  CHECK(count(out, "appends_ok") > 5);
  CHECK(out.sim->node_count() == 4);
  CHECK(out.result.events < 20000);
}

TEST_CASE("blockstore: a data node crashing mid-write: the pipeline recovers, nothing acknowledged is lost") {
  auto out = protocols::run_protocol(
      blockstore_protocol(), calm(1, {{"datanodes", "3"}, {"files", "1"}, {"rate", "40"}}),
      nullptr, [](sim::Simulation& sim, protocols::ProtocolRun& run) {
        const sim::NodeId dn1 = run.groups.nodes("datanodes")[1];
        sim.at(sim::kSecond, "crash dn1", [dn1](sim::Simulation& s) { s.crash(dn1); });
        sim.at(2 * sim::kSecond, "restart dn1", [dn1](sim::Simulation& s) { s.restart(dn1); });
      });
  INFO(findings_text(out));
  REQUIRE(out.verdict() == sim::Verdict::ok);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
  CHECK(count(out, "pipeline_recoveries") >= 1);
  CHECK(count(out, "re_replications") >= 1);  // the blocks written without dn1 get their third copy
}

TEST_CASE("blockstore: a writer that dies holding its lease: the file is recovered and written again") {
  auto out = protocols::run_protocol(
      blockstore_protocol(), calm(1, {{"files", "1"}, {"rate", "40"}}), nullptr,
      [](sim::Simulation& sim, protocols::ProtocolRun& run) {
        const sim::NodeId c0 = run.groups.nodes("clients")[0];
        blockstore::testing::when(
            sim, sim::kMillisecond, sim::kMillisecond,
            [c0](const sim::Simulation& s) {
              const auto* client = s.actor_as<blockstore::BsClient>(c0);
              return s.now() > 500 * sim::kMillisecond && client && !client->writing().empty();
            },
            [c0](sim::Simulation& s) { s.crash(c0); });  // and never back
      });
  INFO(findings_text(out));
  REQUIRE(out.verdict() == sim::Verdict::ok);
  CHECK(count(out, "lease_recoveries") >= 1);
  CHECK(protocols::linearizable(out) == std::optional<bool>(true));
}

TEST_CASE("blockstore: correct runs under swarm faults hold every property, and take the recovery paths") {
  const auto r = blockstore::testing::sweep(1, kFastSweepSeeds);
  std::string failures;
  for (const auto& [seed, text] : r.failures) failures += "seed " + std::to_string(seed) + ": " + text;
  INFO(failures);
  CHECK(r.failures.empty());
  CHECK(r.unknown == 0);
  for (const char* path : {"appends_ok", "reads_ok", "pipeline_recoveries", "re_replications",
                           "lease_recoveries", "stale_invalidated", "datanodes_declared_dead",
                           "namenode_restarts", "blocks_reallocated"}) {
    CAPTURE(path);
    CHECK(r.runs_with.count(path) == 1);
  }
#ifndef FAULTLINE_SANITIZE
  for (const char* path : {"corrupt_reported", "node_losses", "surplus_invalidated", "appends_reopened"}) {
    CAPTURE(path);
    CHECK(r.runs_with.count(path) == 1);
  }
#endif
}

// Found by a 20,000-seed sweep of the generic profile (seeds 500,001-520,000): the only
// replica of the last block, under construction, went with a data node lost for good,
// and the metadata server restarted at the heal (renewing every lease, and knowing no node
// of the block, since a pipeline is not logged). No read can finish, as in HDFS; the
// liveness check took the file for an ordinary open one (its lease looked fresh) and
// reported that no operation succeeded. It now sees the file is stranded.
TEST_CASE("blockstore: a file stranded by a node loss is not a liveness failure (seed 512060)") {
  const protocols::Protocol& p = blockstore_protocol();
  protocols::RunOutput out = protocols::run_protocol(p, protocols::swarm_spec(p, 512060, {}));
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  CHECK(count(out, "node_losses") == 1);
  CHECK(count(out, "reads_fail") >= 1);
}

// 16-byte blocks and 50-piece sessions make 128 blocks; a data node lost for good left
// about a hundred of them to copy, at 8 per 100 ms from the dead timeout (9 s): more than
// the 2 s bound allows, and 2 blocks were still short at 10 s. The server was copying at
// its rate all along, so re-replication is not judged (and says so); a server that does
// not copy (bug count-dead-replicas) is still caught (blockstore bug tests).
TEST_CASE("blockstore: re-replication is judged within what the server's copy rate allows (seed 123)") {
  const protocols::RunOutput out = swarm_run(123, {{"block_size", "16"}, {"max_pieces", "50"}});
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  CHECK(count(out, "node_losses") == 1);
  const protocols::CheckOutcome* note = out.run->checks.find("re-replication within the bound");
  REQUIRE(note != nullptr);
  CHECK(note->status == protocols::CheckStatus::skipped);
  CHECK(note->detail.find("copies since the heal") != std::string::npos);
  CHECK(note->detail.find("not judged") != std::string::npos);
}

// With lease_timeout=10ms, "no file open long after its lease lapsed" allowed twice the
// lease, 20 ms: shorter than the 100 ms monitor round in which the server notices a
// lapsed lease. The allowance now adds two monitor rounds (seed 185 was called stuck
// 24.5 ms after the renewal).
TEST_CASE("blockstore: a lapsed lease is given the server's monitor rounds to be recovered (seed 185)") {
  const protocols::RunOutput out = swarm_run(185, {{"lease_timeout", "10ms"}, {"safe_mode", "0ms"}});
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  CHECK(count(out, "lease_recoveries") > 0);
}

TEST_CASE("blockstore: a recovery waiting on a lost node ends before the server starts another") {
  // ack_timeout=300ms: each recovery phase waits 600 ms for a node that does not answer,
  // and the server replaced the recovery every 500 ms, so a file whose last block had a
  // lost node in its pipeline stayed open for good (swarm seeds 13 and 15 failed liveness).
  for (std::uint64_t seed : {13, 15}) {
    const protocols::RunOutput out =
        swarm_run(seed, {{"ack_timeout", "300ms"}, {"node_losses", "1"}});
    INFO("seed " << seed << "\n" << findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
    CHECK(out.run->checks.find("liveness")->status == protocols::CheckStatus::held);
  }
}

TEST_CASE("blockstore: clients blocked by a lease longer than the bound are not called stuck") {
  // lease_timeout=8s: a vanished writer's file, or every file after a server restart
  // (which renews every lease), is refused to others for 8 s; seed 13 was called stuck.
  const protocols::RunOutput out = swarm_run(13, {{"lease_timeout", "8s"}});
  INFO(findings_text(out));
  CHECK(out.verdict() == sim::Verdict::ok);
  // The clause was not judged, and the check says so rather than reading as a pass.
  const protocols::CheckOutcome* live = out.run->checks.find("liveness");
  REQUIRE(live != nullptr);
  CHECK(live->status == protocols::CheckStatus::held);
  CHECK(live->detail.starts_with("not judged: no client operation succeeded since the heal"));
  CHECK(live->data.contains("not_judged"));
  // With the default lease the clause is judged, and nothing is excused.
  const protocols::RunOutput judged = swarm_run(13, {});
  CHECK(judged.verdict() == sim::Verdict::ok);
  CHECK(judged.run->checks.find("liveness")->detail.empty());
}

TEST_CASE("blockstore: bad options are refused, naming the option") {
  auto refused = [](std::vector<std::pair<std::string, std::string>> options, const std::string& named) {
    RunSpec spec = calm(1, std::move(options));
    try {
      protocols::resolve_run(blockstore_protocol(), spec);
      FAIL("accepted");
    } catch (const protocols::BadInput& e) {
      CHECK(e.where().find(named) != std::string::npos);
    }
  };
  refused({{"replication", "5"}}, "replication");
  refused({{"datanodes", "2"}}, "datanodes");
  refused({{"node_losses", "3"}}, "node_losses");
  refused({{"datanodes", "4"}, {"node_losses", "2"}}, "datanodes");
  refused({{"heartbeat", "2s"}}, "heartbeat");
  refused({{"read_percent", "80"}, {"range_percent", "30"}}, "range_percent");
  refused({{"block_size", "8"}}, "block_size");
}

// Swarm draws do not see the options a user fixed: with replication=1 given, a drawn
// node_losses=1 breaks "at most replication - 1", and fuzzing such a template failed at
// once. The drawn option the rule blames goes back to its quiet value (0); a rule the
// user's own options break is still an error.
TEST_CASE("blockstore: a swarm draw that breaks a rule with the given options takes its quiet value") {
  int quieted = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const protocols::RunOutput out = swarm_run(seed, {{"datanodes", "2"}, {"replication", "1"}});
    INFO("seed " << seed << ": " << findings_text(out));
    CHECK(out.verdict() == sim::Verdict::ok);
    CHECK(out.config.options.integer("node_losses") == 0);
    const bool quiet = out.config.options.where("node_losses").find("quiet") != std::string::npos;
    quieted += quiet ? 1 : 0;
    // The run's summary says so: the value drawn, beside the one it ran with.
    const nlohmann::json summary = protocols::run_summary(
        blockstore_protocol(), protocols::swarm_spec(blockstore_protocol(), seed), out);
    CHECK(summary["swarm"]["node_losses"] == "0");
    CHECK(summary.contains("swarm_quieted") == quiet);
    if (quiet) CHECK(summary["swarm_quieted"] == nlohmann::json{{"node_losses", "1"}});
  }
  CHECK(quieted > 0);  // the swarm drew node_losses=1 for some of these seeds
  CHECK_THROWS_AS(swarm_run(1, {{"replication", "1"}, {"node_losses", "1"}}), protocols::BadInput);
}

// ---------------------------------------------------------------- the scenarios

namespace {

protocols::RunOutput run_scenario(const blockstore::testing::Scenario& s, std::vector<std::string> bugs) {
  RunSpec spec = s.spec;
  spec.bugs = std::move(bugs);
  return protocols::run_protocol(blockstore_protocol(), spec, nullptr, s.prepare);
}

void passes_and_fails(const blockstore::testing::Scenario& s, const std::string& bug,
                      const std::vector<std::string>& properties) {
  auto ok = run_scenario(s, {});
  INFO(s.name << " (correct): " << findings_text(ok));
  CHECK(ok.verdict() == sim::Verdict::ok);
  CHECK(protocols::linearizable(ok) == std::optional<bool>(true));
  auto bad = run_scenario(s, {bug});
  INFO(s.name << " (" << bug << "): " << findings_text(bad));
  REQUIRE(bad.verdict() == sim::Verdict::violation);
  REQUIRE_FALSE(bad.result.findings.empty());
  CHECK(std::find(properties.begin(), properties.end(), bad.result.findings[0].name) != properties.end());
  MESSAGE(s.name << " with " << bug << ": " << sim::describe_finding(bad.result.findings[0], bad.sim.get()));
}

}  // namespace

TEST_CASE("blockstore scenario: power loss of all three replicas after an acknowledged write") {
  passes_and_fails(blockstore::testing::power_loss_after_ack(), "ack-before-sync",
                   {"acknowledged data is on every current replica", "acknowledged data survives"});
}

TEST_CASE("blockstore scenario: a stale replica returning after an append") {
  passes_and_fails(blockstore::testing::stale_replica_after_append(), "serve-stale-replica",
                   {"the metadata server lists no stale replica"});
}

TEST_CASE("blockstore scenario: two successive node losses") {
  passes_and_fails(blockstore::testing::two_node_losses(), "count-dead-replicas", {"liveness"});
}
