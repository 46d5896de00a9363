#pragma once
// The actors that run a Participant and a Coordinator on simulated nodes: the kit's
// NodeHost driving the pure state machines (protocols/node_driver.hpp). Each round the
// driver appends the log records the node asked for, syncs, publishes the node's state
// (annotations, and the reports the invariants observe), and only then sends — so a yes
// vote never leaves before its prepared record is durable, nor a commit decision before
// its commit record. On restart a node is rebuilt from what its disk durably held.
//
// Annotations (the trace viewer draws them):
//   participant  role=participant; "txn <id>" = working / prepared / in doubt (with the
//                locks it holds) / committed / aborted; locks (the whole lock table);
//                in_doubt (how many transactions are prepared and undecided)
//   coordinator  role=coordinator; epoch; "txn <id>" = begun / preparing (votes) /
//                committed (acknowledgements) / aborted / done / abandoned
//
// Durable facts (checked by the kit's ledger at every restart): a participant's count of
// prepared records and of decided records it has written; a coordinator's epoch and its
// count of commit decisions. Each only grows; one that went back means the node acted on
// (voted on, told someone of) a record it then lost.
#include <algorithm>
#include <optional>

#include "protocols/node_driver.hpp"
#include "twopc/twopc_coordinator.hpp"
#include "twopc/twopc_participant.hpp"
#include "twopc/twopc_storage.hpp"

namespace faultline::twopc {

class ParticipantServer final : public protocols::NodeHost {
 public:
  ParticipantServer(ParticipantConfig config, TwopcObserver* observer,
                    protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer) {}
  // nullptr until the node has loaded its state.
  const Participant* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& message) override {
    return node_->step(now, message);
  }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->next_deadline_name(); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override {
    out.swap(node_->effects().messages);
  }
  bool has_ready() const override { return !node_->effects().empty(); }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;

  ParticipantConfig config_;
  TwopcObserver* observer_;
  std::optional<ParticipantStorage> storage_;
  std::optional<Participant> node_;
  bool published_role_ = false;
  std::string published_locks_;
  std::int64_t published_in_doubt_ = -1;
};

class CoordinatorServer final : public protocols::NodeHost {
 public:
  CoordinatorServer(CoordinatorConfig config, TwopcObserver* observer,
                    protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer) {}
  const Coordinator* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& message) override {
    return node_->step(now, message);
  }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->next_deadline_name(); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override {
    out.swap(node_->effects().messages);
  }
  bool has_ready() const override { return !node_->effects().empty(); }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;

  CoordinatorConfig config_;
  TwopcObserver* observer_;
  std::optional<CoordinatorStorage> storage_;
  std::optional<Coordinator> node_;
  bool published_role_ = false;
};

}  // namespace faultline::twopc
