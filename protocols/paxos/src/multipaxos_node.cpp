// MultiNode: roles, timers, the acceptor, and the learner/replica. The leader's work
// (recovery, proposals, choosing, clients) is in multipaxos_leader.cpp. Section numbers
// refer to "Paxos Made Simple" (Lamport 2001).
#include <algorithm>

#include "paxos/multipaxos_node.hpp"

namespace faultline::paxos {

std::string_view multi_role_name(MultiRole role) {
  switch (role) {
    case MultiRole::follower:
      return "follower";
    case MultiRole::candidate:
      return "candidate";
    case MultiRole::leader:
      return "leader";
  }
  return "?";
}

void MultiStats::add(const MultiStats& o) {
  elections_won += o.elections_won;
  campaigns += o.campaigns;
  preempted += o.preempted;
  recovered_values += o.recovered_values;
  gaps_filled += o.gaps_filled;
  commands_proposed += o.commands_proposed;
}

MultiNode::MultiNode(MultiConfig config, MultiRestored restored, Random& random)
    : cfg_(std::move(config)), random_(random) {
  FAULTLINE_ASSERT(std::is_sorted(cfg_.servers.begin(), cfg_.servers.end()),
                   "servers are listed in id order");
  FAULTLINE_ASSERT(
      std::find(cfg_.servers.begin(), cfg_.servers.end(), cfg_.id) != cfg_.servers.end(),
      "a server is one of the servers");
  promised_ = restored.promised;
  round_ = restored.round;
  for (AcceptedEntry& e : restored.accepted) {
    if (accepted_.size() <= e.slot) accepted_.resize(e.slot + 1);
    if (accepted_[e.slot].ballot.none()) ++accepted_count_;
    accepted_[e.slot] = AcceptedSlot{e.ballot, std::move(e.value)};
  }
  progress_.resize(cfg_.servers.back() + 1);
}

void MultiNode::start(Time now) {
  role_ = MultiRole::follower;
  reset_election_timer(now);
}

const AcceptedSlot* MultiNode::accepted(Slot slot) const {
  if (slot >= accepted_.size() || accepted_[slot].ballot.none()) return nullptr;
  return &accepted_[slot];
}

const Value* MultiNode::chosen(Slot slot) const {
  if (slot >= chosen_.size() || !chosen_[slot]) return nullptr;
  return &*chosen_[slot];
}

std::string_view MultiNode::step(Time now, const sim::Envelope& m) {
  const std::string_view reason = dispatch(now, m);
  run_local(now);
  return reason;
}

std::string_view MultiNode::dispatch(Time now, const sim::Envelope& m) {
  if (const auto* x = m.get<MultiAccept>()) return on_accept(now, m.from, *x);
  if (const auto* x = m.get<MultiAccepted>()) return on_accepted(now, m.from, *x);
  if (const auto* x = m.get<Commit>()) return on_commit(now, m.from, *x);
  if (const auto* x = m.get<CommitAck>()) return on_commit_ack(m.from, *x);
  if (const auto* x = m.get<kv::ClientRequest>()) return on_client_request(now, m.from, *x);
  if (const auto* x = m.get<MultiPrepare>()) return on_prepare(now, m.from, *x);
  if (const auto* x = m.get<MultiPromise>()) return on_promise(now, m.from, *x);
  if (const auto* x = m.get<MultiNack>()) return on_nack(now, m.from, *x);
  return "not a multipaxos message";
}

// Messages to itself (its proposer to its acceptor and back) are handled at once, in
// order. Each request is answered once and an answer asks nothing more of itself (a
// Prepare's Promise, an Accept's Accepted), except that the Promise that wins phase 1
// re-proposes the open slots: one Accept each (max_batch=1), so a new leader with 560
// slots to recover takes over 1,100 rounds. Bounded per slot, not by a constant.
void MultiNode::run_local(Time now) {
  std::size_t rounds = 0;
  for (std::size_t next = 0; next < local_.size(); ++next, ++rounds) {
    FAULTLINE_ASSERT(rounds < 64 + 4 * (proposals_.size() + chosen_.size()),
                     "messages to itself settle: a few per slot");
    // Moved out first: dispatch may append to local_ (and reallocate it).
    sim::Envelope e{.from = cfg_.id, .id = 0, .payload = std::move(local_[next])};
    dispatch(now, e);
  }
  local_.clear();
}

// ---------------------------------------------------------------- roles

void MultiNode::become_follower(Time now, NodeId leader, Ballot leader_ballot) {
  if (role_ != MultiRole::follower) {
    proposals_.clear();
    in_flight_.clear();
    pending_accepts_.clear();
    reported_.clear();
    heartbeat_deadline_ = sim::kTimeNever;
    resend_deadline_ = sim::kTimeNever;
  }
  role_ = MultiRole::follower;
  leader_ = leader;
  if (leader != kNoNode) leader_ballot_ = std::max(leader_ballot_, leader_ballot);
  reset_election_timer(now);
}

// §3: a new leader "executes phase 1 for infinitely many instances" with one Prepare: for
// every slot from the first one it does not know to be chosen.
void MultiNode::become_candidate(Time now) {
  FAULTLINE_ASSERT(role_ != MultiRole::leader, "a leader does not campaign");
  role_ = MultiRole::candidate;
  ++stats_.campaigns;
  leader_ = kNoNode;
  proposals_.clear();
  in_flight_.clear();
  const std::uint64_t previous = round_;
  round_ = std::max(round_, seen_round_) + 1;
  FAULTLINE_ASSERT(round_ > previous, "a proposer never uses a round twice");
  // Planted bug `ballot-reuse`: the round is not written (round_to_write() says 0).
  fx_.promise_dirty = true;
  ballot_ = Ballot{round_, cfg_.index};
  from_slot_ = commit_ + 1;
  promises_.clear();
  reported_.clear();
  reset_election_timer(now);  // no majority by then: campaign again, with a new ballot
  resend_deadline_ = now + cfg_.heartbeat_ns;
  send_prepares();
}

void MultiNode::send_prepares() {
  for (NodeId s : cfg_.servers) {
    if (!promises_.contains(s)) send(s, MultiPrepare{ballot_, from_slot_});
  }
}

// `leader`: the sender, if a message of that ballot comes only from a leader (kNoNode for
// a Prepare, whose sender is a candidate).
void MultiNode::observe_ballot(Time now, NodeId leader, Ballot b) {
  seen_round_ = std::max(seen_round_, b.round);
  if (b <= ballot_ || role_ == MultiRole::follower) return;
  ++stats_.preempted;  // a higher ballot is about: ours can no longer win
  become_follower(now, leader, b);
}

void MultiNode::reset_election_timer(Time now) {
  election_deadline_ = now + random_.between(cfg_.election_min_ns, cfg_.election_max_ns);
}

// ---------------------------------------------------------------- timers

void MultiNode::tick(Time now) {
  if (role_ == MultiRole::leader) {
    if (now >= heartbeat_deadline_) {
      send_commits(/*heartbeat=*/true);
      resend_unchosen();  // phase 2a again where a majority has not answered yet
      heartbeat_deadline_ = now + cfg_.heartbeat_ns;
    }
  } else if (now >= election_deadline_) {
    become_candidate(now);
  } else if (role_ == MultiRole::candidate && now >= resend_deadline_) {
    send_prepares();
    resend_deadline_ = now + cfg_.heartbeat_ns;
  }
  run_local(now);
}

Time MultiNode::next_deadline() const {
  if (role_ == MultiRole::leader) return heartbeat_deadline_;
  if (role_ == MultiRole::candidate) return std::min(election_deadline_, resend_deadline_);
  return election_deadline_;
}

std::string_view MultiNode::deadline_name() const {
  if (role_ == MultiRole::leader) return "heartbeat";
  if (role_ == MultiRole::candidate && resend_deadline_ < election_deadline_) {
    return "prepare resend";
  }
  return "election timeout";
}

// ---------------------------------------------------------------- acceptor

// §2.2 phase 1(b), for every slot >= from at once: promise, and report what was accepted
// there. A Prepare equal to the promise is the same proposer asking again: answered again.
std::string_view MultiNode::on_prepare(Time now, NodeId from, const MultiPrepare& m) {
  if (m.ballot.none() || m.from == 0) return "no ballot";
  observe_ballot(now, kNoNode, m.ballot);
  if (m.ballot < promised_) {
    send(from, MultiNack{m.ballot, promised_});
    return {};
  }
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    fx_.observed.push_back(Observed{Observed::Kind::promise, 0, promised_, {}});
    // Planted bug `forget-promise`: the promise is not written (promised_to_write()).
    fx_.promise_dirty = true;
  }
  MultiPromise reply{m.ballot, m.from, {}};
  for (Slot s = m.from; s < accepted_.size(); ++s) {
    if (!accepted_[s].ballot.none()) {
      reply.accepted.push_back(AcceptedEntry{s, accepted_[s].ballot, accepted_[s].value});
    }
  }
  send(from, std::move(reply));
  return {};
}

