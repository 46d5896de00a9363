// The list of protocols, in the order `faultline list` shows them.
#include "protocols/registry.hpp"

#include "blockstore/blockstore.hpp"
#include "echo/echo.hpp"
#include "raft/raft.hpp"

namespace faultline::protocols {

const std::vector<Protocol>& all_protocols() {
  static const std::vector<Protocol> protocols = {echo::protocol(), raft::protocol(),
                                                    blockstore::protocol()};
  return protocols;
}

const Protocol* find_protocol(std::string_view name) {
  for (const Protocol& p : all_protocols()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace faultline::protocols
