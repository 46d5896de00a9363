#pragma once
// One Multi-Paxos server as a state machine that never does I/O ("Paxos Made Simple" §3).
// Every server is an acceptor, a learner (a replica of the key-value state machine) and
// a proposer that may become the distinguished leader:
//
//  follower   accepts what the leader proposes, learns chosen values from its Commit
//             messages, applies them in slot order; campaigns when it has not heard
//             from a leader for an election timeout (random in [t, 2t]).
//  candidate  phase 1 once for every slot from its first unknown one on: a fresh ballot
//             (its round durable before the Prepare leaves); collects from a majority
//             the highest-ballot value accepted in each open slot.
//  leader     re-proposes, in its ballot, that value in each open slot, a no-op in each
//             gap, and one no-op after them (its recovery ends with a choice of its own);
//             then gives each client command the next slot (phase 2 only); a slot is
//             chosen once a majority accepted it; sends chosen values to the replicas
//             and answers clients as it applies.
//
// Handlers read a message and the node's state and record effects: messages, durable
// changes (the promise and round; accepted entries, appended), facts for the invariants.
// Messages to itself are handled at once, inside the node (its own acceptor answers its
// own proposer), so the driver's persist-sync-send covers them too. Role changes happen
// only in become_*.
//
// Invariants asserted: commit_ <= the chosen slots known; applied_ == commit_ after each
// step; a leader proposes one value per slot in its ballot; an acceptor's accepted ballot
// in a slot never exceeds its promise.
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "kv/kv.hpp"
#include "paxos/multipaxos_messages.hpp"
#include "paxos/paxos_types.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/quorum.hpp"

namespace faultline::paxos {

enum class MultiRole : std::uint8_t { follower, candidate, leader };
std::string_view multi_role_name(MultiRole role);

struct MultiConfig {
  NodeId id = 0;
  std::uint32_t index = 0;           // the second part of its ballots
  std::vector<NodeId> servers = {};  // every server, sorted (all are acceptors)
  Duration heartbeat_ns = 50 * sim::kMillisecond;
  Duration election_min_ns = 150 * sim::kMillisecond;
  Duration election_max_ns = 300 * sim::kMillisecond;
  std::size_t max_batch = 64;  // slots per Accept or Commit message
  Bugs bugs = {};
};

struct AcceptedSlot {
  Ballot ballot = {};  // none: nothing accepted here
  Value value = {};
};

// What storage held when the server (re)started.
struct MultiRestored {
  Ballot promised = {};
  std::uint64_t round = 0;
  std::vector<AcceptedEntry> accepted = {};  // in the order written: a later one wins
};

struct MultiEffects {
  std::vector<protocols::Outgoing> messages = {};
  std::vector<Observed> observed = {};
  bool promise_dirty = false;       // the promise or the round changed
  std::vector<Slot> accepted = {};  // slots accepted since the last persist, in order
};

struct MultiStats {
  std::uint64_t elections_won = 0;
  std::uint64_t campaigns = 0;
  std::uint64_t preempted = 0;         // a leader or candidate refused by a higher ballot
  std::uint64_t recovered_values = 0;  // open slots re-proposed with a reported value
  std::uint64_t gaps_filled = 0;       // open slots filled with a no-op
  std::uint64_t commands_proposed = 0;
  void add(const MultiStats& o);
};

class MultiNode {
 public:
  MultiNode(MultiConfig config, MultiRestored restored, Random& random);
  MultiNode(const MultiNode&) = delete;
  MultiNode& operator=(const MultiNode&) = delete;

  void start(Time now);
  std::string_view step(Time now, const sim::Envelope& m);
  void tick(Time now);
  // The end of a batch: send the phase 2a entries and chosen values held back.
  void flush(Time now);
  Time next_deadline() const;
  std::string_view deadline_name() const;

  MultiEffects& effects() { return fx_; }
  const MultiEffects& effects() const { return fx_; }
  const MultiConfig& config() const { return cfg_; }
  MultiRole role() const { return role_; }
  Ballot ballot() const { return ballot_; }  // its own (candidate, leader)
  Ballot promised() const { return promised_; }
  std::uint64_t round() const { return round_; }
  NodeId leader() const { return leader_; }
  Ballot leader_ballot() const { return leader_ballot_; }
  Slot commit() const { return commit_; }
  Slot applied() const { return applied_; }
  std::size_t accepted_count() const { return accepted_count_; }
  Slot last_accepted_slot() const { return last_accepted_slot_; }
  const AcceptedSlot* accepted(Slot slot) const;
  const Value* chosen(Slot slot) const;
  const kv::KvStore& kv() const { return kv_; }
  // A leader that has chosen a value of its own ballot (its recovery is done).
  bool leading() const { return role_ == MultiRole::leader && commit_ >= recovery_end_; }
  const MultiStats& stats() const { return stats_; }
  std::uint64_t fingerprint() const;
  // What it writes when the promise is dirty (a planted bug may leave a part out).
  Ballot promised_to_write() const { return cfg_.bugs.forget_promise ? Ballot{} : promised_; }
  std::uint64_t round_to_write() const { return cfg_.bugs.ballot_reuse ? 0 : round_; }

