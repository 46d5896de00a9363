#pragma once
// One Raft server as a state machine that never does I/O (etcd-raft style). A handler
// reads one message and the node's state, and emits effects into effects(): messages to
// send, and whether the hard state (currentTerm, votedFor), the log, or the snapshot
// must be written to stable storage. Whoever drives the node (RaftServer in the
// simulator, or a unit test) performs them: persist and sync first, then send, so no
// message ever depends on state a crash could forget (Figure 2: "Updated on stable
// storage before responding to RPCs"). Role changes happen only in become_*().
//
// Time is the node's local clock, passed in; randomness (election timeouts) comes from
// a RaftRandom. The node keeps its key-value state machine and applies committed entries
// itself, answering clients when it leads.
//
// Invariants (asserted where cheap, and checked across nodes by RaftObserver):
//  - commit_index >= last_applied >= log.snapshot_index; commit_index <= last_index;
//  - a leader never removes entries from its log (Leader Append-Only);
//  - role == leader implies this node won a quorum of its configuration in term_;
//  - stable_index <= last_index: what storage has synced, counted for the leader itself.
//
// Planted bugs (Bugs) are switches read by the real code paths; each is off by default.
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "kv/kv.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/quorum.hpp"
#include "raft/raft_log.hpp"
#include "raft/raft_messages.hpp"
#include "raft/raft_types.hpp"
#include "sim/message.hpp"

namespace faultline::raft {

inline constexpr Time kTimeNone = std::numeric_limits<Time>::min();
inline constexpr std::size_t kMaxServers = 64;  // servers a configuration may hold

enum class ReadMode : std::uint8_t {
  log,    // a get is a log entry like a write (the default)
  index,  // ReadIndex: confirm leadership with a heartbeat round, read once applied
  lease,  // leader lease: read locally while a quorum acked within the lease
};
std::string_view read_mode_name(ReadMode mode);

struct Bugs {
  bool figure8 = false;                    // commit an older-term entry by counting replicas
  bool no_persist_vote = false;            // term and vote kept in memory only
  bool no_persist_log = false;             // ack AppendEntries before the log is synced
  bool no_step_down = false;               // a leader adopts a higher term and keeps leading
  bool truncate_on_stale = false;          // truncate on a stale/duplicated AppendEntries
  bool longer_log_wins = false;            // up-to-date check by log length
  bool heartbeat_skips_check = false;      // heartbeats skip the prevLog check
  bool match_from_own_log = false;         // matchIndex from the leader's own log length
  bool accept_stale_replies = false;       // replies from older terms are counted
  bool count_votes_not_voters = false;     // a duplicated vote is counted twice
  bool local_reads = false;                // a leader reads locally without confirmation
  bool lease_longer_than_timeout = false;  // lease beyond the election timeout
  bool membership_no_term_commit = false;  // config change before committing in the term
  bool no_dedup = false;                   // retried client requests apply twice
};

struct NodeConfig {
  NodeId id = 0;
  std::vector<NodeId> servers = {};  // every server that may ever be a member (ids < 2^16)
  Config initial_config = {};        // the voters before any config entry
  Duration heartbeat_ns = 50 * sim::kMillisecond;
  Duration election_min_ns = 150 * sim::kMillisecond;
  Duration election_max_ns = 300 * sim::kMillisecond;
  bool leader_noop = true;  // a new leader appends a no-op of its term at once (§8)
  bool pre_vote = false;
  bool check_quorum = false;
  ReadMode read_mode = ReadMode::log;
  Duration lease_margin_ns = 30 * sim::kMillisecond;  // lease = election_min - margin
  std::uint64_t snapshot_interval = 0;  // compact after this many applied entries; 0: never
  std::size_t max_batch = 64;           // entries per AppendEntries
  Bugs bugs = {};
};

// What storage held when the node (re)started.
struct Restored {
  Term term = 0;
  NodeId voted_for = kNoNode;
  std::optional<Snapshot> snapshot = {};
  std::vector<Entry> entries = {};  // after the snapshot
};

// A message to send: any of raft_messages.hpp, type-erased as the simulator carries it.
using protocols::Outgoing;

struct Effects {
  std::vector<Outgoing> messages = {};
  bool hard_state_dirty = false;  // term or vote changed: write before sending
  bool snapshot_dirty = false;    // a new snapshot: rewrite storage from it
  // The log's unwritten suffix is RaftLog::unstable_from().
  bool empty() const { return messages.empty() && !hard_state_dirty && !snapshot_dirty; }
};

class RaftRandom {
 public:
  virtual ~RaftRandom() = default;
  virtual std::uint64_t below(std::uint64_t n) = 0;  // uniform in [0, n)
};

class RaftNode;

// Sees every change the invariants care about, at the moment it happens. Only observes.
class RaftObserver {
 public:
  virtual ~RaftObserver() = default;
  virtual void on_state(const RaftNode& node) = 0;  // role or term changed
  virtual void on_append(const RaftNode& node, LogIndex index, Term prev_term) = 0;
  virtual void on_truncate(const RaftNode& node, LogIndex from) = 0;  // before it happens
  virtual void on_commit(const RaftNode& node, LogIndex old_commit) = 0;
  virtual void on_snapshot_installed(const RaftNode& node, LogIndex old_commit) = 0;
};

struct NodeStats {
  std::uint64_t elections_won = 0;
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t config_changes = 0;
  std::uint64_t campaigns_outside_config = 0;  // thesis §4.2.2: needed by an uncommitted config
  std::uint64_t reads_local = 0;  // lease (or buggy local) reads
  std::uint64_t reads_index = 0;  // ReadIndex reads
};

class RaftNode {
 public:
  RaftNode(NodeConfig config, Restored restored, RaftRandom& random,
           RaftObserver* observer = nullptr);

