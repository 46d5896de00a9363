// A single-decree Paxos node: the roles it plays, and the messages each one handles.
#include "paxos/paxos_node.hpp"

#include "protocols/codec.hpp"

namespace faultline::paxos {

SingleNode::SingleNode(SingleConfig config, const SingleDurable& restored, Random& random)
    : cfg_(std::move(config)) {
  FAULTLINE_ASSERT(cfg_.proposer || cfg_.acceptor || cfg_.learner, "a node plays a role");
  FAULTLINE_ASSERT(std::is_sorted(cfg_.acceptors.begin(), cfg_.acceptors.end()),
                   "acceptors are listed in id order");
  if (cfg_.acceptor) acceptor_.emplace(cfg_, restored);
  if (cfg_.proposer) proposer_.emplace(cfg_, restored.round, random);
  if (cfg_.learner) learner_.emplace(cfg_);
}

SingleNode::SingleNode(const SingleNode& other, Random& random)
    : cfg_(other.cfg_),
      fx_(other.fx_),
      acceptor_(other.acceptor_),
      proposer_(other.proposer_),
      learner_(other.learner_) {
  // The roles point at their node's configuration: this copy's, not the original's.
  if (acceptor_) acceptor_->rebind(cfg_);
  if (proposer_) proposer_->rebind(cfg_, random);
  if (learner_) learner_->rebind(cfg_);
  // Cheap checks only: a copy is made at every explorer step. That the copy behaves as the
  // original is tested (tests/explorer: brute force and the simulator in lockstep).
  FAULTLINE_ASSERT(acceptor_.has_value() == other.acceptor_.has_value() &&
                       proposer_.has_value() == other.proposer_.has_value() &&
                       learner_.has_value() == other.learner_.has_value(),
                   "a copy has the original's roles");
  FAULTLINE_ASSERT(!proposer_ || proposer_->round() == other.proposer_->round(),
                   "a copy's proposer is in the original's round");
}

void SingleNode::start(Time now) {
  if (proposer_) proposer_->start(now);
}

std::string_view SingleNode::step(Time now, const sim::Envelope& m) {
  if (const auto* x = m.get<Prepare>()) {
    return acceptor_ ? acceptor_->on_prepare(m.from, *x, fx_) : "not an acceptor";
  }
  if (const auto* x = m.get<Accept>()) {
    return acceptor_ ? acceptor_->on_accept(m.from, *x, fx_) : "not an acceptor";
  }
  if (const auto* x = m.get<Promise>()) {
    return proposer_ ? proposer_->on_promise(now, m.from, *x, fx_) : "not a proposer";
  }
  if (const auto* x = m.get<Nack>()) {
    return proposer_ ? proposer_->on_nack(now, m.from, *x, fx_) : "not a proposer";
  }
  if (const auto* x = m.get<Accepted>()) {
    // Both a proposer (its phase 2 replies) and a learner may count it.
    std::string_view reason = "neither a proposer nor a learner";
    bool acted = false;
    if (proposer_) {
      reason = proposer_->on_accepted(now, m.from, *x, fx_);
      acted = reason.empty();
    }
    if (learner_) {
      const std::string_view learner_reason = learner_->on_accepted(m.from, *x, fx_);
      acted = acted || learner_reason.empty();
      if (!proposer_) reason = learner_reason;
    }
    return acted ? std::string_view() : reason;
  }
  return "not a paxos message";
}

void SingleNode::tick(Time now) {
  if (proposer_) proposer_->tick(now, fx_);
}

Time SingleNode::next_deadline() const {
  return proposer_ ? proposer_->next_deadline() : sim::kTimeNever;
}

std::string_view SingleNode::deadline_name() const {
  return proposer_ ? proposer_->deadline_name() : std::string_view();
}

SingleDurable SingleNode::durable() const {
  SingleDurable d;
  if (acceptor_) acceptor_->write(d);
  if (proposer_) proposer_->write(d);
  return d;
}

std::string SingleNode::roles_text() const {
  std::string text;
  if (proposer_) text += "proposer";
  if (acceptor_) text += std::string(text.empty() ? "" : "+") + "acceptor";
  if (learner_) text += std::string(text.empty() ? "" : "+") + "learner";
  return text;
}

std::uint64_t SingleNode::fingerprint() const {
  Fingerprint h;
  h.add(cfg_.id);
  if (acceptor_) acceptor_->fingerprint(h.add(1));
  if (proposer_) proposer_->fingerprint(h.add(2));
  if (learner_) learner_->fingerprint(h.add(3));
  return h.value();
}

// ---------------------------------------------------------------- storage

std::string write_single_durable(const SingleDurable& d) {
  protocols::RecordWriter w;
  w.u64(d.promised.round).u64(d.promised.proposer);
  w.u64(d.accepted.round).u64(d.accepted.proposer).str(d.value);
  w.u64(d.round);
  return w.seal();
}

std::optional<SingleDurable> read_single_durable(std::string_view record) {
  protocols::RecordReader r(record);
  SingleDurable d;
  d.promised.round = r.u64();
  d.promised.proposer = static_cast<std::uint32_t>(r.u64());
  d.accepted.round = r.u64();
  d.accepted.proposer = static_cast<std::uint32_t>(r.u64());
  d.value = r.str();
  d.round = r.u64();
  if (!r.done()) return std::nullopt;
  return d;
}

}  // namespace faultline::paxos
