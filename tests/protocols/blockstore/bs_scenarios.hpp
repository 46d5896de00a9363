#pragma once
// The block store's counterexample scenarios, scripted: each is a run specification and
// a timeline of faults (the Prepare callback of run_protocol), to become a scenario file
// in scenarios/blockstore/ once the format lands. Each passes on the correct protocol
// and fails with its planted bug.
//
//  power_loss_after_ack      one writer, three data nodes; at 245 ms, right after the
//                            writer's second acknowledged append, all three data nodes lose
//                            power at once (crash: unsynced writes gone) and come back at
//                            345 ms. Correct: every acknowledged byte was synced on all
//                            three. With ack-before-sync: "acknowledged data is on every
//                            current replica" breaks at the power loss.
//  stale_replica_after_append one writer appending to one file, three data nodes, a data
//                            node declared dead after 300 ms of silence; dn2 crashes at
//                            1 s and restarts at 3 s, while appends reopen the file's last
//                            block on dn0 and dn1 under a new generation stamp. Correct:
//                            dn2's copy is stale, never listed, replaced. With
//                            serve-stale-replica: "the metadata server lists no stale
//                            replica" breaks when dn2 reports its old copy (t=3.0007s).
//  two_node_losses           five data nodes; dn0 is lost for good at 1 s, dn1 at 3 s.
//                            Correct: after each loss every block is copied back to three
//                            live replicas; the liveness check 2 s after the second loss
//                            holds. With count-dead-replicas: "liveness" breaks (blocks
//                            left with one or two live replicas).
#include <functional>
#include <memory>
#include <string>

#include "blockstore/blockstore.hpp"
#include "protocols/protocol.hpp"
#include "sim/simulation.hpp"

namespace faultline::blockstore::testing {

struct Scenario {
  std::string name;
  protocols::RunSpec spec;
  protocols::Prepare prepare;
};

inline protocols::RunSpec scenario_spec(std::uint64_t seed, sim::Time time_ns,
                                        std::vector<std::pair<std::string, std::string>> options) {
  protocols::RunSpec spec;
  spec.seed = seed;
  spec.time_limit_ns = time_ns;
  for (const auto& [k, v] : options) spec.options.set(k, v);
  return spec;
}

// From `at`, every `period` until `condition` holds once; then `action` (at that time).
inline void when(sim::Simulation& sim, sim::Time at, sim::Duration period,
                 std::function<bool(const sim::Simulation&)> condition,
                 std::function<void(sim::Simulation&)> action) {
  sim.at(at, "watch", [=](sim::Simulation& s) {
    if (condition(s)) action(s);
    else when(s, s.now() + period, period, condition, action);
  });
}

inline std::uint64_t sometimes(const sim::Simulation& sim, const protocols::ProtocolRun& run,
                               const std::string& name) {
  return run.summary(sim)["sometimes"][name].get<std::uint64_t>();
}

inline Scenario power_loss_after_ack(std::uint64_t seed = 1) {
  Scenario sc{"power loss of all three replicas after an acknowledged write",
             scenario_spec(seed, 4 * sim::kSecond,
                           {{"datanodes", "3"}, {"clients", "1"}, {"files", "1"},
                            {"read_percent", "30"}, {"range_percent", "0"}, {"block_size", "64"}}),
             {}};
  sc.spec.scripted_heal_ns = 345 * sim::kMillisecond;  // liveness judged from the power's return
  sc.prepare = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    // The writer's second append is acknowledged at 244.5 ms (seed 1); its block is
    // finalized, and so synced, a few milliseconds later.
    const std::vector<sim::NodeId> dns = run.groups.nodes("datanodes");
    sim.at(245 * sim::kMillisecond, "power loss", [dns](sim::Simulation& s) {
      for (sim::NodeId d : dns) s.crash(d);
    });
    sim.at(345 * sim::kMillisecond, "power back", [dns](sim::Simulation& s) {
      for (sim::NodeId d : dns) s.restart(d);
    });
  };
  return sc;
}

inline Scenario stale_replica_after_append(std::uint64_t seed = 1) {
  Scenario sc{"a stale replica returning after an append",
             scenario_spec(seed, 6 * sim::kSecond,
                           {{"datanodes", "3"}, {"clients", "1"}, {"files", "1"},
                            {"read_percent", "30"}, {"range_percent", "0"}, {"block_size", "64"},
                            {"rate", "20"}, {"dead_timeout", "300ms"}}),
             {}};
  sc.spec.scripted_heal_ns = 3 * sim::kSecond;
  sc.prepare = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    const sim::NodeId dn2 = run.groups.nodes("datanodes")[2];
    sim.at(1 * sim::kSecond, "crash dn2", [dn2](sim::Simulation& s) { s.crash(dn2); });
    sim.at(3 * sim::kSecond, "restart dn2", [dn2](sim::Simulation& s) { s.restart(dn2); });
  };
  return sc;
}

inline Scenario two_node_losses(std::uint64_t seed = 1) {
  Scenario sc{"two successive node losses",
             scenario_spec(seed, 6 * sim::kSecond,
                           {{"datanodes", "5"}, {"clients", "1"}, {"files", "1"},
                            {"read_percent", "30"}, {"range_percent", "0"}, {"rate", "20"}}),
             {}};
  sc.spec.scripted_heal_ns = 3 * sim::kSecond;
  sc.prepare = [](sim::Simulation& sim, protocols::ProtocolRun& run) {
    const std::vector<sim::NodeId> dns = run.groups.nodes("datanodes");
    sim.at(1 * sim::kSecond, "lose dn0", [&run, d = dns[0]](sim::Simulation& s) { lose_datanode(s, run, d); });
    sim.at(3 * sim::kSecond, "lose dn1", [&run, d = dns[1]](sim::Simulation& s) { lose_datanode(s, run, d); });
  };
  return sc;
}

}  // namespace faultline::blockstore::testing