// §2.2 phase 2(b), per slot of the batch; the leader's ballot makes it this server's
// leader (§3: "the distinguished proposer").
std::string_view MultiNode::on_accept(Time now, NodeId from, const MultiAccept& m) {
  if (m.ballot.none()) return "no ballot";
  observe_ballot(now, from, m.ballot);
  // Planted bug `accept-lower-ballot`: the promise is not checked.
  if (m.ballot < promised_ && !cfg_.bugs.accept_lower_ballot) {
    send(from, MultiNack{m.ballot, promised_});
    return {};
  }
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    fx_.promise_dirty = true;
  }
  if (from != cfg_.id && m.ballot >= leader_ballot_) {
    leader_ = from;
    leader_ballot_ = m.ballot;
    if (role_ == MultiRole::follower) reset_election_timer(now);
  }
  MultiAccepted reply{m.ballot, {}};
  for (const SlotValue& e : m.entries) {
    accept_entry(e.slot, m.ballot, e.value);
    reply.slots.push_back(e.slot);
  }
  send(from, std::move(reply));
  return {};
}

void MultiNode::accept_entry(Slot slot, Ballot b, const Value& v) {
  FAULTLINE_ASSERT(slot >= 1 && slot < (Slot{1} << 24), "a slot is in [1, 2^24)");
  if (accepted_.size() <= slot) accepted_.resize(slot + 1);
  AcceptedSlot& a = accepted_[slot];
  if (a.ballot == b && a.value == v) return;  // a retry of what it already accepted
  if (a.ballot.none()) ++accepted_count_;
  a = AcceptedSlot{b, v};
  last_accepted_slot_ = slot;
  FAULTLINE_ASSERT(b <= promised_ || cfg_.bugs.accept_lower_ballot,
                   "an acceptor accepts only within its promise");
  fx_.accepted.push_back(slot);
  fx_.observed.push_back(Observed{Observed::Kind::accept, slot, b, value_key(v)});
}

