#pragma once
// TLA+'s TwoPhase (Gray and Lamport, "Consensus on Transaction Commit", 2006), the model
// Stateright's 2PC example encodes, as actors: twopc's `model=twophase`.
//
// One transaction manager (TM, the coordinator "co0") and N resource managers (RMs, the
// participants "p0".."pN-1"). The spec's actions, each one step of one node:
//
//   TMRcvPrepared(r)   TM in init gets r's Prepared: r joins tmPrepared
//   TMCommit           TM in init with every RM prepared: committed, Commit to every RM
//   TMAbort            TM in init: aborted, Abort to every RM
//   RMPrepare(r)       r working: prepared, Prepared to the TM
//   RMChooseToAbort(r) r working: aborted
//   RMRcvCommitMsg(r)  r gets Commit: committed
//   RMRcvAbortMsg(r)   r gets Abort: aborted
//
// TLA+'s `msgs` is a set that only grows: a message once sent can be received again, by
// anyone it is for, at any later step. In the simulator's explore mode the setup makes the
// network such a set (Simulation::set_explore_message_set); in a normal run it is the
// ordinary network, and a message arrives once.
//
// The spontaneous actions (TMCommit, TMAbort, RMPrepare, RMChooseToAbort) are messages a
// node sends itself (Act): an RM sends itself `prepare` and `choose abort` when it boots
// working, the TM `abort` when it boots in init and `commit` once every RM is prepared.
// In the message set they stay in flight for good, and a delivery that finds its node past
// the action changes nothing. So a state of this world is a state of the spec and back:
// the RMs' states, the TM's state and tmPrepared, and the messages (the Acts in flight
// are a function of the rest), and the two have the same number of states (288 for 3 RMs,
// 1,745,408 for 8: Stateright's counts).
//
// Each node keeps its state in one durable slot, synced before the messages that follow
// from it, so a crash in a normal run loses nothing a message told; TwoPhase has no
// retransmission, so a message lost to a crash or a drop may leave an RM prepared for good.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "protocols/explore.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/protocol.hpp"
#include "sim/message.hpp"

namespace faultline::twopc::twophase {

using sim::NodeId;

enum class RmState : std::uint8_t { working, prepared, committed, aborted };
enum class TmState : std::uint8_t { init, committed, aborted };
std::string_view rm_state_name(RmState s);
std::string_view tm_state_name(TmState s);

// RM -> TM: RMPrepare's message.
struct Prepared {
  static constexpr std::string_view kName = "twophase_prepared";
  static constexpr bool kHashBytes = true;
  std::uint32_t rm = 0;  // the RM's index
  void describe(sim::Fields& f) const { f("rm", rm); }
};

// TM -> every RM: TMCommit's and TMAbort's message.
struct Decision {
  static constexpr std::string_view kName = "twophase_decision";
  static constexpr bool kHashBytes = true;
  std::uint8_t commit = 0;
  void describe(sim::Fields& f) const { f("commit", commit != 0); }
};

// A node to itself: one of the spec's actions that no message enables.
enum class Action : std::uint8_t { prepare, choose_abort, commit, abort };
std::string_view action_name(Action a);
struct Act {
  static constexpr std::string_view kName = "twophase_act";
  static constexpr bool kHashBytes = true;
  Action action = Action::prepare;
  void describe(sim::Fields& f) const { f("action", action_name(action)); }
};

// A resource manager, pure: its state and the messages a step asks to send.
class ResourceManager {
 public:
  ResourceManager(NodeId self, NodeId tm, std::uint32_t index, RmState state);
  // After a boot: the spontaneous actions still open to it.
  void start();
  // One message: empty when it acted on it, else why not.
  std::string_view step(const sim::Envelope& m);
  RmState state() const { return state_; }
  std::uint32_t index() const { return index_; }
  // Its state changed since the last persist (cleared by persisted()).
  bool dirty() const { return dirty_; }
  void persisted() { dirty_ = false; }
  std::vector<protocols::Outgoing>& out() { return out_; }
  const std::vector<protocols::Outgoing>& out() const { return out_; }

 private:
  void become(RmState s);
  NodeId self_, tm_;
  std::uint32_t index_;
  RmState state_;
  bool dirty_ = false;
  std::vector<protocols::Outgoing> out_;
};

// The transaction manager, pure. tmPrepared is a bit mask (at most 64 RMs).
class TransactionManager {
 public:
  // `rms`: the RMs' node ids, by index (shared: the explorer copies a TM at every step).
  TransactionManager(NodeId self, std::shared_ptr<const std::vector<NodeId>> rms, TmState state,
                     std::uint64_t prepared);
  void start();
  std::string_view step(const sim::Envelope& m);
  TmState state() const { return state_; }
  std::uint64_t prepared() const { return prepared_; }
  bool all_prepared() const { return prepared_ == all_; }
  bool dirty() const { return dirty_; }
  void persisted() { dirty_ = false; }
  std::vector<protocols::Outgoing>& out() { return out_; }
  const std::vector<protocols::Outgoing>& out() const { return out_; }

 private:
  void decide(bool commit);
  NodeId self_;
  std::shared_ptr<const std::vector<NodeId>> rms_;
  TmState state_;
  std::uint64_t prepared_;
  std::uint64_t all_;
  bool dirty_ = false;
  std::vector<protocols::Outgoing> out_;
};

// TLA+'s TCConsistent (Stateright's "consistent"): no RM committed while another aborted.
// Empty when it holds, else which two disagree.
std::string consistency_violation(const std::vector<RmState>& rms);

// The model's run: its nodes, the invariant checked after every event, and the message
// set for explore mode. `rms` resource managers.
std::unique_ptr<protocols::ProtocolRun> setup(sim::Simulation& sim, const protocols::RunConfig& config,
                                              int rms);

// Its pure world for the explorer; null where it does not model the budgets (crashes,
// restarts and copies: a copy in a set is the message itself). Drops are modelled.
std::unique_ptr<protocols::ExploreWorld> explore_world(const protocols::RunConfig& config,
                                                       const protocols::ExploreSpec& spec, int rms);

}  // namespace faultline::twopc::twophase