 private:
  struct Proposal {
    Value value;
    protocols::VoteSet accepts;
    bool chosen = false;
  };
  struct Progress {
    Slot commit = 0;   // the replica's chosen prefix, as it last told us
    Slot sent_to = 0;  // the last chosen slot we sent it
  };

  // Role changes.
  void become_follower(Time now, NodeId leader, Ballot leader_ballot);
  void become_candidate(Time now);
  void become_leader(Time now);
  // A message showed a higher ballot than ours: a leader or candidate steps down.
  void observe_ballot(Time now, NodeId leader, Ballot b);

  // Acceptor (§2.2 phase 1b and 2b, for every slot at once).
  std::string_view on_prepare(Time now, NodeId from, const MultiPrepare& m);
  std::string_view on_accept(Time now, NodeId from, const MultiAccept& m);
  void accept_entry(Slot slot, Ballot b, const Value& v);
  // Candidate and leader.
  std::string_view on_promise(Time now, NodeId from, const MultiPromise& m);
  std::string_view on_accepted(Time now, NodeId from, const MultiAccepted& m);
  std::string_view on_nack(Time now, NodeId from, const MultiNack& m);
  std::string_view on_commit_ack(NodeId from, const CommitAck& m);
  std::string_view on_client_request(Time now, NodeId from, const kv::ClientRequest& m);
  void recover(Time now);
  void propose(Slot slot, Value value);
  void send_prepares();
  void send_commits(bool heartbeat);
  void resend_unchosen();
  // Learner and replica.
  std::string_view on_commit(Time now, NodeId from, const Commit& m);
  void learn(Slot slot, const Value& v, Ballot b);
  void advance_commit();
  void apply(Slot slot);

  void reset_election_timer(Time now);
  std::string_view dispatch(Time now, const sim::Envelope& m);
  void run_local(Time now);
  template <class M>
  void send(NodeId to, M message) {
    if (to == cfg_.id) {
      local_.push_back(sim::Payload(std::move(message)));
      return;
    }
    fx_.messages.push_back(protocols::Outgoing{to, sim::Payload(std::move(message))});
  }
  std::size_t majority() const { return protocols::majority(cfg_.servers.size()); }

  MultiConfig cfg_;
  Random& random_;
  MultiEffects fx_;
  std::vector<sim::Payload> local_;  // messages to itself, handled before the step returns

  // Acceptor: durable.
  Ballot promised_;
  std::vector<AcceptedSlot> accepted_;  // by slot (0 unused)
  std::size_t accepted_count_ = 0;
  Slot last_accepted_slot_ = 0;  // the slot of its latest acceptance (for the trace)
  // Proposer: durable.
  std::uint64_t round_ = 0;
  std::uint64_t seen_round_ = 0;  // the highest round any message showed (volatile)

  // Learner and replica: volatile, learned again from the leader after a restart.
  std::vector<std::optional<Value>> chosen_;  // by slot
  Slot commit_ = 0;
  Slot applied_ = 0;
  kv::KvStore kv_;

  MultiRole role_ = MultiRole::follower;
  NodeId leader_ = kNoNode;
  Ballot leader_ballot_;
  Time election_deadline_ = sim::kTimeNever;
  Time resend_deadline_ = sim::kTimeNever;
  Time heartbeat_deadline_ = sim::kTimeNever;

  // Candidate.
  Ballot ballot_;
  Slot from_slot_ = 1;
  protocols::VoteSet promises_;
  std::map<Slot, AcceptedEntry> reported_;  // per open slot: the value to re-propose
  // Leader.
  std::map<Slot, Proposal> proposals_;  // unchosen, or chosen and not yet applied
  Slot next_slot_ = 1;
  Slot recovery_end_ = 0;  // the leader's own no-op: chosen means recovery is done
  std::map<std::pair<NodeId, std::uint64_t>, Slot> in_flight_;  // (client, seq) -> slot
  std::vector<SlotValue> pending_accepts_;  // proposed this batch, sent at flush
  std::vector<Progress> progress_;          // by node id
  Slot commit_sent_ = 0;                    // the chosen prefix last broadcast

  MultiStats stats_;
};

// Storage encodings through the kit's codec (paired: read(write(x)) == x).
std::string write_multi_promise(Ballot promised, std::uint64_t round);
std::optional<std::pair<Ballot, std::uint64_t>> read_multi_promise(std::string_view record);
std::string write_accepted_entry(const AcceptedEntry& e);
std::string write_accepted_entry(Slot slot, Ballot ballot, const Value& value);
std::optional<AcceptedEntry> read_accepted_entry(std::string_view record);

}  // namespace faultline::paxos
