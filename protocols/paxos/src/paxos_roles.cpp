// The acceptor and the learner of single-decree Paxos. Section numbers refer to "Paxos
// Made Simple" (Lamport 2001).
#include <algorithm>

#include "paxos/paxos_node.hpp"

namespace faultline::paxos {

// ---------------------------------------------------------------- acceptor

Acceptor::Acceptor(const SingleConfig& config, const SingleDurable& restored)
    : cfg_(&config),
      promised_(restored.promised),
      accepted_(restored.accepted),
      value_(restored.value) {
  FAULTLINE_ASSERT(accepted_.none() || !value_.empty(), "an accepted ballot has a value");
}

// §2.2, phase 1(b): "If an acceptor receives a prepare request with number n greater than
// that of any prepare request to which it has already responded, then it responds to the
// request with a promise not to accept any more proposals numbered less than n and with
// the highest-numbered proposal (if any) that it has accepted." A Prepare equal to the
// promise is a retry or a duplicate of the proposer's own request: answered again, which
// is safe because no other proposer uses that ballot.
std::string_view Acceptor::on_prepare(NodeId from, const Prepare& m, SingleEffects& fx) {
  if (m.ballot.none()) return "no ballot";
  if (m.ballot < promised_) {
    fx.send(from, Nack{m.ballot, promised_});
    return {};
  }
  FAULTLINE_ASSERT(m.ballot >= promised_, "past the gate, the ballot is at least the promise");
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    fx.observed.push_back(Observed{Observed::Kind::promise, 0, promised_, {}});
    // Planted bug `forget-promise`: the promise lives in memory only.
    if (!cfg_->bugs.forget_promise) fx.dirty = true;
  }
  fx.send(from, Promise{m.ballot, accepted_, accepted_.none() ? std::string() : value_});
  return {};
}

// §2.2, phase 2(b): "If an acceptor receives an accept request for a proposal numbered n,
// it accepts the proposal unless it has already responded to a prepare request having a
// number greater than n." It tells the proposer and every learner (§2.3).
std::string_view Acceptor::on_accept(NodeId from, const Accept& m, SingleEffects& fx) {
  if (m.ballot.none() || m.value.empty()) return "no ballot or no value";
  // Planted bug `accept-lower-ballot`: the promise is not checked.
  if (m.ballot < promised_ && !cfg_->bugs.accept_lower_ballot) {
    fx.send(from, Nack{m.ballot, promised_});
    return {};
  }
  const bool again = m.ballot == accepted_ && m.value == value_;  // a retry or duplicate
  if (!again) {
    promised_ = std::max(promised_, m.ballot);
    accepted_ = m.ballot;
    value_ = m.value;
    fx.dirty = true;
    fx.observed.push_back(Observed{Observed::Kind::accept, 0, accepted_, value_});
  }
  FAULTLINE_ASSERT(accepted_ <= promised_, "an acceptor's promise covers what it accepted");
  fx.send(from, Accepted{m.ballot, m.value});
  for (NodeId learner : cfg_->learners) {
    if (learner != from) fx.send(learner, Accepted{m.ballot, m.value});
  }
  return {};
}

void Acceptor::write(SingleDurable& out) const {
  // Planted bugs `forget-promise` and `forget-accepted`: what is left off the disk.
  out.promised = cfg_->bugs.forget_promise ? Ballot{} : promised_;
  if (!cfg_->bugs.forget_accepted) {
    out.accepted = accepted_;
    out.value = accepted_.none() ? std::string() : value_;
  }
}

void Acceptor::fingerprint(Fingerprint& h) const {
  h.add(promised_).add(accepted_).add(accepted_.none() ? std::string_view() : value_);
}

// ---------------------------------------------------------------- learner

// §2.3: a learner learns a value once a majority of acceptors have accepted it, counted
// within one ballot (acceptances of different ballots do not add up).
std::string_view Learner::on_accepted(NodeId from, const Accepted& m, SingleEffects& fx) {
  if (learned_) return "already learned";
  if (std::find(cfg_->acceptors.begin(), cfg_->acceptors.end(), from) == cfg_->acceptors.end()) {
    return "not from an acceptor";
  }
  // Tallies are sorted by ballot: one state, one fingerprint.
  auto it = std::lower_bound(tallies_.begin(), tallies_.end(), m.ballot,
                             [](const Tally& t, Ballot b) { return t.ballot < b; });
  if (it == tallies_.end() || it->ballot != m.ballot) {
    auto index = it - tallies_.begin();
    if (tallies_.size() == kMaxTallies) {
      if (index == 0) return "older than every ballot counted";
      tallies_.erase(tallies_.begin());
      --index;
    }
    it = tallies_.insert(tallies_.begin() + index, Tally{m.ballot, m.value, {}});
  }
  if (it->value != m.value) return "a different value in the same ballot";
  if (!it->acceptors.add(from)) return "already counted";
  // Planted bug `quorum-off-by-one`: floor(n/2) accepts decide.
  if (it->acceptors.size() < decide_quorum(cfg_->acceptors.size(), cfg_->bugs)) return {};
  FAULTLINE_ASSERT(!it->value.empty() && it->acceptors.size() <= cfg_->acceptors.size(),
                   "a learner counts acceptors of a value");
  learned_ = it->value;
  tallies_.clear();  // nothing more to count
  fx.observed.push_back(Observed{Observed::Kind::learn, 0, m.ballot, *learned_});
  return {};
}

void Learner::fingerprint(Fingerprint& h) const {
  h.add(learned_ ? *learned_ : std::string_view("-"));
  h.add(tallies_.size());
  for (const Tally& t : tallies_) {
    h.add(t.ballot).add(t.value);
    for (NodeId a : cfg_->acceptors) h.add(t.acceptors.contains(a) ? 1 : 0);
  }
}

}  // namespace faultline::paxos
