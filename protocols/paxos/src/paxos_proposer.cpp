// The proposer of single-decree Paxos ("Paxos Made Simple" §2.2, §2.4). Its phases change
// only in begin_attempt, begin_prepare, begin_accept, back_off and finish_attempt.
#include <algorithm>

#include "paxos/paxos_node.hpp"

namespace faultline::paxos {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::idle:
      return "idle";
    case Phase::prepare:
      return "prepare";
    case Phase::accept:
      return "accept";
    case Phase::backoff:
      return "backoff";
    case Phase::done:
      return "done";
  }
  return "?";
}

Proposer::Proposer(const SingleConfig& config, std::uint64_t restored_round, Random& random)
    : cfg_(&config), random_(&random), round_(restored_round) {
  FAULTLINE_ASSERT(cfg_->proposer_index < kMaxProposers, "a proposer index is below 1000");
  FAULTLINE_ASSERT(!cfg_->acceptors.empty(), "a proposer has acceptors to ask");
}

void Proposer::start(Time now) {
  phase_ = Phase::idle;
  deadline_ = now + random_->between(0, cfg_->start_max_ns);
}

std::string_view Proposer::deadline_name() const {
  switch (phase_) {
    case Phase::idle:
      return "next proposal";
    case Phase::prepare:
    case Phase::accept:
      return "phase timeout";
    case Phase::backoff:
      return "backoff";
    case Phase::done:
      break;
  }
  return {};
}

void Proposer::tick(Time now, SingleEffects& fx) {
  if (now < deadline_) return;
  switch (phase_) {
    case Phase::idle:
      begin_attempt(now, fx);
      return;
    case Phase::prepare:
    case Phase::accept:
      back_off(now, true);  // no majority answered in time: messages lost, or acceptors down
      return;
    case Phase::backoff:
      begin_prepare(now, fx);
      return;
    case Phase::done:
      return;
  }
}

// ---------------------------------------------------------------- phase changes

void Proposer::begin_attempt(Time now, SingleEffects& fx) {
  ++attempts_begun_;
  // Values are unique per attempt and incarnation, so the history tells them apart.
  own_ = cfg_->name + (cfg_->incarnation == 0 ? "" : "r" + std::to_string(cfg_->incarnation)) + "-" +
         std::to_string(attempts_begun_);
  fx.attempts.push_back(AttemptEvent{true, own_, {}});
  consecutive_ = 0;
  others_.clear();
  begin_prepare(now, fx);
}

// §2.2, phase 1(a): "A proposer selects a proposal number n and sends a prepare request
// with number n to a majority of acceptors" (here: to all, so a majority answers despite
// faults). The round is above every round it used or heard of, and is made durable before
// the Prepare leaves (§2.5: a proposer remembers the highest number it tried).
void Proposer::begin_prepare(Time now, SingleEffects& fx) {
  FAULTLINE_ASSERT(phase_ == Phase::prepare || phase_ == Phase::backoff || phase_ == Phase::idle,
                   "phase 1 begins an attempt or follows a backoff");
  const std::uint64_t previous = round_;
  round_ = std::max(round_, seen_round_) + 1;
  FAULTLINE_ASSERT(round_ > previous, "a proposer never uses a round twice");
  // Planted bug `ballot-reuse`: the round is not written (write() leaves it out), so a
  // restarted proposer counts its rounds from the start again.
  if (!cfg_->bugs.ballot_reuse) fx.dirty = true;
  ballot_ = Ballot{round_, cfg_->proposer_index};
  phase_ = Phase::prepare;
  deadline_ = now + cfg_->retry_ns;
  promises_.clear();
  accepts_.clear();
  best_ = Ballot{};
  best_value_.clear();
  value_.clear();
  broadcast(Prepare{ballot_}, fx);
}

// §2.2, phase 2(a): "If the proposer receives a response to its prepare requests
// (numbered n) from a majority of acceptors, then it sends an accept request to each of
// those acceptors for a proposal numbered n with a value v, where v is the value of the
// highest-numbered proposal among the responses, or is any value if the responses
// reported no proposals."
void Proposer::begin_accept(Time now, SingleEffects& fx) {
  // Planted bug `ignore-accepted-value`: the proposer's own value, whatever was reported.
  FAULTLINE_ASSERT(promises_.size() >= protocols::majority(cfg_->acceptors.size()),
                   "phase 2 follows promises from a majority");
  const bool adopt = !best_.none() && !cfg_->bugs.ignore_accepted_value;
  value_ = adopt ? best_value_ : own_;
  if (adopt) ++adopted_;
  FAULTLINE_ASSERT(!value_.empty(), "a proposal has a value");
  phase_ = Phase::accept;
  deadline_ = now + cfg_->retry_ns;
  fx.observed.push_back(Observed{Observed::Kind::propose, 0, ballot_, value_});
  // "... an accept request to each of those acceptors": the majority that promised. The
  // others keep what they accepted before, as in the paper (a later phase 1 may find it).
  for (NodeId a : cfg_->acceptors) {
    if (promises_.contains(a)) fx.send(a, Accept{ballot_, value_});
  }
}

// §2.4: "a distinguished proposer" is what guarantees progress; without one, duelling
// proposers each preempt the other. A random, growing backoff before the next ballot
// lets one of them finish both phases first.
void Proposer::back_off(Time now, bool grow) {
  FAULTLINE_ASSERT(phase_ == Phase::prepare || phase_ == Phase::accept,
                   "only a phase in progress is abandoned");
  phase_ = Phase::backoff;
  ++preemptions_;
  if (grow) consecutive_ = std::min(consecutive_ + 1, 2);
  deadline_ = now + random_->between(0, cfg_->backoff_ns << consecutive_);
}

