#pragma once
// Two-phase commit with presumed abort over a sharded bank, under crashes of coordinators
// and participants, partitions, lossy links, clock and disk faults.
//
//   coordinators co0..   CoordinatorServer (twopc_servers.hpp) running a Coordinator each
//   participants p0..    ParticipantServer running a Participant: a shard of the accounts
//   clients c0..         BankClient: transfers between shards, and read-all-balances
//
// Checked as the run goes (twopc_invariants.hpp): atomicity, validity, durability,
// conservation, and the kit's "durable state never goes back". At the end: "conservation
// at end" and the history's strict serializability (linearizability of the transactions
// in the checker's multi-register model, from the initial balances). Liveness: once the
// faults have healed (every crashed node restarted, the coordinator up), within
// liveness_bound no participant still holds a transaction in doubt that it prepared
// before the heal, and no client still waits on a transaction it began before it. A
// coordinator that stays down while participants are prepared is 2PC's blocking case:
// the liveness check reports the participants stuck holding their locks.
//
// Options (--set name=value) and planted bugs (--bug name) are listed by protocol().
// The explorer's small configuration: --set participants=3 --set clients=1 --set txns=1.
#include "protocols/protocol.hpp"
#include "twopc/twopc_client.hpp"
#include "twopc/twopc_coordinator.hpp"
#include "twopc/twopc_participant.hpp"

namespace faultline::twopc {

protocols::Protocol protocol();
// Named small configurations for `faultline explore`, and the pure world that explores
// them without re-running the simulator (twopc_explore.cpp).
std::vector<protocols::ExplorePreset> explore_presets();
protocols::ExploreFactory explore_factory();

struct TwopcParams {
  int coordinators = 1;
  int participants = 3;
  int clients = 3;
  int accounts_per_participant = 2;
  BankWorkload workload;          // node ids filled in at setup
  ParticipantConfig participant;  // id, index and keys filled in per participant
  CoordinatorConfig coordinator;  // id and index filled in per coordinator
  Duration liveness_bound_ns = sim::kSecond;
};

// The run's options as parameters (checked by the protocol's option table).
TwopcParams read_params(const protocols::RunConfig& run);

}  // namespace faultline::twopc
