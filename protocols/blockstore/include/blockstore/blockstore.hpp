#pragma once
// blockstore: an HDFS-like replicated block store on the protocol kit. One metadata
// server (group `namenode`, node `nn`), data nodes (`datanodes`: dn0..), clients
// (`clients`: c0..). docs/blockstore.md describes the design, the checks and the
// planted bugs; the headers beside this one hold each part:
//
//   bs_types.hpp      blocks, generation stamps, replicas, leases
//   bs_messages.hpp   every message
//   bs_namespace.hpp  the metadata server's durable namespace and its log of edits
//   bs_namenode.hpp   the metadata server (pure)      bs_datanode.hpp  a data node (pure)
//   bs_storage.hpp    on-disk layouts; verified reads and writes
//   bs_servers.hpp    the actors that drive the pure nodes
//   bs_client.hpp     clients and their workload
//   bs_checker.hpp    the safety properties
#include <cstdint>
#include <string>

#include "protocols/protocol.hpp"

namespace faultline::blockstore {

protocols::Protocol protocol();

// The environment loses a data node for good, disk and all (the node_losses option does
// it at random times; a scenario's timeline may name the node): it crashes, its disk is
// wiped, and it never restarts. Counts against the budget of replication - 1 losses.
void lose_datanode(sim::Simulation& sim, protocols::ProtocolRun& run, sim::NodeId node);

}  // namespace faultline::blockstore