  // The node is up: start the election timer.
  void start(Time now);

  // The handlers. Each returns an empty reason when it acted on the message, or why the
  // message was ignored (the trace records it).
  std::string_view step(Time now, const sim::Envelope& envelope);
  std::string_view on_request_vote(Time now, NodeId from, const RequestVote& m);
  std::string_view on_request_vote_reply(Time now, NodeId from, const RequestVoteReply& m);
  std::string_view on_append_entries(Time now, NodeId from, const AppendEntries& m);
  std::string_view on_append_entries_reply(Time now, NodeId from, const AppendEntriesReply& m);
  std::string_view on_install_snapshot(Time now, NodeId from, const InstallSnapshot& m);
  std::string_view on_install_snapshot_reply(Time now, NodeId from, const InstallSnapshotReply& m);
  std::string_view on_client_request(Time now, NodeId from, const ClientRequest& m);
  std::string_view on_config_change(Time now, NodeId from, const ConfigChange& m);

  // Timers: election timeout, heartbeats, the CheckQuorum round.
  void tick(Time now);
  Time next_deadline() const;
  // What next_deadline() is: "election timeout", "heartbeat", ... (the trace names it).
  std::string_view next_deadline_name() const;
  // The end of a batch of messages: send the appends and read rounds held back.
  void flush(Time now);
  // Storage has synced the log up to `index` (the leader counts itself from here), and
  // the term and vote: a candidate whose own vote is a quorum becomes leader here.
  void on_persisted(Time now, LogIndex index);

  Effects& effects() { return effects_; }
  const Effects& effects() const { return effects_; }
  RaftLog& log() { return log_; }

