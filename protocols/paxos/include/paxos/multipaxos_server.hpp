#pragma once
// The actor that runs a MultiNode on a simulated server: the kit's NodeHost. Storage:
//
//   "promise"   a DurableSlot: the acceptor's promise and the proposer's round
//   "accepted"  a RecordLog: one record per acceptance (slot, ballot, value); on restart
//               the last record of each slot wins (an acceptor's ballots in a slot only
//               grow), and a torn tail is cut (it was never synced, so never announced)
//
// Each round: append the acceptances, write the promise if it changed, sync, publish
// (facts for the invariants, annotations), then send. Chosen values and the key-value
// state are not stored: a restarted replica learns them again from the leader.
//
// Durable facts (the kit checks them at every restart): the promised ballot, the round,
// and how many slots hold an accepted value.
#include <optional>

#include "paxos/multipaxos_node.hpp"
#include "paxos/paxos_server.hpp"
#include "protocols/codec.hpp"
#include "protocols/node_driver.hpp"

namespace faultline::paxos {

class MultiServer final : public protocols::NodeHost {
 public:
  MultiServer(MultiConfig config, Observer* observer, MultiStats* stats,
              protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer), stats_(stats) {}

  // nullptr until the node has loaded its state.
  const MultiNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& m) override { return node_->step(now, m); }
  void tick(Time now) override { node_->tick(now); }
  void end_batch(Time now) override { node_->flush(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->deadline_name(); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override {
    out.swap(node_->effects().messages);
  }
  bool has_ready() const override {
    const MultiEffects& fx = node_->effects();
    return fx.promise_dirty || !fx.accepted.empty() || !fx.messages.empty();
  }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;
  void annotate(sim::Context& ctx);

  MultiConfig config_;
  Observer* observer_;
  MultiStats* stats_;
  std::optional<ContextRandom> random_;
  std::optional<MultiNode> node_;
  protocols::DurableSlot promise_{"promise"};
  protocols::RecordLog log_{"accepted"};
  MultiStats counted_;  // the node's statistics already added to stats_

  struct Published {
    MultiRole role = MultiRole::follower;
    std::int64_t ballot = -1;
    Ballot promised;
    Slot commit = 0;
    NodeId leader = kNoNode;
    std::size_t accepted = 0;
    Slot last_slot = 0;
    Ballot last_ballot;
    bool any = false;
  } published_;
  std::string text_;  // annotate's buffer for the texts it builds
};

}  // namespace faultline::paxos
