#pragma once
// The actor that runs a RaftNode on a simulated server: the thin adapter between the
// pure state machine and the world.
//
// Its loop: wait for a message or the node's next deadline; feed every message that is
// waiting (a batch) and the timers to the node; then perform the effects in the order
// that makes them safe — write the snapshot, log and hard state, sync, and only then
// send (Figure 2: persistent state is "updated on stable storage before responding to
// RPCs"); tell the node what is now stable; publish the node's state as annotations.
// On restart it rebuilds the node from what the disk durably held.
#include <optional>

#include "raft/raft_node.hpp"
#include "raft/raft_storage.hpp"
#include "sim/simulation.hpp"

namespace faultline::raft {

class RaftServer final : public sim::Actor {
 public:
  RaftServer(NodeConfig config, RaftObserver* observer)
      : config_(std::move(config)), observer_(observer) {}
  void run(sim::Context& ctx) override;

  // nullptr until the node has loaded its state.
  const RaftNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  class ContextRandom final : public RaftRandom {
   public:
    explicit ContextRandom(sim::Context& ctx) : ctx_(ctx) {}
    std::uint64_t below(std::uint64_t n) override { return ctx_.random(n); }

   private:
    sim::Context& ctx_;
  };

  void feed(sim::Context& ctx, const sim::Envelope& message);
  void perform_effects(sim::Context& ctx, RaftStorage& storage);
  bool write(RaftStorage& storage);
  void send_all(sim::Context& ctx, std::vector<Outgoing>& messages);
  void annotate(sim::Context& ctx);

  NodeConfig config_;
  RaftObserver* observer_;
  std::optional<ContextRandom> random_;
  std::optional<RaftNode> node_;
  std::vector<Outgoing> outbox_;

  struct Published {
    Role role = Role::follower;
    Term term = 0;
    NodeId voted_for = kNoNode;
    LogIndex commit = 0;
    LogIndex last_index = 0;
    Term last_term = 0;
    Config config;
    bool any = false;
  } published_;
};

}  // namespace faultline::raft
