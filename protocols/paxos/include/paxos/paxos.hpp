#pragma once
// Paxos two ways (Lamport, "Paxos Made Simple", 2001):
//
//  paxos       single-decree Paxos for teaching: proposers, acceptors and learners as
//              separate nodes (roles=separate: p0.., a0.., l0..) or every server all three
//              (roles=combined: s0..). Each proposer attempts again and again to get a
//              value chosen; each attempt is a client operation on a write-once register
//              (the checker's cas-register model). paxos_node.hpp has the roles.
//  multipaxos  a replicated log of key-value commands (protocols/kv) under a distinguished
//              leader that runs phase 1 once for every future slot and phase 2 per slot;
//              a new leader re-proposes what was accepted in open slots and fills gaps
//              with no-ops; replicas apply in slot order; kv::KvClient clients with
//              sessions for exactly-once. multipaxos_node.hpp has the server.
//
// Checked as the run goes (paxos_invariants.hpp): agreement, validity, p2c, promises
// kept, learned is chosen, one value per ballot, and the kit's "durable state never goes
// back". At the end: the client history is linearizable. Liveness after the faults heal:
// every proposer's attempt completes and every learner learns (paxos); a leader is working
// and clients are answered (multipaxos).
//
// Options (--set name=value) and planted bugs (--bug name) are listed by each protocol().
#include "paxos/paxos_node.hpp"
#include "protocols/protocol.hpp"

namespace faultline::paxos {

protocols::Protocol single_decree_protocol();
protocols::Protocol multi_protocol();

// Both protocols' planted bugs from a run's configuration.
Bugs read_bugs(const protocols::RunConfig& run);

struct SingleParams {
  bool combined = false;  // every server is proposer, acceptor and learner
  int acceptors = 3;      // combined: the number of servers
  int proposers = 2;
  int learners = 1;
  SingleConfig node;  // timing and bugs (roles and ids filled per node)
  Duration liveness_bound_ns = 0;
};
SingleParams read_single_params(const protocols::RunConfig& run);

}  // namespace faultline::paxos
