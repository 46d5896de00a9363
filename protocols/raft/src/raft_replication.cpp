// RaftNode: log replication (AppendEntries, InstallSnapshot), commitment, applying,
// client requests, reads (log, ReadIndex, lease) and single-server membership changes.
#include <algorithm>
#include <array>
#include <stdexcept>

#include "raft/raft_node.hpp"

namespace faultline::raft {

// ---------------------------------------------------------------- AppendEntries (follower)

std::string_view RaftNode::on_append_entries(Time now, NodeId from, const AppendEntries& m) {
  if (m.term < term_) {
    // Figure 2 rule 1: reply false; our term tells the stale leader to step down. The
    // reply acknowledges no round: it echoes no read_seq or send time. It carries our
    // term, which may be its sender's term by now: a leader that crashed, restarted and
    // won this term counted such echoes of its previous life's read rounds (numbered
    // from 0 again after the restart, so the old ones were higher) as a quorum for
    // every new ReadIndex read, and served stale reads while isolated (seed 1013199).
    send(from, AppendEntriesReply{
                   .term = term_, .prev_log_index = m.prev_log_index, .sent_at = kTimeNone});
    return {};
  }
  if (m.term > term_) observe_higher_term(now, m.term, from);
  if (role_ == Role::leader) return "a leader of this term does not follow";
  if (role_ != Role::follower) become_follower(now, term_, from);  // §5.2: a candidate yields
  leader_ = from;
  last_leader_contact_ = now;
  reset_election_timer(now);
  follower_append(now, from, m);
  return {};
}

void RaftNode::follower_append(Time now, NodeId from, const AppendEntries& m) {
  AppendEntriesReply reply{.term = term_,
                           .prev_log_index = m.prev_log_index,
                           .read_seq = m.read_seq,
                           .sent_at = m.sent_at};
  if (cfg_.bugs.heartbeat_skips_check && m.entries.empty()) {
    // Planted bug: a heartbeat is taken on trust, without the prevLog check.
    advance_commit(now, std::min(m.leader_commit, log_.last_index()));
    reply.success = true;
    reply.match_index = m.prev_log_index;
    send(from, reply);
    return;
  }
  if (m.prev_log_index < commit_) {
    // Everything up to our commit index is settled and equal to the leader's log (Leader
    // Completeness); a late or duplicated message changes nothing. Say how far we match.
    reply.success = true;
    reply.match_index = commit_;
    send(from, reply);
    return;
  }
  if (m.prev_log_index > log_.last_index()) {
    // Figure 2 rule 2: no entry at prevLogIndex. Back-off hint: our log ends here.
    reply.conflict_index = log_.last_index() + 1;
    send(from, reply);
    return;
  }
  const Term prev_term = *log_.term_at(m.prev_log_index);
  if (prev_term != m.prev_log_term) {
    // Figure 2 rule 2: the terms differ. §5.3 hint: the conflicting term and where we
    // store its first entry, so the leader skips the whole term in one round trip.
    reply.conflict_term = prev_term;
    reply.conflict_index =
        std::max(commit_ + 1, log_.first_index_of_term(m.prev_log_index, prev_term));
    send(from, reply);
    return;
  }
  append_entries(m.prev_log_index, m.entries);
  // The last index known to match the leader: the last entry of this message. Entries we
  // hold beyond it were not checked against the leader's log.
  const LogIndex match = m.prev_log_index + m.entries.size();
  if (m.leader_commit > commit_) advance_commit(now, std::min(m.leader_commit, match));
  reply.success = true;
  reply.match_index = match;
  send(from, reply);
}

// Figure 2 rules 3 and 4: delete an existing entry that conflicts with a new one (same
// index, different term) and all that follow it; append any new entries not already in
// the log. An entry already present with the same term stays, and so does the rest of
// the log: a reordered or duplicated message must not undo later appends.
void RaftNode::append_entries(LogIndex prev, const std::vector<Entry>& entries) {
  if (cfg_.bugs.truncate_on_stale && !entries.empty() && log_.last_index() > prev) {
    truncate(prev + 1);  // Planted bug: truncates whatever follows prevLogIndex.
  }
  std::size_t k = 0;
  for (; k < entries.size(); ++k) {
    const LogIndex index = prev + 1 + k;
    if (!log_.has(index)) break;
    if (log_.at(index).term != entries[k].term) {
      truncate(index);
      break;
    }
  }
  for (; k < entries.size(); ++k) append_entry(entries[k]);
}

void RaftNode::append_entry(Entry entry) {
  const Term prev_term = log_.last_term();
  const bool is_config = entry.kind == EntryKind::config;
  log_.append(std::move(entry));
  const LogIndex index = log_.last_index();
  if (is_config) {
    // Thesis §4.1: a server uses the latest configuration in its log, committed or not.
    set_config(log_.at(index).config, index);
  }
  if (observer_) observer_->on_append(*this, index, prev_term);
}

void RaftNode::truncate(LogIndex from) {
  from = std::max(from, log_.first_index());  // (only a planted bug reaches below)
  if (from > log_.last_index()) return;
  if (observer_) observer_->on_truncate(*this, from);
  log_.truncate_from(from);
  stable_index_ = std::min(stable_index_, from - 1);
  // Correct Raft never gets here with from <= commit_ (Leader Completeness); a planted
  // bug can. The observer has reported it; keep the node's indices inside its log.
  commit_ = std::min(commit_, from - 1);
  applied_ = std::min(applied_, from - 1);
  if (config_index_ >= from) recompute_config();
}

// ---------------------------------------------------------------- commitment and applying

void RaftNode::advance_commit(Time now, LogIndex commit) {
  if (commit <= commit_) return;
  const LogIndex old = commit_;
  commit_ = commit;
  if (observer_) observer_->on_commit(*this, old);
  apply_committed(now);
}

void RaftNode::apply_committed(Time now) {
  bool removed_self = false;
  while (applied_ < commit_) {
    apply_entry(++applied_);
    const Entry& e = log_.at(applied_);
    if (e.kind == EntryKind::config && role_ == Role::leader && applied_ >= config_index_ &&
        !config_contains(e.config, cfg_.id)) {
      removed_self = true;
    }
  }
  maybe_compact();
  if (role_ == Role::leader) process_reads(now);
  // Thesis §4.2.2: a leader that is not in the committed configuration steps down.
  if (removed_self) become_follower(now, term_, kNoNode);
}

void RaftNode::apply_entry(LogIndex index) {
  const Entry& e = log_.at(index);
  if (e.kind == EntryKind::command) {
    const ApplyResult r = kv_.apply(e.command, /*dedup=*/!cfg_.bugs.no_dedup);
    if (role_ == Role::leader && r.kind != ApplyKind::stale) {
      send(e.command.client, ClientReply{.seq = e.command.seq,
                                         .status = ReplyStatus::ok,
                                         .leader_hint = cfg_.id,
                                         .outcome = r.outcome});
    }
  } else if (e.kind == EntryKind::config) {
    ++stats_.config_changes;
    if (role_ == Role::leader && pending_config_ && pending_config_->index == index) {
      send(pending_config_->admin, ConfigChangeReply{.id = pending_config_->id,
                                                     .status = ReplyStatus::ok,
                                                     .leader_hint = cfg_.id,
                                                     .config = e.config});
      pending_config_.reset();
    }
  }
}

// §7: once enough entries are applied, the state machine's state replaces them.
void RaftNode::maybe_compact() {
  if (cfg_.snapshot_interval == 0) return;
  if (applied_ - log_.snapshot_index() < cfg_.snapshot_interval) return;
  Snapshot s;
  s.last_index = applied_;
  s.last_term = *log_.term_at(applied_);
  s.config = config_at(applied_);
  s.state = kv_.state();
  log_.compact_to(s.last_index, s.last_term);
  snapshot_ = std::move(s);
  effects_.snapshot_dirty = true;
  ++stats_.snapshots_taken;
}

// Leader: the highest index stored on a quorum of the configuration. §5.4.2: only an
// entry of the current term is committed by counting replicas; earlier ones commit with it.
void RaftNode::maybe_commit(Time now) {
  if (role_ != Role::leader || config_.empty()) return;
  const LogIndex n = quorum_.quorum_min(
      [&](NodeId voter) { return voter == cfg_.id ? stable_index_ : progress_[voter].match; });
  if (n <= commit_) return;
  // Planted bug `figure8`: commits an entry of an older term by counting replicas.
  if (!cfg_.bugs.figure8 && log_.term_at(n) != term_) return;
  advance_commit(now, n);
}

void RaftNode::on_persisted(Time now, LogIndex index) {
  stable_index_ = std::min(index, log_.last_index());
  // A candidate whose own vote decided the election: its term and vote are durable now.
  if (role_ == Role::candidate && won_votes()) {
    become_leader(now);  // commits what it can
    return;
  }
  maybe_commit(now);
}

// ---------------------------------------------------------------- AppendEntries (leader)

std::optional<std::string_view> RaftNode::screen_leader_reply(Time now, NodeId from, Term term) {
  if (term > term_) {
    observe_higher_term(now, term, kNoNode);
    return std::string_view{};
  }
  if (term < term_ && !cfg_.bugs.accept_stale_replies) return "stale term";
  if (role_ != Role::leader) return "not leader";
  if (from >= progress_.size()) return "not a server";
  return std::nullopt;
}

std::string_view RaftNode::on_append_entries_reply(Time now, NodeId from,
                                                   const AppendEntriesReply& m) {
  if (auto done = screen_leader_reply(now, from, m.term)) return *done;
  Progress& pr = progress_[from];
  handle_ack(now, from, m.term, m.read_seq, m.sent_at);
  if (m.success) {
    // Planted bug `match-from-own-log`: takes the leader's own log length as the match.
    const LogIndex match = cfg_.bugs.match_from_own_log ? log_.last_index() : m.match_index;
    const bool advanced = match > pr.match;
    pr.match = std::max(pr.match, match);
    pr.next = std::max(pr.next, pr.match + 1);
    pr.probing = false;
    if (advanced) maybe_commit(now);  // a heartbeat's ack moves nothing
    if (role_ == Role::leader && pr.next <= log_.last_index()) send_append(now, from);
  } else {
    // A refusal answers one request. If it is not the probe in flight (a duplicate, or
    // a late answer to an earlier one), acting on it would only send more probes: every
    // duplicated refusal would start another chain of them.
    const bool current =
        pr.probing ? m.prev_log_index + 1 == pr.next : m.prev_log_index >= pr.match;
    if (!current) return "refusal of an earlier request";
    pr.next = back_off(pr, m);
    pr.probing = true;
    send_append(now, from);
  }
  if (role_ == Role::leader) process_reads(now);
  return {};
}

// A reply in our term, successful or not, shows the follower accepts us as leader: it
// counts for CheckQuorum, ReadIndex rounds and the lease.
void RaftNode::handle_ack(Time /*now*/, NodeId from, Term /*term*/, std::uint64_t read_seq,
                          Time sent_at) {
  Progress& pr = progress_[from];
  pr.recent_active = true;
  pr.acked_read_seq = std::max(pr.acked_read_seq, read_seq);
  pr.acked_sent_at = std::max(pr.acked_sent_at, sent_at);
}

LogIndex RaftNode::back_off(const Progress& pr, const AppendEntriesReply& m) const {
  LogIndex next = m.conflict_index;
  if (m.conflict_term > 0) {
    const LogIndex last = log_.last_index_of_term(m.conflict_term);
    if (last > 0) next = last + 1;
  }
  const LogIndex lo = pr.match + 1;
  return std::clamp<LogIndex>(next, lo, std::max(lo, log_.last_index() + 1));
}

void RaftNode::send_append(Time now, NodeId peer) {
  Progress& pr = progress_[peer];
  pr.last_sent_at = now;
  pr.next = std::min(pr.next, log_.last_index() + 1);
  if (pr.next <= log_.snapshot_index()) {
    send_snapshot(now, peer);
    return;
  }
  AppendEntries m;
  m.term = term_;
  m.prev_log_index = pr.next - 1;
  m.prev_log_term = *log_.term_at(m.prev_log_index);
  m.leader_commit = commit_;
  m.read_seq = read_seq_;
  m.sent_at = now;
  m.entries = log_.slice(pr.next, cfg_.max_batch);
  // Optimistic pipelining once the follower is known to match; a probe waits for its reply.
  if (!pr.probing) pr.next += m.entries.size();
  send(peer, std::move(m));
}

void RaftNode::send_snapshot(Time now, NodeId peer) {
  Progress& pr = progress_[peer];
  if (!snapshot_) throw std::logic_error("raft: no snapshot to send");
  // One snapshot per heartbeat interval: it is large, and the reply moves `next` on.
  if (pr.snapshot_sent_at != kTimeNone && now - pr.snapshot_sent_at < cfg_.heartbeat_ns &&
      now >= pr.snapshot_sent_at) {
    return;
  }
  pr.snapshot_sent_at = now;
  send(peer, InstallSnapshot{
                 .term = term_, .read_seq = read_seq_, .sent_at = now, .snapshot = *snapshot_});
}

// A heartbeat round: an AppendEntries to every other server, carrying whatever entries it
// lacks, and a new round number that ReadIndex reads wait on.
// A heartbeat round (every_peer = false) skips a follower that got an AppendEntries less
// than a heartbeat interval ago: that message was its heartbeat. A round that a read
// waits on goes to every follower.
void RaftNode::broadcast_round(Time now, bool every_peer) {
  ++read_seq_;
  for (NodeId peer : cfg_.servers) {
    if (!replicates_to(peer)) continue;
    const Time last = progress_[peer].last_sent_at;
    if (!every_peer && last != kTimeNone && now >= last && now - last < cfg_.heartbeat_ns) continue;
    send_append(now, peer);
  }
  heartbeat_deadline_ = now + cfg_.heartbeat_ns;
  round_pending_ = false;
  replicate_pending_ = false;
}

void RaftNode::flush(Time now) {
  if (role_ != Role::leader) {
    round_pending_ = replicate_pending_ = false;
    return;
  }
  if (round_pending_) {
    broadcast_round(now, /*every_peer=*/true);
  } else if (replicate_pending_) {
    for (NodeId peer : cfg_.servers) {
      if (!replicates_to(peer)) continue;
      const Progress& pr = progress_[peer];
      if (!pr.probing && pr.next <= log_.last_index()) send_append(now, peer);
    }
    replicate_pending_ = false;
  }
  process_reads(now);
}

// ---------------------------------------------------------------- InstallSnapshot

std::string_view RaftNode::on_install_snapshot(Time now, NodeId from, const InstallSnapshot& m) {
  if (m.term < term_) {
    // As for AppendEntries: a refusal acknowledges no round.
    send(from, InstallSnapshotReply{.term = term_, .sent_at = kTimeNone});
    return {};
  }
  if (m.term > term_) observe_higher_term(now, m.term, from);
  if (role_ == Role::leader) return "a leader of this term does not follow";
  if (role_ != Role::follower) become_follower(now, term_, from);
  leader_ = from;
  last_leader_contact_ = now;
  reset_election_timer(now);
  const Snapshot& s = m.snapshot;
  InstallSnapshotReply reply{
      .term = term_, .match_index = s.last_index, .read_seq = m.read_seq, .sent_at = m.sent_at};
  if (s.last_index <= commit_) {
    reply.match_index = commit_;  // we already have all of it
    send(from, reply);
    return {};
  }
  const LogIndex old_commit = commit_;
  if (log_.term_at(s.last_index) == s.last_term) {
    log_.compact_to(s.last_index, s.last_term);  // §7: keep the entries that follow it
  } else {
    // §7: discard the entire log. Entries up to last_index are covered by the snapshot;
    // only those beyond it are removed outright.
    if (log_.last_index() > s.last_index) truncate(s.last_index + 1);
    log_.reset(s.last_index, s.last_term);
  }
  kv_ = KvStore(s.state);
  snapshot_ = s;
  commit_ = applied_ = s.last_index;
  stable_index_ = std::min(stable_index_, s.last_index);
  recompute_config();
  effects_.snapshot_dirty = true;
  ++stats_.snapshots_installed;
  if (observer_) observer_->on_snapshot_installed(*this, old_commit);
  send(from, reply);
  return {};
}

std::string_view RaftNode::on_install_snapshot_reply(Time now, NodeId from,
                                                     const InstallSnapshotReply& m) {
  if (auto done = screen_leader_reply(now, from, m.term)) return *done;
  handle_ack(now, from, m.term, m.read_seq, m.sent_at);
  Progress& pr = progress_[from];
  pr.match = std::max(pr.match, m.match_index);
  pr.next = std::max(pr.next, pr.match + 1);
  pr.probing = false;
  pr.snapshot_sent_at = kTimeNone;
  maybe_commit(now);
  if (role_ == Role::leader && pr.next <= log_.last_index()) send_append(now, from);
  if (role_ == Role::leader) process_reads(now);
  return {};
}

// ---------------------------------------------------------------- clients

void RaftNode::reply_not_leader(NodeId to, std::uint64_t seq) {
  send(to,
       ClientReply{
           .seq = seq, .status = ReplyStatus::not_leader, .leader_hint = leader_, .outcome = {}});
}

std::string_view RaftNode::on_client_request(Time now, NodeId from, const ClientRequest& m) {
  const Command& c = m.command;
  if (c.client != from) return "client id does not match the sender";
  if (role_ != Role::leader) {
    reply_not_leader(from, c.seq);
    return {};
  }
  if (c.op == OpKind::get && (cfg_.read_mode != ReadMode::log || cfg_.bugs.local_reads)) {
    serve_read(now, from, c);
    return {};
  }
  if (!cfg_.bugs.no_dedup) {
    // A retry of a command already applied: answer from the session, apply nothing.
    if (auto outcome = kv_.cached(c)) {
      send(from, ClientReply{.seq = c.seq,
                             .status = ReplyStatus::ok,
                             .leader_hint = cfg_.id,
                             .outcome = *outcome});
      return {};
    }
    if (kv_.is_stale(c)) return "older than the client's last applied command";
  }
  propose(now, make_command(term_, c));
  return {};
}

void RaftNode::propose(Time now, Entry entry) {
  append_entry(std::move(entry));
  if (log_.last_index() == term_start_index_) term_entry_at_ = now;
  replicate_pending_ = true;
}

void RaftNode::serve_read(Time now, NodeId client, const Command& c) {
  if (cfg_.bugs.local_reads) {
    // Planted bug: the leader answers from its state machine without asking anyone.
    ++stats_.reads_local;
    send(client, ClientReply{.seq = c.seq,
                             .status = ReplyStatus::ok,
                             .leader_hint = cfg_.id,
                             .outcome = {true, kv_.get(c.key)}});
    return;
  }
  if (cfg_.read_mode == ReadMode::lease && lease_valid(now)) {
    ++stats_.reads_local;
    send(client, ClientReply{.seq = c.seq,
                             .status = ReplyStatus::ok,
                             .leader_hint = cfg_.id,
                             .outcome = {true, kv_.get(c.key)}});
    return;
  }
  // ReadIndex (thesis §6.4): note the commit index (at least the no-op of this term, which
  // must commit first), confirm leadership with a new heartbeat round, then read once the
  // state machine has applied up to that index.
  if (log_.last_index() < term_start_index_) {
    // No entry of this term yet (leader_noop=false): the first one would be the next
    // write, which never comes while every client waits on a read. Thesis §6.4 commits a
    // no-op for exactly this; append it now. (A sweep found the cluster stuck so.)
    propose(now, make_noop(term_));
  }
  pending_reads_.push_back(PendingRead{.client = client,
                                       .seq = c.seq,
                                       .key = c.key,
                                       .read_index = std::max(commit_, term_start_index_),
                                       .read_seq = read_seq_ + 1});
  round_pending_ = true;
}

bool RaftNode::quorum_acked(std::uint64_t read_seq) const {
  return quorum_.quorum_min([&](NodeId voter) {
           return voter == cfg_.id ? read_seq : progress_[voter].acked_read_seq;
         }) >= read_seq;
}

void RaftNode::process_reads(Time /*now*/) {
  std::size_t done = 0;
  for (const PendingRead& r : pending_reads_) {
    if (applied_ < r.read_index || !quorum_acked(r.read_seq)) break;
    ++stats_.reads_index;
    send(r.client, ClientReply{.seq = r.seq,
                               .status = ReplyStatus::ok,
                               .leader_hint = cfg_.id,
                               .outcome = {true, kv_.get(r.key)}});
    ++done;
  }
  if (done > 0)
    pending_reads_.erase(pending_reads_.begin(),
                         pending_reads_.begin() + static_cast<std::ptrdiff_t>(done));
}

Duration RaftNode::lease_duration() const {
  // Planted bug `lease-longer-than-timeout`: a lease longer than any election timeout.
  if (cfg_.bugs.lease_longer_than_timeout) return 2 * cfg_.election_max_ns;
  return cfg_.election_min_ns - cfg_.lease_margin_ns;
}

// Thesis §6.4.1: a quorum acknowledged a heartbeat sent at time t, so none of them votes
// for another leader before t + election_min (by their clocks). The lease runs from the
// quorum's oldest such t, minus a margin for clock drift.
bool RaftNode::lease_valid(Time now) const {
  if (role_ != Role::leader || commit_ < term_start_index_ || config_.empty()) return false;
  const Time start = quorum_acked_at(now);
  return start != kTimeNone && now < start + lease_duration();
}

Time RaftNode::quorum_acked_at(Time now) const {
  FAULTLINE_ASSERT(role_ == Role::leader, "only a leader's acknowledgements are counted");
  if (config_.empty()) return kTimeNone;
  // Times as offsets from kTimeNone, so the quorum's order is the times' order. Unsigned
  // arithmetic: t - kTimeNone overflows a signed Time for every t >= 0 (UBSan found it).
  constexpr auto kNone = static_cast<std::uint64_t>(kTimeNone);
  const auto since_none = [](Time t) { return static_cast<std::uint64_t>(t) - kNone; };
  return static_cast<Time>(kNone + quorum_.quorum_min([&](NodeId voter) {
                             return since_none(voter == cfg_.id ? now : progress_[voter].acked_sent_at);
                           }));
}

bool RaftNode::quorum_active() const {
  return quorum_.quorum_min([&](NodeId voter) {
           return voter == cfg_.id || progress_[voter].recent_active ? 1u : 0u;
         }) == 1;
}

void RaftNode::drop_leader_state() {
  // Reads waiting for confirmation certainly were not served: tell the clients now.
  for (const PendingRead& r : pending_reads_) {
    send(r.client, ClientReply{.seq = r.seq,
                               .status = ReplyStatus::not_leader,
                               .leader_hint = kNoNode,
                               .outcome = {}});
  }
  pending_reads_.clear();
  pending_config_.reset();
  round_pending_ = replicate_pending_ = false;
}

// ---------------------------------------------------------------- membership

std::string_view RaftNode::on_config_change(Time now, NodeId from, const ConfigChange& m) {
  auto reply = [&](ReplyStatus status) {
    send(from, ConfigChangeReply{
                   .id = m.id, .status = status, .leader_hint = leader_, .config = config_});
  };
  if (role_ != Role::leader) {
    reply(ReplyStatus::not_leader);
    return {};
  }
  // One change at a time: the previous one must be committed (thesis §4.1).
  if (config_index_ > commit_) {
    reply(ReplyStatus::busy);
    return {};
  }
  // The rule found missing in 2015 (Ongaro, raft-dev): a leader first commits an entry
  // of its own term, so no uncommitted change of an earlier leader can be overtaken.
  if (!cfg_.bugs.membership_no_term_commit && commit_ < term_start_index_) {
    reply(ReplyStatus::busy);
    return {};
  }
  Config next = config_;
  if (m.add && !config_contains(next, m.server)) {
    if (std::find(cfg_.servers.begin(), cfg_.servers.end(), m.server) == cfg_.servers.end()) {
      return "not a server";
    }
    next.push_back(m.server);
    std::sort(next.begin(), next.end());
  } else if (!m.add && config_contains(next, m.server)) {
    if (next.size() == 1) return "would remove the last voter";
    next.erase(std::find(next.begin(), next.end(), m.server));
  }
  if (next == config_) {
    reply(ReplyStatus::ok);  // already so, and committed
    return {};
  }
  propose(now, make_config(term_, std::move(next)));
  pending_config_ = PendingConfig{.admin = from, .id = m.id, .index = log_.last_index()};
  maybe_commit(now);
  return {};
}

}  // namespace faultline::raft
