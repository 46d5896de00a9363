#pragma once
// What the invariants see of the nodes: reports of votes and decisions at the moment they
// become visible to the world, and what a node restored from its disk.
//
// A pure node records a Report beside the messages it emits; its driver hands the reports
// to the observer when the round's messages go out — after the sync that makes them true
// (protocols/node_driver.hpp). So the observer hears "p1 voted yes" exactly when that
// vote leaves p1, and never about a vote a crash prevented. Observers only observe: they
// never change what a node does.
#include <cstdint>
#include <map>
#include <vector>

#include "twopc/twopc_types.hpp"

namespace faultline::twopc {

struct Report {
  enum class Kind : std::uint8_t {
    voted,                // participant: flag = yes; writes = what it will apply
    decided,              // participant: flag = commit; logged = the decision is durable
    coordinator_decided,  // coordinator: flag = commit; participants
    forgotten,            // coordinator: every acknowledgement came; the txn is dropped
  };
  Kind kind = Kind::voted;
  TxnId txn;
  bool flag = false;
  bool logged = false;
  bool by_peer = false;  // decided: learned from a peer (cooperative termination)
  std::vector<Write> writes = {};
  std::vector<NodeId> participants = {};
};

class TwopcObserver {
 public:
  virtual ~TwopcObserver() = default;
  virtual void report(NodeId node, const Report& report) = 0;
  // A participant booted: the transactions its log holds prepared and undecided, and the
  // decisions it holds.
  virtual void participant_restored(NodeId participant, const std::vector<TxnId>& in_doubt,
                                    const std::map<TxnId, bool>& decided) = 0;
  // A coordinator booted: the commit decisions its log holds and has not forgotten.
  virtual void coordinator_restored(NodeId coordinator, const std::vector<TxnId>& commits) = 0;
  // A client's read-all transaction committed, having read these balances in total.
  virtual void read_all_committed(NodeId client, TxnId txn, std::int64_t total) = 0;
};

}  // namespace faultline::twopc
