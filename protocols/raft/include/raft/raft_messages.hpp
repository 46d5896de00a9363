#pragma once
// The messages of Raft (Figure 2's RequestVote and AppendEntries RPCs as request/reply
// pairs, §7's InstallSnapshot) and of the membership administrator.
// The sender of a message is the envelope's `from`: candidateId and leaderId of the
// paper's RPCs are not repeated inside.
//
// Extensions beyond Figure 2, each named where it is used:
//  - pre_vote (thesis §9.6): a RequestVote that asks "would you vote for me?" without
//    anyone changing their term;
//  - read_seq / sent_at in AppendEntries and its reply: the leader's heartbeat round
//    number and its local send time, echoed back, which confirm leadership for ReadIndex
//    reads (thesis §6.4) and extend the leader's lease (thesis §6.4.1);
//  - conflict_index / conflict_term in a rejected AppendEntries reply: the fast back-off
//    of §5.3 ("the follower can include the term of the conflicting entry and the first
//    index it stores for that term").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raft/raft_types.hpp"
#include "sim/message.hpp"

namespace faultline::raft {

void describe_entries(sim::Fields& f, LogIndex first, const std::vector<Entry>& entries);
void describe_config(sim::Fields& f, std::string_view name, const Config& config);

struct RequestVote {
  static constexpr std::string_view kName = "RequestVote";
  Term term = 0;  // the candidate's term (pre-vote: the term it would campaign in)
  LogIndex last_log_index = 0;
  Term last_log_term = 0;
  bool pre_vote = false;
  void describe(sim::Fields& f) const {
    f("term", term)("last_log_index", last_log_index)("last_log_term", last_log_term);
    if (pre_vote) f("pre_vote", true);
  }
};

struct RequestVoteReply {
  static constexpr std::string_view kName = "RequestVoteReply";
  Term term = 0;
  bool granted = false;
  bool pre_vote = false;
  void describe(sim::Fields& f) const {
    f("term", term)("granted", granted);
    if (pre_vote) f("pre_vote", true);
  }
};

struct AppendEntries {
  static constexpr std::string_view kName = "AppendEntries";
  Term term = 0;
  LogIndex prev_log_index = 0;
  Term prev_log_term = 0;
  LogIndex leader_commit = 0;
  std::uint64_t read_seq = 0;  // the leader's heartbeat round
  Time sent_at = 0;            // the leader's local clock when it sent this
  std::vector<Entry> entries = {};
  void describe(sim::Fields& f) const {
    f("term", term)("prev_log_index", prev_log_index)("prev_log_term", prev_log_term);
    f("leader_commit", leader_commit)("read_seq", read_seq);
    describe_entries(f, prev_log_index + 1, entries);
  }
  std::uint32_t size_bytes() const;
};

struct AppendEntriesReply {
  static constexpr std::string_view kName = "AppendEntriesReply";
  Term term = 0;
  bool success = false;
  LogIndex match_index = 0;     // success: the last index known to match the leader's log
  LogIndex conflict_index = 0;  // failure: where the leader should look next
  Term conflict_term = 0;       // failure: the term of the conflicting entry (0: none)
  LogIndex prev_log_index = 0;  // echoed: which request this answers
  std::uint64_t read_seq = 0;   // echoed
  Time sent_at = 0;             // echoed
  void describe(sim::Fields& f) const {
    f("term", term)("success", success)("prev_log_index", prev_log_index);
    if (success)
      f("match_index", match_index);
    else
      f("conflict_index", conflict_index)("conflict_term", conflict_term);
    f("read_seq", read_seq);
  }
};

struct InstallSnapshot {
  static constexpr std::string_view kName = "InstallSnapshot";
  Term term = 0;
  std::uint64_t read_seq = 0;
  Time sent_at = 0;
  Snapshot snapshot = {};
  void describe(sim::Fields& f) const {
    f("term", term)("last_included_index", snapshot.last_index)(
        "last_included_term", snapshot.last_term)("keys", snapshot.state.data.size());
    describe_config(f, "config", snapshot.config);
  }
  std::uint32_t size_bytes() const;
};

struct InstallSnapshotReply {
  static constexpr std::string_view kName = "InstallSnapshotReply";
  Term term = 0;
  LogIndex match_index = 0;
  std::uint64_t read_seq = 0;
  Time sent_at = 0;
  void describe(sim::Fields& f) const { f("term", term)("match_index", match_index); }
};

// The key-value service's messages (protocols/kv): a client's request, and the reply.
using kv::ClientReply;
using kv::ClientRequest;
using kv::ReplyStatus;

// The administrator's single-server membership change (thesis §4.1).
struct ConfigChange {
  static constexpr std::string_view kName = "ConfigChange";
  std::uint64_t id = 0;
  bool add = true;  // add or remove
  NodeId server = kNoNode;
  void describe(sim::Fields& f) const { f("id", id)(add ? "add" : "remove", server); }
};

struct ConfigChangeReply {
  static constexpr std::string_view kName = "ConfigChangeReply";
  std::uint64_t id = 0;
  ReplyStatus status = ReplyStatus::ok;
  NodeId leader_hint = kNoNode;
  Config config = {};  // ok: the configuration now committed
  void describe(sim::Fields& f) const;
};

}  // namespace faultline::raft
