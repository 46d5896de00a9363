#pragma once
// Raft's safety properties (Figure 3 of the paper, and durability), checked as the run
// goes over all servers. The servers' nodes report each change the moment it happens
// (RaftObserver); this class keeps the little global state the checks need, so each
// check costs O(1) per change instead of a scan of every log after every event:
//
//  Election Safety      at most one leader per term: a map term -> leader.
//  Leader Append-Only   a leader never removes entries from its log.
//  Log Matching         two logs holding an entry with the same index and term hold the
//                       same entry and agree on the term before it; by induction, they
//                       are identical up to there. Checked at every append against the
//                       first entry seen at that (index, term).
//  Leader Completeness  a leader of term T holds every entry committed in a term < T;
//                       checked when it becomes leader, at the highest such entry (Log
//                       Matching covers the ones below it).
//  State Machine Safety no two servers commit (and so apply) different entries at one
//                       index: a map index -> the entry first committed there.
//  Durability           a committed entry is on the stable storage of a quorum of the
//                       configuration that committed it: checked when a leader commits
//                       it (from the disks' durable images), and again whenever a member
//                       of that configuration removes it from its log (a server outside
//                       the committing quorum may: a stale leader of a lower term can
//                       still overwrite it there). So it survives while a quorum's
//                       disks do.
//
// Only observes: it reads nodes and disks, never changes them. The first violation of
// each property is kept; the simulator's invariants report them after the event.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "raft/raft_node.hpp"
#include "sim/simulation.hpp"

namespace faultline::raft {

enum class Property : std::uint8_t {
  election_safety,
  leader_append_only,
  log_matching,
  leader_completeness,
  state_machine_safety,
  durability,
};
inline constexpr int kProperties = 6;
std::string_view property_name(Property p);  // "election safety", ...

class RaftInvariants final : public RaftObserver {
 public:
  explicit RaftInvariants(const sim::Simulation& sim) : sim_(sim) {}

  void on_state(const RaftNode& node) override;
  void on_append(const RaftNode& node, LogIndex index, Term prev_term) override;
  void on_truncate(const RaftNode& node, LogIndex from) override;
  void on_commit(const RaftNode& node, LogIndex old_commit) override;
  void on_snapshot_installed(const RaftNode& node, LogIndex old_commit) override;

  const std::optional<std::string>& violation(Property p) const {
    return violations_[static_cast<int>(p)];
  }
  bool any_violation() const { return any_violation_; }

  // Facts for the run's summary.
  std::size_t leaders_elected() const { return leaders_.size(); }
  Term max_term() const { return leaders_.empty() ? 0 : leaders_.rbegin()->first; }
  LogIndex committed_index() const { return committed_.empty() ? 0 : committed_.size() - 1; }
  // When a leader last committed an entry of its own term (kTimeNone: never): progress.
  Time last_leader_commit_ns() const { return last_leader_commit_ns_; }

 private:
  struct Seen {
    Term term = 0;
    std::uint64_t digest = 0;
    Term prev_term = 0;
    NodeId node = kNoNode;
  };
  struct Committed {
    bool known = false;
    Term term = 0;
    std::uint64_t digest = 0;  // 0: known only from a snapshot (compare terms only)
    Term commit_term = 0;      // the term of the server that first saw it committed
    NodeId node = kNoNode;
    std::uint32_t config = kNoConfig;  // the committing leader's configuration (configs_)
  };
  static constexpr std::uint32_t kNoConfig = ~std::uint32_t{0};

  void report(Property p, std::string text);
  void check_leader_completeness(const RaftNode& node);
  void record_committed(const RaftNode& node, LogIndex index, Term term, std::uint64_t digest);
  void check_durable_quorum(const RaftNode& leader, LogIndex index);
  std::uint32_t intern_config(const Config& config);
  bool durably_holds(NodeId server, const RaftNode& committer, LogIndex index,
                     const Committed& c) const;
  std::string name(NodeId id) const { return sim_.node_name(id); }

  const sim::Simulation& sim_;
  std::array<std::optional<std::string>, kProperties> violations_;
  bool any_violation_ = false;  // one of violations_ is set
  std::map<Term, NodeId> leaders_;
  std::vector<std::vector<Seen>> seen_;  // by index: the distinct (term) entries seen
  std::vector<Committed> committed_;     // by index (0 unused)
  std::vector<Config> configs_;          // every configuration a leader committed with
  Time last_leader_commit_ns_ = kTimeNone;
};

}  // namespace faultline::raft
