// RaftNode: elections, roles and timers. Replication, commitment, reads and membership
// are in raft_replication.cpp. Section numbers refer to the Raft paper (§) and to
// Ongaro's thesis ("thesis §").
#include "raft/raft_node.hpp"

#include <algorithm>
#include <stdexcept>

namespace faultline::raft {

std::string_view read_mode_name(ReadMode mode) {
  switch (mode) {
    case ReadMode::log:
      return "log";
    case ReadMode::index:
      return "index";
    case ReadMode::lease:
      return "lease";
  }
  return "?";
}

RaftNode::RaftNode(NodeConfig config, Restored restored, RaftRandom& random, RaftObserver* observer)
    : cfg_(std::move(config)), random_(random), observer_(observer) {
  if (cfg_.election_max_ns < cfg_.election_min_ns) {
    throw std::invalid_argument("raft: election_max < election_min");
  }
  if (cfg_.servers.size() > kMaxServers) throw std::invalid_argument("raft: too many servers");
  NodeId max_id = cfg_.id;
  for (NodeId s : cfg_.servers) max_id = std::max(max_id, s);
  progress_.resize(max_id + 1);
  std::sort(cfg_.initial_config.begin(), cfg_.initial_config.end());

  term_ = restored.term;
  voted_for_ = restored.voted_for;
  if (restored.snapshot) {
    const Snapshot& s = *restored.snapshot;
    log_ = RaftLog(s.last_index, s.last_term, std::move(restored.entries));
    kv_ = KvStore(s.state);
    commit_ = applied_ = s.last_index;
    snapshot_ = std::move(restored.snapshot);
  } else {
    log_ = RaftLog(0, 0, std::move(restored.entries));
  }
  stable_index_ = log_.last_index();
  recompute_config();
}

void RaftNode::start(Time now) {
  role_ = Role::follower;
  // A server that just booted acts as if it had just heard from a leader: it may have
  // acknowledged one before it crashed, and that leader's lease counts on this server
  // not voting for anyone else for a minimum election timeout (thesis §6.4.1).
  last_leader_contact_ = now;
  reset_election_timer(now);
  if (observer_) observer_->on_state(*this);
}

std::string_view RaftNode::step(Time now, const sim::Envelope& m) {
  if (auto* x = m.get<AppendEntries>()) return on_append_entries(now, m.from, *x);
  if (auto* x = m.get<AppendEntriesReply>()) return on_append_entries_reply(now, m.from, *x);
  if (auto* x = m.get<RequestVote>()) return on_request_vote(now, m.from, *x);
  if (auto* x = m.get<RequestVoteReply>()) return on_request_vote_reply(now, m.from, *x);
  if (auto* x = m.get<ClientRequest>()) return on_client_request(now, m.from, *x);
  if (auto* x = m.get<InstallSnapshot>()) return on_install_snapshot(now, m.from, *x);
  if (auto* x = m.get<InstallSnapshotReply>()) return on_install_snapshot_reply(now, m.from, *x);
  if (auto* x = m.get<ConfigChange>()) return on_config_change(now, m.from, *x);
  return "not a raft message";
}

// ---------------------------------------------------------------- roles

void RaftNode::become_follower(Time now, Term term, NodeId leader) {
  const bool changed = role_ != Role::follower || term != term_;
  if (term != term_) set_term(term);
  // Figure 2: only hearing from the leader or granting a vote resets the election timer
  // (the callers do that). Merely seeing a higher term must not: servers whose logs are
  // the most up-to-date would keep deferring their own campaigns to hopeless candidates.
  // A leader had no election timer running: it starts one.
  if (role_ == Role::leader) {
    drop_leader_state();
    reset_election_timer(now);
  }
  role_ = Role::follower;
  leader_ = leader;
  if (changed && observer_) observer_->on_state(*this);
}

// PreVote (thesis §9.6): ask whether a quorum would vote for us in term + 1, without
// changing anyone's term, so a partitioned server cannot disrupt the cluster on return.
void RaftNode::become_pre_candidate(Time now) {
  role_ = Role::pre_candidate;
  leader_ = kNoNode;
  start_campaign(now);
  if (observer_) observer_->on_state(*this);
  if (won_votes()) {
    become_candidate(now);
    return;
  }
  request_votes(term_ + 1, /*pre_vote=*/true);
}

void RaftNode::become_candidate(Time now) {
  role_ = Role::candidate;
  leader_ = kNoNode;
  set_term(term_ + 1);
  set_vote(cfg_.id);
  start_campaign(now);
  if (observer_) observer_->on_state(*this);
  // Where its own vote is a quorum (a one-voter configuration) it leads once that vote
  // is on stable storage (on_persisted), not before: a crash before the sync would
  // leave it, restarted, free to vote for another server in this term.
  request_votes(term_, /*pre_vote=*/false);
}

void RaftNode::become_leader(Time now) {
  role_ = Role::leader;
  leader_ = cfg_.id;
  ++stats_.elections_won;
  for (NodeId s = 0; s < progress_.size(); ++s) {
    progress_[s] = Progress{.next = log_.last_index() + 1, .match = 0};
  }
  pending_reads_.clear();
  pending_config_.reset();
  heartbeat_deadline_ = now + cfg_.heartbeat_ns;
  quorum_check_deadline_ = now + cfg_.election_min_ns;
  if (observer_) observer_->on_state(*this);
  // The first entry of the new term: committing it commits everything before it
  // (§5.4.2) and tells the leader which entries are committed (§8). Reads, leases and
  // membership changes wait for it. With leader_noop the leader writes it at once;
  // without (the setting of the paper's Figure 8), it is the first client command.
  term_start_index_ = log_.last_index() + 1;
  term_entry_at_ = kTimeNone;
  if (cfg_.leader_noop) propose(now, make_noop(term_));
  round_pending_ = true;  // announce the leadership at once
  maybe_commit(now);
}

void RaftNode::observe_higher_term(Time now, Term term, NodeId leader) {
  if (cfg_.bugs.no_step_down && role_ == Role::leader) {
    // Planted bug `no-step-down`: the term is adopted but the leader keeps leading.
    set_term(term);
    if (observer_) observer_->on_state(*this);
    return;
  }
  become_follower(now, term, leader);  // §5.1: any higher term makes a server a follower
}

void RaftNode::set_term(Term term) {
  term_ = term;
  voted_for_ = kNoNode;
  effects_.hard_state_dirty = true;
}

void RaftNode::set_vote(NodeId vote) {
  voted_for_ = vote;
  effects_.hard_state_dirty = true;
}

void RaftNode::reset_election_timer(Time now) {
  const auto span = static_cast<std::uint64_t>(cfg_.election_max_ns - cfg_.election_min_ns);
  election_deadline_ =
      now + cfg_.election_min_ns + static_cast<Duration>(span == 0 ? 0 : random_.below(span + 1));
}

// ---------------------------------------------------------------- timers

void RaftNode::tick(Time now) {
  if (role_ == Role::leader) {
    const bool check_quorum = cfg_.check_quorum || cfg_.read_mode == ReadMode::lease;
    if (check_quorum && now >= quorum_check_deadline_) {
      // CheckQuorum (thesis §6.2): a leader that did not hear from a quorum during an
      // election timeout steps down, so clients find the real leader.
      if (!quorum_active()) {
        become_follower(now, term_, kNoNode);
        return;
      }
      for (Progress& pr : progress_) pr.recent_active = false;
      quorum_check_deadline_ = now + cfg_.election_min_ns;
    }
    if (now >= heartbeat_deadline_) broadcast_round(now, /*every_peer=*/false);
    return;
  }
  if (now >= election_deadline_) {
    campaign(now);
  } else if (role_ != Role::follower && now >= vote_resend_deadline_) {
    request_votes(role_ == Role::pre_candidate ? term_ + 1 : term_, role_ == Role::pre_candidate);
    vote_resend_deadline_ = now + cfg_.heartbeat_ns;
  }
}

Time RaftNode::next_deadline() const {
  if (role_ == Role::follower) return election_deadline_;
  if (role_ != Role::leader) return std::min(election_deadline_, vote_resend_deadline_);
  Time t = heartbeat_deadline_;
  if (cfg_.check_quorum || cfg_.read_mode == ReadMode::lease)
    t = std::min(t, quorum_check_deadline_);
  return t;
}

std::string_view RaftNode::next_deadline_name() const {
  const Time t = next_deadline();
  if (role_ != Role::leader) {
    return t == election_deadline_ ? "election timeout" : "vote request resend";
  }
  return t == heartbeat_deadline_ ? "heartbeat" : "quorum check";
}

void RaftNode::campaign(Time now) {
  if (!campaigns()) {
    reset_election_timer(now);
    return;
  }
  if (cfg_.pre_vote)
    become_pre_candidate(now);
  else
    become_candidate(now);
}

// Thesis §4.2.2: a server outside its own latest configuration still campaigns while
// that configuration is not known to be committed: it may be the only server that can
// bring it to commitment. A leader removing itself from {1, 2} appends {2}; if it steps
// down (CheckQuorum) before server 2 has the entry, server 2, still on {1, 2}, needs
// server 1's vote, which server 1 refuses (its log is longer), and the servers holding
// {2} other than 2 are not voters in it. Server 1 campaigns among {2}'s voters without
// counting its own vote, commits {2} as leader, and steps down (apply_committed). Once
// the configuration is committed it is not needed, and a removed server stays quiet.
bool RaftNode::campaigns() const { return is_voter() || config_index_ > commit_; }

void RaftNode::start_campaign(Time now) {
  FAULTLINE_ASSERT(campaigns(), "only a voter, or a server its configuration still needs, campaigns");
  votes_.clear();
  answered_.clear();
  vote_count_ = 0;
  // Its own vote counts only if it is a voter of its configuration (thesis §4.2.2).
  if (is_voter()) record_vote(cfg_.id);
  if (!is_voter()) ++stats_.campaigns_outside_config;
  answered_.add(cfg_.id);
  reset_election_timer(now);
  vote_resend_deadline_ = now + cfg_.heartbeat_ns;
}

// To every voter that has not answered yet: the first round, and again each heartbeat
// interval, so a lost request or a voter that was down does not stall the election.
void RaftNode::request_votes(Term term, bool pre_vote) {
  const RequestVote m{.term = term,
                      .last_log_index = log_.last_index(),
                      .last_log_term = log_.last_term(),
                      .pre_vote = pre_vote};
  for (NodeId peer : config_) {
    if (peer != cfg_.id && !answered_.contains(peer)) send(peer, m);
  }
}

void RaftNode::record_vote(NodeId from) {
  if (cfg_.bugs.count_votes_not_voters) {
    ++vote_count_;  // Planted bug: counts replies, so a duplicated vote counts twice.
    return;
  }
  votes_.add(from);
}

bool RaftNode::won_votes() const {
  if (cfg_.bugs.count_votes_not_voters) return vote_count_ >= quorum_.size();
  return quorum_.reached(votes_);
}

// §5.4.1: the candidate's log is at least as up-to-date as ours: a later last term, or
// the same last term and at least as long.
bool RaftNode::log_up_to_date(const RequestVote& m) const {
  if (cfg_.bugs.longer_log_wins) return m.last_log_index >= log_.last_index();
  if (m.last_log_term != log_.last_term()) return m.last_log_term > log_.last_term();
  return m.last_log_index >= log_.last_index();
}

// Thesis §4.2.3 / §6.4.1: with CheckQuorum (and so with leases), a server that heard from
// a leader less than a minimum election timeout ago neither grants a vote nor adopts the
// candidate's term. A leader is itself such a server.
bool RaftNode::in_lease(Time now) const {
  if (!cfg_.check_quorum && cfg_.read_mode != ReadMode::lease) return false;
  if (role_ == Role::leader) return true;
  return last_leader_contact_ != kTimeNone && now - last_leader_contact_ < cfg_.election_min_ns;
}

// ---------------------------------------------------------------- RequestVote

std::string_view RaftNode::on_request_vote(Time now, NodeId from, const RequestVote& m) {
  if (m.term < term_) {
    send(from, RequestVoteReply{.term = term_, .granted = false, .pre_vote = m.pre_vote});
    return {};
  }
  if (m.term > term_ && in_lease(now)) return "in lease: heard from a leader recently";
  if (m.pre_vote) {
    // Nothing changes here: the answer is what a real vote in m.term would be.
    const bool grant = m.term > term_ && log_up_to_date(m);
    send(from,
         RequestVoteReply{.term = grant ? m.term : term_, .granted = grant, .pre_vote = true});
    return {};
  }
  if (m.term > term_) observe_higher_term(now, m.term, kNoNode);
  const bool grant =
      m.term == term_ && (voted_for_ == kNoNode || voted_for_ == from) && log_up_to_date(m);
  if (grant) {
    set_vote(from);
    reset_election_timer(now);  // Figure 2: granting a vote resets the election timer
  }
  send(from, RequestVoteReply{.term = term_, .granted = grant, .pre_vote = false});
  return {};
}

std::string_view RaftNode::on_request_vote_reply(Time now, NodeId from, const RequestVoteReply& m) {
  if (m.pre_vote) {
    if (role_ != Role::pre_candidate) return "not pre-campaigning";
    if (!m.granted && m.term > term_) {
      become_follower(now, m.term, kNoNode);
      return {};
    }
    if (m.term != term_ + 1) return "stale pre-vote reply";
    answered_.add(from);
    if (!m.granted) return {};
    record_vote(from);
    if (won_votes()) become_candidate(now);
    return {};
  }
  if (m.term > term_) {
    observe_higher_term(now, m.term, kNoNode);
    return {};
  }
  if (m.term < term_ && !cfg_.bugs.accept_stale_replies) return "stale term";
  if (role_ != Role::candidate) return "not campaigning";
  answered_.add(from);
  if (!m.granted) return {};
  record_vote(from);
  if (won_votes()) become_leader(now);
  return {};
}

// ---------------------------------------------------------------- configuration

void RaftNode::recompute_config() {
  for (LogIndex i = log_.last_index(); i >= log_.first_index() && i > 0; --i) {
    if (log_.at(i).kind == EntryKind::config) {
      set_config(log_.at(i).config, i);
      return;
    }
  }
  set_config(snapshot_ ? snapshot_->config : cfg_.initial_config, 0);
}

void RaftNode::set_config(const Config& config, LogIndex index) {
  config_ = config;
  config_index_ = index;
  quorum_ = protocols::Quorum(config);
  FAULTLINE_ASSERT(quorum_.voters() == config_, "a configuration is sorted and distinct");
}

Config RaftNode::config_at(LogIndex index) const {
  for (LogIndex i = std::min(index, log_.last_index()); i >= log_.first_index() && i > 0; --i) {
    if (log_.at(i).kind == EntryKind::config) return log_.at(i).config;
  }
  return snapshot_ ? snapshot_->config : cfg_.initial_config;
}

}  // namespace faultline::raft
