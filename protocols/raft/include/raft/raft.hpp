#pragma once
// Raft (Ongaro & Ousterhout 2014) with a linearizable key-value service on top, under
// every fault the simulator injects.
//
//   servers s0..s{n-1}   RaftServer actors (raft_server.hpp) running a RaftNode each
//   clients c0..         kv::KvClient actors: get / put / append / cas, with sessions
//   admins a0..          RaftAdmin (with membership=true): single-server changes
//
// Checked as the run goes (raft_invariants.hpp): Election Safety, Leader Append-Only,
// Log Matching, Leader Completeness, State Machine Safety, Durability, and the kit's
// "durable state never goes back" (term and vote across restarts). At the end: the
// client history is linearizable (the checker's kv model). Liveness: once the fault
// schedule has healed everything, within `liveness_bound` a leader is working (one
// committed an entry of its own term since the heal, or one that had still leads), and
// every client still working has an operation answered.
//
// Options (--set name=value) and planted bugs (--bug name) are listed by protocol().
#include <memory>

#include "kv/kv_client.hpp"
#include "protocols/protocol.hpp"
#include "raft/raft_admin.hpp"
#include "raft/raft_node.hpp"

namespace faultline::raft {

protocols::Protocol protocol();

struct RaftParams {
  int servers = 5;
  kv::Workload workload;   // clients, keys, mix, rate, ... (protocols/kv)
  NodeConfig node;         // timing, features and bugs (id and servers filled per server)
  bool membership = false;
  int admins = 1;
  Duration membership_interval_ns = 500 * sim::kMillisecond;
  Duration liveness_bound_ns = 0;  // after the last fault heals; 0: 10 election timeouts
};

// The run's options as Raft's parameters (checked by the protocol's option table).
RaftParams read_params(const protocols::RunConfig& run);

}  // namespace faultline::raft
