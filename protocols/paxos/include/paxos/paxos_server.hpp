#pragma once
// The actor that runs a single-decree SingleNode on a simulated node: the kit's NodeHost
// driving the pure roles. Per round it writes the node's durable record (promise,
// accepted proposal, the proposer's round) in a torn-write-safe slot, syncs, then
// publishes — the facts for the invariants, the proposer's client operations for the
// history, the annotations for the trace — and only then sends (§2.3: "an acceptor must
// remember this information even if it fails and then restarts").
//
// Durable facts (the kit checks them at every restart): an acceptor's promised ballot and
// accepted ballot, a proposer's round.
#include <optional>

#include "paxos/paxos_node.hpp"
#include "protocols/codec.hpp"
#include "protocols/node_driver.hpp"
#include "sim/actor.hpp"

namespace faultline::paxos {

// Random draws through the run's choice source.
class ContextRandom final : public Random {
 public:
  explicit ContextRandom(sim::Context& ctx) : ctx_(ctx) {}
  std::uint64_t below(std::uint64_t n) override { return ctx_.random(n); }

 private:
  sim::Context& ctx_;
};

class SingleServer final : public protocols::NodeHost {
 public:
  SingleServer(SingleConfig config, Observer* observer, protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer) {}

  // nullptr until the node has loaded its state.
  const SingleNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& m) override { return node_->step(now, m); }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->deadline_name(); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override {
    out.swap(node_->effects().messages);
  }
  bool has_ready() const override {
    const SingleEffects& fx = node_->effects();
    return fx.dirty || !fx.messages.empty();
  }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;
  void record_attempts(sim::Context& ctx);
  void annotate(sim::Context& ctx);

  SingleConfig config_;
  Observer* observer_;
  std::optional<ContextRandom> random_;
  std::optional<SingleNode> node_;
  protocols::DurableSlot slot_{"paxos"};
  std::optional<sim::OpHandle> open_;  // the proposer's attempt in the history

  struct Published {
    std::string promised, accepted, phase, chosen, proposing;
    std::int64_t ballot = -1;
    bool any = false;
  } published_;
};

}  // namespace faultline::paxos