// ---------------------------------------------------------------- learner and replica

// The leader's chosen values (§3: the leader, a distinguished learner, tells the others).
// Chosen is chosen whoever says it: a stale leader's values are learned too; only its
// leadership is refused.
std::string_view MultiNode::on_commit(Time now, NodeId from, const Commit& m) {
  if (m.ballot.none()) return "no ballot";
  for (std::size_t i = 0; i < m.values.size(); ++i) learn(m.first + i, m.values[i], m.ballot);
  advance_commit();
  observe_ballot(now, from, m.ballot);
  if (m.ballot < promised_) {
    send(from, MultiNack{m.ballot, promised_});  // a newer leader may exist: step down
    return {};
  }
  if (m.ballot >= leader_ballot_ && role_ == MultiRole::follower) {
    leader_ = from;
    leader_ballot_ = m.ballot;
    reset_election_timer(now);
  }
  send(from, CommitAck{m.ballot, commit_});
  return {};
}

void MultiNode::learn(Slot slot, const Value& v, Ballot b) {
  FAULTLINE_ASSERT(slot >= 1 && slot < (Slot{1} << 24), "a slot is in [1, 2^24)");
  if (chosen_.size() <= slot) chosen_.resize(slot + 1);
  if (chosen_[slot]) return;  // learned before (chosen values never change)
  chosen_[slot] = v;
  fx_.observed.push_back(Observed{Observed::Kind::learn, slot, b, value_key(v)});
}

// Apply in slot order, as far as the chosen values reach (§3: "execute ... in order").
void MultiNode::advance_commit() {
  while (commit_ + 1 < chosen_.size() && chosen_[commit_ + 1]) {
    ++commit_;
    apply(commit_);
  }
  FAULTLINE_ASSERT(applied_ == commit_, "a replica applies every chosen slot in order");
}

}  // namespace faultline::paxos
