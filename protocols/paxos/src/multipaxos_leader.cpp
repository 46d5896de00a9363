// MultiNode as candidate and leader: recovery after phase 1, phase 2 per slot, choosing,
// sending chosen values to the replicas, and the clients' commands. Section numbers refer
// to "Paxos Made Simple" (Lamport 2001).
#include <algorithm>

#include "paxos/multipaxos_node.hpp"

namespace faultline::paxos {

// §3: phase 1's answers tell the new leader, per open slot, the value of the highest
// ballot accepted there; it must propose that value in the slot.
std::string_view MultiNode::on_promise(Time now, NodeId from, const MultiPromise& m) {
  if (role_ != MultiRole::candidate) return "not campaigning";
  if (m.ballot != ballot_) return "a promise for another ballot";
  if (!promises_.add(from)) return "already counted";
  for (const AcceptedEntry& e : m.accepted) {
    if (e.slot < from_slot_) continue;
    FAULTLINE_ASSERT(e.ballot < ballot_ || cfg_.bugs.accept_lower_ballot ||
                         cfg_.bugs.forget_promise || cfg_.bugs.ballot_reuse,
                     "an acceptor promising b reports only proposals below b");
    auto [it, inserted] = reported_.emplace(e.slot, e);
    // Planted bug `any-accepted-value`: the first value reported, not the highest ballot's.
    if (!inserted && !cfg_.bugs.any_accepted_value && e.ballot > it->second.ballot) {
      it->second = e;
    }
  }
  if (promises_.size() >= majority()) become_leader(now);
  return {};
}

void MultiNode::become_leader(Time now) {
  FAULTLINE_ASSERT(role_ == MultiRole::candidate && promises_.size() >= majority(),
                   "a leader won phase 1 with a majority");
  role_ = MultiRole::leader;
  leader_ = cfg_.id;
  leader_ballot_ = ballot_;
  ++stats_.elections_won;
  proposals_.clear();
  in_flight_.clear();
  pending_accepts_.clear();
  for (Progress& p : progress_) p = Progress{};
  commit_sent_ = 0;
  resend_deadline_ = sim::kTimeNever;
  heartbeat_deadline_ = now + cfg_.heartbeat_ns;
  recover(now);
  send_commits(/*heartbeat=*/true);  // announce the leadership at once
}

// §3: "the leader ... executes phase 2 for instances" whose values phase 1 determined,
// and proposes a no-op in each gap below the highest such instance, so that commands
// after the gap can be executed. Slots it already knows to be chosen need nothing. Then
// one no-op of its own: once it is chosen, the recovery is over.
void MultiNode::recover(Time /*now*/) {
  Slot last = commit_;
  if (!reported_.empty()) last = std::max(last, reported_.rbegin()->first);
  for (Slot s = commit_ + 1; s < chosen_.size(); ++s) {
    if (chosen_[s]) last = std::max(last, s);
  }
  // Planted bug `leader-skips-recovery`: open slots are left as they are, and new
  // commands are given slots right after the chosen prefix, over whatever was accepted.
  if (cfg_.bugs.leader_skips_recovery) last = commit_;
  for (Slot s = commit_ + 1; s <= last; ++s) {
    if (chosen(s) != nullptr) continue;
    auto it = reported_.find(s);
    if (it == reported_.end()) {
      ++stats_.gaps_filled;
      propose(s, noop_value());
    } else if (cfg_.bugs.ignore_accepted_value) {
      propose(s, noop_value());  // Planted bug `ignore-accepted-value`: its own value.
    } else {
      ++stats_.recovered_values;
      propose(s, it->second.value);
    }
  }
  reported_.clear();
  next_slot_ = last + 1;
  recovery_end_ = next_slot_;
  propose(next_slot_++, noop_value());
  FAULTLINE_ASSERT(next_slot_ > commit_ + 1 && recovery_end_ > commit_,
                   "a new leader's own slots come after the chosen prefix");
}

void MultiNode::propose(Slot slot, Value value) {
  FAULTLINE_ASSERT(role_ == MultiRole::leader, "only a leader proposes");
  auto [it, inserted] = proposals_.emplace(slot, Proposal{value, {}, false});
  FAULTLINE_ASSERT(inserted || it->second.value == value, "one value per slot in a ballot");
  fx_.observed.push_back(Observed{Observed::Kind::propose, slot, ballot_, value_key(value)});
  pending_accepts_.push_back(SlotValue{slot, std::move(value)});
}

// The end of a batch: the phase 2a entries proposed in it, in messages of at most
// max_batch slots (its own acceptor answers at once); then the chosen values they made.
void MultiNode::flush(Time now) {
  if (role_ == MultiRole::leader && !pending_accepts_.empty()) {
    for (std::size_t i = 0; i < pending_accepts_.size(); i += cfg_.max_batch) {
      const auto end = std::min(pending_accepts_.size(), i + cfg_.max_batch);
      MultiAccept m{ballot_,
                    commit_,
                    {pending_accepts_.begin() + static_cast<std::ptrdiff_t>(i),
                     pending_accepts_.begin() + static_cast<std::ptrdiff_t>(end)}};
      for (NodeId s : cfg_.servers) send(s, m);
    }
    pending_accepts_.clear();
    run_local(now);
  }
  if (role_ == MultiRole::leader && commit_ > commit_sent_) send_commits(/*heartbeat=*/false);
}

// Phase 2a again for the slots a majority has not accepted yet, to the acceptors that
// have not (their Accept or its answer was lost, or they were down): all of them, in
// messages of at most max_batch slots. (One message per heartbeat recovered only
// max_batch slots per heartbeat: with max_batch=2 and 500 slots open after a partition,
// a new leader was still recovering 1.5 s after the heal.)
void MultiNode::resend_unchosen() {
  for (NodeId s : cfg_.servers) {
    if (s == cfg_.id) continue;
    MultiAccept m{ballot_, commit_, {}};
    for (const auto& [slot, p] : proposals_) {
      if (p.chosen || p.accepts.contains(s)) continue;
      m.entries.push_back(SlotValue{slot, p.value});
      if (m.entries.size() == cfg_.max_batch) {
        send(s, std::move(m));
        m = MultiAccept{ballot_, commit_, {}};
      }
    }
    if (!m.entries.empty()) send(s, std::move(m));
  }
}

std::string_view MultiNode::on_accepted(Time /*now*/, NodeId from, const MultiAccepted& m) {
  if (role_ != MultiRole::leader) return "not leading";
  if (m.ballot != ballot_) return "an acceptance of another ballot";
  for (Slot slot : m.slots) {
    auto it = proposals_.find(slot);
    if (it == proposals_.end() || it->second.chosen) continue;
    Proposal& p = it->second;
    p.accepts.add(from);
    // A majority accepted (ballot_, value) in this slot: it is chosen (§2.2). Planted bug
    // `quorum-off-by-one`: floor(n/2) accepts decide.
    if (p.accepts.size() >= decide_quorum(cfg_.servers.size(), cfg_.bugs)) {
      p.chosen = true;
      learn(slot, p.value, ballot_);
    }
  }
  advance_commit();
  return {};
}

std::string_view MultiNode::on_nack(Time now, NodeId /*from*/, const MultiNack& m) {
  seen_round_ = std::max(seen_round_, m.promised.round);
  if (role_ == MultiRole::follower) return "not proposing";
  if (m.ballot != ballot_) return "a refusal of an earlier ballot";
  ++stats_.preempted;
  become_follower(now, kNoNode, Ballot{});  // a higher ballot is about: let it lead
  return {};
}

// ---------------------------------------------------------------- chosen values out

void MultiNode::send_commits(bool heartbeat) {
  for (NodeId s : cfg_.servers) {
    if (s == cfg_.id) continue;
    Progress& p = progress_[s];
    // A heartbeat starts again from what the replica last said it has (a Commit may
    // have been lost); otherwise only what is new.
    const Slot from = (heartbeat ? p.commit : std::max(p.commit, p.sent_to)) + 1;
    FAULTLINE_ASSERT(from >= 1, "slots start at 1");
    if (!heartbeat && from > commit_) continue;
    Commit m{ballot_, commit_, from, {}};
    if (from <= commit_)
      m.values.reserve(std::min<std::size_t>(commit_ + 1 - from, cfg_.max_batch));
    for (Slot slot = from; slot <= commit_ && m.values.size() < cfg_.max_batch; ++slot) {
      m.values.push_back(*chosen_[slot]);
    }
    p.sent_to = from - 1 + m.values.size();
    FAULTLINE_ASSERT(m.values.empty() || p.sent_to <= commit_, "only chosen values are sent");
    send(s, std::move(m));
  }
  commit_sent_ = commit_;
}

std::string_view MultiNode::on_commit_ack(NodeId from, const CommitAck& m) {
  if (role_ != MultiRole::leader) return "not leading";
  if (m.ballot != ballot_) return "an answer to another ballot";
  if (from >= progress_.size()) return "not a server";
  Progress& p = progress_[from];
  p.commit = m.commit;
  // It has everything we sent and still lags (it restarted, or caught up a batch): more.
  if (p.commit < commit_ && p.commit >= p.sent_to) {
    Commit c{ballot_, commit_, p.commit + 1, {}};
    c.values.reserve(std::min<std::size_t>(commit_ - p.commit, cfg_.max_batch));
    for (Slot slot = c.first; slot <= commit_ && c.values.size() < cfg_.max_batch; ++slot) {
      c.values.push_back(*chosen_[slot]);
    }
    p.sent_to = c.first - 1 + c.values.size();
    send(from, std::move(c));
  }
  return {};
}

// ---------------------------------------------------------------- clients

std::string_view MultiNode::on_client_request(Time /*now*/, NodeId from,
                                              const kv::ClientRequest& m) {
  const kv::Command& c = m.command;
  if (role_ != MultiRole::leader) {
    const NodeId hint = leader_ == cfg_.id ? kNoNode : leader_;
    send(from, kv::ClientReply{c.seq, kv::ReplyStatus::not_leader, hint, {}});
    return {};
  }
  if (std::optional<kv::Outcome> cached = kv_.cached(c)) {
    send(from, kv::ClientReply{c.seq, kv::ReplyStatus::ok, kNoNode, *cached});  // a retry
    return {};
  }
  if (kv_.is_stale(c)) return "older than the client's last command";
  if (in_flight_.count({c.client, c.seq}) > 0) return "already proposed";
  const Slot slot = next_slot_++;
  FAULTLINE_ASSERT(slot > commit_ && proposals_.count(slot) == 0, "a new command gets a free slot");
  in_flight_[{c.client, c.seq}] = slot;
  ++stats_.commands_proposed;
  propose(slot, command_value(c));
  return {};
}

// Applying a chosen slot: a command takes effect once (the session table answers a
// duplicate with its first outcome); the leader answers the client.
void MultiNode::apply(Slot slot) {
  FAULTLINE_ASSERT(slot == applied_ + 1 && chosen_[slot], "apply the next chosen slot");
  applied_ = slot;
  const Value& v = *chosen_[slot];
  if (role_ == MultiRole::leader) proposals_.erase(slot);
  if (v.noop) return;
  const kv::ApplyResult r = kv_.apply(v.command);
  in_flight_.erase({v.command.client, v.command.seq});
  if (role_ == MultiRole::leader && r.kind != kv::ApplyKind::stale) {
    send(v.command.client, kv::ClientReply{v.command.seq, kv::ReplyStatus::ok, kNoNode, r.outcome});
  }
}

// ---------------------------------------------------------------- fingerprint

std::uint64_t MultiNode::fingerprint() const {
  Fingerprint h;
  h.add(cfg_.id).add(promised_).add(round_).add(static_cast<std::uint64_t>(role_));
  h.add(ballot_).add(leader_ballot_).add(commit_);
  for (const auto& [key, value] : kv_.state().data) h.add(key).add(value);
  for (Slot s = 1; s < accepted_.size(); ++s) {
    if (!accepted_[s].ballot.none())
      h.add(s).add(accepted_[s].ballot).add(value_text(accepted_[s].value));
  }
  for (Slot s = commit_ + 1; s < chosen_.size(); ++s) {
    if (chosen_[s]) h.add(s).add(value_text(*chosen_[s]));
  }
  for (NodeId s : cfg_.servers) h.add(promises_.contains(s) ? 1 : 0);
  for (const auto& [slot, p] : proposals_) {
    h.add(slot).add(value_text(p.value)).add(p.chosen ? 1 : 0);
    for (NodeId s : cfg_.servers) h.add(p.accepts.contains(s) ? 1 : 0);
  }
  return h.value();
}

}  // namespace faultline::paxos
