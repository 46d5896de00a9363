#pragma once
// The actor that runs a RaftNode on a simulated server: the kit's NodeHost driving the
// pure state machine (protocols/node_driver.hpp). The driver waits for a message or the
// node's next deadline, steps every message waiting (one batch, one sync), ticks the
// timers, then persists — snapshot, log, hard state — syncs, publishes the node's state
// and only then sends (Figure 2: persistent state is "updated on stable storage before
// responding to RPCs"). On restart it rebuilds the node from what the disk durably held.
//
// Durable facts (checked by the kit at every restart): the term, and the vote within it.
#include <optional>

#include "protocols/node_driver.hpp"
#include "raft/raft_node.hpp"
#include "raft/raft_storage.hpp"

namespace faultline::raft {

class RaftServer final : public protocols::NodeHost {
 public:
  RaftServer(NodeConfig config, RaftObserver* observer, protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer) {}

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

  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& message) override {
    return node_->step(now, message);
  }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->next_deadline_name(); }
  void end_batch(Time now) override { node_->flush(now); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override {
    out.swap(node_->effects().messages);
  }
  void persisted(sim::DiskHandle& disk, Time now) override;
  bool has_ready() const override {
    return !node_->effects().empty() || node_->log().has_unstable();
  }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;
  // Planted bug `no-persist-log`: acknowledges appended entries, then syncs.
  bool send_before_sync() const override {
    return config_.bugs.no_persist_log && !hard_state_written_;
  }

  NodeConfig config_;
  RaftObserver* observer_;
  std::optional<ContextRandom> random_;
  std::optional<RaftStorage> storage_;
  std::optional<RaftNode> node_;
  bool wrote_ = false;               // this round wrote something
  bool hard_state_written_ = false;  // this round wrote the term or vote

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
