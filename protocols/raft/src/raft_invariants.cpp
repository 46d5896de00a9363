#include "raft/raft_invariants.hpp"

#include "raft/raft_server.hpp"
#include "raft/raft_storage.hpp"

namespace faultline::raft {

std::string_view property_name(Property p) {
  switch (p) {
    case Property::election_safety:
      return "election safety";
    case Property::leader_append_only:
      return "leader append-only";
    case Property::log_matching:
      return "log matching";
    case Property::leader_completeness:
      return "leader completeness";
    case Property::state_machine_safety:
      return "state machine safety";
    case Property::durability:
      return "durability";
  }
  return "?";
}

void RaftInvariants::report(Property p, std::string text) {
  auto& slot = violations_[static_cast<int>(p)];
  if (!slot) slot = std::move(text);
  any_violation_ = true;
}

// ---------------------------------------------------------------- election safety

void RaftInvariants::on_state(const RaftNode& node) {
  if (node.role() != Role::leader) return;
  const auto [it, inserted] = leaders_.emplace(node.term(), node.id());
  if (!inserted && it->second != node.id()) {
    report(Property::election_safety, "two leaders in term " + std::to_string(node.term()) + ": " +
                                          name(it->second) + " and " + name(node.id()));
  }
  check_leader_completeness(node);
}

void RaftInvariants::check_leader_completeness(const RaftNode& node) {
  // The highest entry committed in an earlier term than the leader's; Log Matching
  // (checked at every append) makes the leader's log agree below it too.
  for (LogIndex i = committed_index(); i >= 1; --i) {
    const Committed& c = committed_[i];
    if (!c.known || c.commit_term >= node.term()) continue;
    const RaftLog& log = node.log();
    if (i <= log.snapshot_index()) return;  // the snapshot holds it (State Machine Safety)
    const bool has =
        log.has(i) && log.at(i).term == c.term && (c.digest == 0 || log.at(i).digest == c.digest);
    if (!has) {
      report(Property::leader_completeness,
             name(node.id()) + " became leader of term " + std::to_string(node.term()) +
                 " without entry " + std::to_string(i) + " (term " + std::to_string(c.term) +
                 "), committed in term " + std::to_string(c.commit_term) + " by " + name(c.node));
    }
    return;
  }
}

// ---------------------------------------------------------------- logs

void RaftInvariants::on_append(const RaftNode& node, LogIndex index, Term prev_term) {
  const Entry& e = node.log().at(index);
  if (seen_.size() <= index) seen_.resize(index + 1);
  for (const Seen& s : seen_[index]) {
    if (s.term != e.term) continue;
    if (s.digest != e.digest || s.prev_term != prev_term) {
      report(Property::log_matching,
             name(node.id()) + " and " + name(s.node) + " hold different entries at index " +
                 std::to_string(index) + " in term " + std::to_string(e.term) + ": " +
                 describe_entry(e) + " after term " + std::to_string(prev_term) + " vs. " +
                 (s.digest != e.digest ? "another entry" : "the same entry") + " after term " +
                 std::to_string(s.prev_term));
    }
    return;
  }
  seen_[index].push_back(Seen{e.term, e.digest, prev_term, node.id()});
}

void RaftInvariants::on_truncate(const RaftNode& node, LogIndex from) {
  if (node.role() == Role::leader) {
    report(Property::leader_append_only,
           "leader " + name(node.id()) + " of term " + std::to_string(node.term()) +
               " removed entries from index " + std::to_string(from) + " of its log");
  }
  if (from >= committed_.size() || !node.log().has(from)) return;
  const Committed& c = committed_[from];
  const Entry& e = node.log().at(from);
  const bool is_committed = c.known && e.term == c.term && (c.digest == 0 || e.digest == c.digest);
  if (!is_committed || c.config == kNoConfig) return;
  const Config& config = configs_[c.config];
  if (!config_contains(config, node.id())) return;
  // Still on a quorum of the committing configuration without this server?
  std::size_t holders = 0;
  for (NodeId server : config) {
    if (server != node.id() && durably_holds(server, node, from, c)) ++holders;
  }
  if (holders >= protocols::majority(config.size())) return;
  report(Property::durability,
         name(node.id()) + " removed committed entry " + std::to_string(from) + " (" +
             describe_entry(e) + ", term " + std::to_string(e.term) + ") from its log; only " +
             std::to_string(holders) + " of the " + std::to_string(config.size()) +
             " servers that committed it still hold it");
}

std::uint32_t RaftInvariants::intern_config(const Config& config) {
  for (std::uint32_t i = 0; i < configs_.size(); ++i) {
    if (configs_[i] == config) return i;
  }
  configs_.push_back(config);
  return static_cast<std::uint32_t>(configs_.size() - 1);
}

// ---------------------------------------------------------------- commitment

void RaftInvariants::record_committed(const RaftNode& node, LogIndex index, Term term,
                                      std::uint64_t digest) {
  if (committed_.size() <= index) committed_.resize(index + 1);
  Committed& c = committed_[index];
  if (!c.known) {
    c = Committed{true, term, digest, node.term(), node.id()};
    return;
  }
  const bool same = c.term == term && (c.digest == 0 || digest == 0 || c.digest == digest);
  if (!same) {
    report(Property::state_machine_safety,
           name(node.id()) + " committed a different entry at index " + std::to_string(index) +
               " (term " + std::to_string(term) + ") than " + name(c.node) + " did (term " +
               std::to_string(c.term) + ")");
    return;
  }
  if (c.digest == 0) c.digest = digest;
}

void RaftInvariants::on_commit(const RaftNode& node, LogIndex old_commit) {
  const RaftLog& log = node.log();
  for (LogIndex i = std::max(old_commit + 1, log.first_index()); i <= node.commit_index(); ++i) {
    if (!log.has(i)) break;
    record_committed(node, i, log.at(i).term, log.at(i).digest);
  }
  if (node.role() == Role::leader && log.has(node.commit_index())) {
    const std::uint32_t config = intern_config(node.config());
    for (LogIndex i = old_commit + 1; i <= node.commit_index() && i < committed_.size(); ++i) {
      if (committed_[i].config == kNoConfig) committed_[i].config = config;
    }
    check_durable_quorum(node, node.commit_index());
    if (node.commit_index() >= node.term_start_index()) last_leader_commit_ns_ = sim_.now();
  }
}

void RaftInvariants::on_snapshot_installed(const RaftNode& node, LogIndex /*old_commit*/) {
  const RaftLog& log = node.log();
  record_committed(node, log.snapshot_index(), log.snapshot_term(), 0);
}

// ---------------------------------------------------------------- durability

bool RaftInvariants::durably_holds(NodeId server, const RaftNode& committer, LogIndex index,
                                   const Committed& c) const {
  auto matches = [&](Term term, std::uint64_t digest) {
    return term == c.term && (c.digest == 0 || digest == c.digest);
  };
  if (server == committer.id()) {
    // What this leader's own storage has synced.
    const RaftLog& log = committer.log();
    if (index <= log.snapshot_index()) return true;
    return committer.stable_index() >= index && matches(log.at(index).term, log.at(index).digest);
  }
  const sim::Disk& disk = sim_.disk(server);
  const auto* actor = static_cast<const RaftServer*>(sim_.actor(server));
  if (actor != nullptr && actor->node() != nullptr && disk.unsynced() == 0) {
    // A suspended server has written all it holds, and nothing is pending: its log in
    // memory is its durable log.
    const RaftLog& log = actor->node()->log();
    if (index <= log.snapshot_index()) return true;
    return log.has(index) && matches(log.at(index).term, log.at(index).digest);
  }
  const HeldEntry held = held_at(disk.durable(), index);
  if (held.kind == HeldEntry::Kind::in_snapshot) return true;
  return held.kind == HeldEntry::Kind::in_log && matches(held.term, held.digest);
}

void RaftInvariants::check_durable_quorum(const RaftNode& leader, LogIndex index) {
  if (index >= committed_.size() || !committed_[index].known) return;
  const Committed& c = committed_[index];
  const Config& config = leader.config();
  const std::size_t needed = protocols::majority(config.size());
  std::size_t holders = 0;
  std::string missing;
  for (NodeId server : config) {
    if (durably_holds(server, leader, index, c)) {
      if (++holders >= needed) return;
    } else {
      missing += (missing.empty() ? "" : ", ") + name(server);
    }
  }
  report(Property::durability, "leader " + name(leader.id()) + " committed entry " +
                                   std::to_string(index) + " (term " + std::to_string(c.term) +
                                   ") but only " + std::to_string(holders) + " of " +
                                   std::to_string(config.size()) +
                                   " servers hold it on stable storage (not: " + missing + ")");
}

}  // namespace faultline::raft