void Proposer::finish_attempt(Time now, const std::string& chosen, Ballot in, SingleEffects& fx) {
  FAULTLINE_ASSERT(!own_.empty(), "an attempt that ends had begun");
  fx.observed.push_back(Observed{Observed::Kind::learn, 0, in, chosen});
  others_.clear();
  fx.attempts.push_back(AttemptEvent{false, own_, chosen});
  ++attempts_done_;
  consecutive_ = 0;
  if (cfg_->proposals > 0 && attempts_done_ >= cfg_->proposals) {
    phase_ = Phase::done;
    deadline_ = sim::kTimeNever;
    return;
  }
  phase_ = Phase::idle;
  deadline_ = now + random_->between(0, cfg_->think_max_ns);
}

// ---------------------------------------------------------------- replies

std::string_view Proposer::on_promise(Time now, NodeId from, const Promise& m, SingleEffects& fx) {
  if (phase_ != Phase::prepare) return "not in phase 1";
  if (m.ballot != ballot_) return "a promise for another ballot";
  if (!promises_.add(from)) return "already counted";
  if (!m.accepted.none()) {
    // An acceptor that promised our ballot has accepted only lower ones, unless a planted
    // bug broke its promise or let us reuse a ballot.
    FAULTLINE_ASSERT(m.accepted < ballot_ || cfg_->bugs.accept_lower_ballot ||
                         cfg_->bugs.forget_promise || cfg_->bugs.ballot_reuse,
                     "an acceptor promising b reports only proposals below b");
    // Planted bug `any-accepted-value`: the first value reported, not the highest ballot's.
    const bool take = cfg_->bugs.any_accepted_value ? best_.none() : m.accepted > best_;
    if (take) {
      best_ = m.accepted;
      best_value_ = m.value;
    }
  }
  if (promises_.size() >= protocols::majority(cfg_->acceptors.size())) begin_accept(now, fx);
  return {};
}

std::string_view Proposer::on_accepted(Time now, NodeId from, const Accepted& m,
                                       SingleEffects& fx) {
  if (phase_ != Phase::accept || m.ballot != ballot_) return on_other_accepted(now, from, m, fx);
  // Our ballot carries one value, unless a planted bug let an earlier incarnation use it.
  FAULTLINE_ASSERT(m.value == value_ || cfg_->bugs.ballot_reuse,
                   "an acceptance of our ballot carries our value");
  if (m.value != value_) return "another incarnation's value in this ballot";
  if (!accepts_.add(from)) return "already counted";
  // A majority accepted (ballot_, value_): it is chosen (§2.2). Planted bug
  // `quorum-off-by-one`: floor(n/2) accepts decide.
  if (accepts_.size() >= decide_quorum(cfg_->acceptors.size(), cfg_->bugs)) {
    finish_attempt(now, value_, ballot_, fx);
  }
  return {};
}

// §2.3: a proposer may learn too. Without a distinguished proposer (§2.4) one proposer
// can lose every duel while the others, with fresh attempts, keep choosing the value
// again: the generic swarm found a correct run (seed 1386) where one attempt stayed open
// for 900 ms after the heal. Once a majority accepted any ballot during this attempt, a
// value is chosen and the attempt ends with it (a proposer that only proposes hears its
// own ballot's acceptances only, and still ends by its own phase 2).
std::string_view Proposer::on_other_accepted(Time now, NodeId from, const Accepted& m,
                                             SingleEffects& fx) {
  if (phase_ != Phase::prepare && phase_ != Phase::accept && phase_ != Phase::backoff) {
    return "not in an attempt";
  }
  auto it = std::find_if(others_.begin(), others_.end(),
                         [&](const OtherTally& t) { return t.ballot == m.ballot; });
  if (it == others_.end()) {
    if (others_.size() >= Learner::kMaxTallies) others_.erase(others_.begin());
    it = others_.insert(others_.end(), OtherTally{m.ballot, {}});
  }
  if (!it->acceptors.add(from)) return "already counted";
  if (it->acceptors.size() >= decide_quorum(cfg_->acceptors.size(), cfg_->bugs)) {
    const Ballot in = m.ballot;
    finish_attempt(now, m.value, in, fx);
  }
  return {};
}

std::string_view Proposer::on_nack(Time now, NodeId /*from*/, const Nack& m,
                                   SingleEffects& /*fx*/) {
  seen_round_ = std::max(seen_round_, m.promised.round);
  if (phase_ != Phase::prepare && phase_ != Phase::accept) return "not proposing";
  if (m.ballot != ballot_) return "a refusal of an earlier ballot";
  back_off(now, phase_ == Phase::accept);  // preempted by a higher ballot (§2.3's abandonment)
  return {};
}

void Proposer::write(SingleDurable& out) const {
  out.round = cfg_->bugs.ballot_reuse ? 0 : round_;
}

void Proposer::fingerprint(Fingerprint& h) const {
  h.add(static_cast<std::uint64_t>(phase_)).add(round_).add(seen_round_).add(ballot_);
  h.add(own_).add(value_).add(best_).add(best_value_);
  for (NodeId a : cfg_->acceptors) {
    h.add((promises_.contains(a) ? 1 : 0) | (accepts_.contains(a) ? 2 : 0));
  }
  h.add(static_cast<std::uint64_t>(attempts_done_));
  for (const OtherTally& t : others_) {
    h.add(t.ballot);
    for (NodeId a : cfg_->acceptors) h.add(t.acceptors.contains(a) ? 1 : 0);
  }
}

}  // namespace faultline::paxos
