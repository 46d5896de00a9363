// The list of protocols, in the order `faultline list` shows them.
#include "protocols/registry.hpp"

#include "blockstore/blockstore.hpp"
#include "echo/echo.hpp"
#include "paxos/paxos.hpp"
#include "raft/raft.hpp"
#include "scheduler/scheduler.hpp"
#include "twopc/twopc.hpp"

namespace faultline::protocols {

const std::vector<Protocol>& all_protocols() {
  // One line per protocol: adding one touches one line here (and its #include above).
  static const std::vector<Protocol> protocols = {
      echo::protocol(),
      raft::protocol(),
      paxos::single_decree_protocol(),
      paxos::multi_protocol(),
      twopc::protocol(),
      blockstore::protocol(),
      scheduler::protocol(),
  };
  return protocols;
}

const Protocol* find_protocol(std::string_view name) {
  for (const Protocol& p : all_protocols()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace faultline::protocols