  NodeId id() const { return cfg_.id; }
  const NodeConfig& node_config() const { return cfg_; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId voted_for() const { return voted_for_; }
  NodeId leader() const { return leader_; }
  LogIndex commit_index() const { return commit_; }
  LogIndex last_applied() const { return applied_; }
  LogIndex stable_index() const { return stable_index_; }
  LogIndex term_start_index() const { return term_start_index_; }
  const RaftLog& log() const { return log_; }
  const Config& config() const { return config_; }
  const kv::KvStore& kv() const { return kv_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  const NodeStats& stats() const { return stats_; }
  Time election_deadline() const { return election_deadline_; }
  bool is_voter() const { return quorum_.contains(cfg_.id); }
  const protocols::Quorum& quorum() const { return quorum_; }
  Duration lease_duration() const;
  bool lease_valid(Time now) const;
  // The newest time t (this node's clock) such that a quorum of its configuration has
  // acknowledged, in this term, an AppendEntries sent at t or later (this node counts as
  // `now`); kTimeNone if no quorum has. Asked of a leader only (asserted).
  Time quorum_acked_at(Time now) const;
  // When a leader appended its first entry of the term (its clock); kTimeNone before.
  Time term_entry_at() const { return term_entry_at_; }

  struct Progress {
    LogIndex next = 1;
    LogIndex match = 0;
    bool probing = true;         // next is a guess: send one append at a time until one succeeds
    bool recent_active = false;  // heard from since the last CheckQuorum round
    std::uint64_t acked_read_seq = 0;
    Time acked_sent_at = kTimeNone;
    Time snapshot_sent_at = kTimeNone;
    Time last_sent_at = kTimeNone;  // the last AppendEntries to this follower
  };
  const Progress& progress(NodeId peer) const { return progress_[peer]; }

 private:
  struct PendingRead {
    NodeId client = kNoNode;
    std::uint64_t seq = 0;
    std::string key;
    LogIndex read_index = 0;
    std::uint64_t read_seq = 0;
  };
  struct PendingConfig {
    NodeId admin = kNoNode;
    std::uint64_t id = 0;
    LogIndex index = 0;
  };

  // Role changes.
  void become_follower(Time now, Term term, NodeId leader);
  void become_pre_candidate(Time now);
  void become_candidate(Time now);
  void become_leader(Time now);
  // A message carried a higher term: step down (§5.1), or with `no-step-down` not.
  void observe_higher_term(Time now, Term term, NodeId leader);

  void set_term(Term term);
  void set_vote(NodeId vote);
  void reset_election_timer(Time now);
  void campaign(Time now);
  bool campaigns() const;  // may it campaign now (a voter, or needed by its configuration)
  void start_campaign(Time now);
  void request_votes(Term term, bool pre_vote);
  void record_vote(NodeId from);
  bool won_votes() const;
  bool log_up_to_date(const RequestVote& m) const;
  bool in_lease(Time now) const;

  void follower_append(Time now, NodeId from, const AppendEntries& m);
  void append_entries(LogIndex prev, const std::vector<Entry>& entries);
  void append_entry(Entry entry);
  void truncate(LogIndex from);
  void advance_commit(Time now, LogIndex commit);
  void apply_committed(Time now);
  void apply_entry(LogIndex index);
  void maybe_compact();

  void send_append(Time now, NodeId peer);
  void send_snapshot(Time now, NodeId peer);
  void broadcast_round(Time now, bool every_peer);
  // What every reply to a leader's AppendEntries or InstallSnapshot passes first.
  // nullopt: handle it; otherwise the handler returns this (empty when a higher term was
  // adopted, else why the reply is ignored).
  std::optional<std::string_view> screen_leader_reply(Time now, NodeId from, Term term);
  void handle_ack(Time now, NodeId from, Term term, std::uint64_t read_seq, Time sent_at);
  LogIndex back_off(const Progress& pr, const AppendEntriesReply& m) const;
  void maybe_commit(Time now);
  void propose(Time now, Entry entry);
  void serve_read(Time now, NodeId client, const Command& c);
  void process_reads(Time now);
  bool quorum_acked(std::uint64_t read_seq) const;
  bool quorum_active() const;
  void drop_leader_state();
  void recompute_config();
  void set_config(const Config& config, LogIndex index);
  Config config_at(LogIndex index) const;
  bool replicates_to(NodeId peer) const { return peer != cfg_.id; }

  template <class M>
  void send(NodeId to, M message) {
    effects_.messages.push_back(Outgoing{to, sim::Payload(std::move(message))});
  }
  void reply_not_leader(NodeId to, std::uint64_t seq);

  NodeConfig cfg_ = {};
  RaftRandom& random_;
  RaftObserver* observer_;
  Effects effects_;

  // Persistent state (Figure 2), written through effects before any reply.
  Term term_ = 0;
  NodeId voted_for_ = kNoNode;
  RaftLog log_;
  std::optional<Snapshot> snapshot_ = {};

  // Volatile state.
  Role role_ = Role::follower;
  NodeId leader_ = kNoNode;
  LogIndex commit_ = 0;
  LogIndex applied_ = 0;
  LogIndex stable_index_ = 0;
  kv::KvStore kv_;
  Config config_ = {};
  protocols::Quorum quorum_;   // config_'s voters: every count of votes and acks uses it
  LogIndex config_index_ = 0;  // where config_ came from (0: snapshot or initial)
  Time election_deadline_ = kTimeNone;
  Time last_leader_contact_ = kTimeNone;

  // Candidate state.
  protocols::VoteSet votes_;          // distinct voters that granted
  std::size_t vote_count_ = 0;        // only for the planted bug count-votes-not-voters
  protocols::VoteSet answered_;       // voters that replied in this campaign
  Time vote_resend_deadline_ = kTimeNone;

  // Leader state.
  std::vector<Progress> progress_ = {};
  Time heartbeat_deadline_ = kTimeNone;
  Time quorum_check_deadline_ = kTimeNone;
  LogIndex term_start_index_ = 0;  // where the leader's first entry of its term goes
  Time term_entry_at_ = kTimeNone;  // when it was appended (by this node's clock)
  std::uint64_t read_seq_ = 0;
  std::vector<PendingRead> pending_reads_ = {};
  std::optional<PendingConfig> pending_config_ = {};
  bool replicate_pending_ = false;
  bool round_pending_ = false;

  NodeStats stats_;
};

}  // namespace faultline::raft
