#include "twopc/twopc_invariants.hpp"

#include <algorithm>

namespace faultline::twopc {

std::string_view property_name(Property p) {
  switch (p) {
    case Property::atomicity:
      return "atomicity";
    case Property::validity:
      return "validity";
    case Property::durability:
      return "durability";
    case Property::conservation:
      return "conservation";
  }
  return "?";
}

TwopcInvariants::TwopcInvariants(const sim::Simulation& sim, BankShape bank)
    : sim_(sim), bank_(bank) {
  for (int a = 0; a < bank_.accounts; ++a) balances_[account_key(a)] = bank_.initial_balance;
}

void TwopcInvariants::fail(Property p, std::string message) {
  std::optional<std::string>& v = violations_[static_cast<std::size_t>(p)];
  if (!v) v = std::move(message);
}

void TwopcInvariants::report(NodeId node, const Report& r) {
  switch (r.kind) {
    case Report::Kind::voted:
      participant_voted(node, r);
      return;
    case Report::Kind::decided:
      participant_decided(node, r);
      return;
    case Report::Kind::coordinator_decided:
      coordinator_decided(node, r);
      return;
    case Report::Kind::forgotten:
      held_[node].erase(r.txn);
      return;
  }
}

void TwopcInvariants::participant_voted(NodeId p, const Report& r) {
  if (!r.flag) return;
  const auto key = std::make_pair(r.txn, p);
  if (yes_.insert(key).second) ++counts_.yes_votes;
  // A vote resent after the decision (a resent prepare) opens nothing.
  const auto decided = logged_.find(p);
  if (decided != logged_.end() && decided->second.count(r.txn) > 0) return;
  if (open_.count(key) == 0) open_[key] = Vote{sim_.now(), r.writes};
}

// A participant's decision. Only decisions about a prepared transaction (logged) count for
// atomicity: giving up an unprepared working state decides nothing — the transaction may
// still commit with a later grant, read afresh — and a transaction committed without some
// participant's yes vote is validity's to report.
void TwopcInvariants::participant_decided(NodeId p, const Report& r) {
  if (r.logged) {
    Fate& fate = fates_[r.txn];
    (r.flag ? fate.committed : fate.aborted).push_back(p);
    if (!fate.committed.empty() && !fate.aborted.empty()) {
      fail(Property::atomicity, "txn " + r.txn.text() + " was committed at " +
                                    name(fate.committed.front()) + " and aborted at " +
                                    name(fate.aborted.front()));
    }
    check_against_coordinator(r.txn, p, r.flag);
  }
  const auto key = std::make_pair(r.txn, p);
  auto vote = open_.find(key);
  if (r.flag && vote != open_.end()) {
    for (const Write& w : vote->second.writes) {
      balances_[w.key] = w.value;
      if (!bank_.overdraft && w.value < 0) {
        fail(Property::conservation, name(p) + " applied a negative balance " + w.key + "=" +
                                         std::to_string(w.value) + " (txn " + r.txn.text() + ")");
      }
    }
  }
  if (vote != open_.end()) open_.erase(vote);
  if (r.logged) {
    logged_[p][r.txn] = r.flag;
    ++(r.flag ? counts_.participant_commits : counts_.participant_aborts);
    if (r.by_peer) ++counts_.peer_decisions;
  }
}

// A participant's decision against its coordinator's: a prepared participant that aborts a
// transaction its coordinator committed (or commits one it aborted) breaks atomicity even
// before a second participant decides.
void TwopcInvariants::check_against_coordinator(TxnId txn, NodeId p, bool commit) {
  auto it = coordinator_decisions_.find(txn);
  if (it == coordinator_decisions_.end() || it->second == commit) return;
  fail(Property::atomicity, "txn " + txn.text() + " was " + (commit ? "committed" : "aborted") +
                                " at " + name(p) + " but decided " +
                                (it->second ? "commit" : "abort") + " by its coordinator");
}

void TwopcInvariants::coordinator_decided(NodeId c, const Report& r) {
  auto [it, fresh] = coordinator_decisions_.emplace(r.txn, r.flag);
  if (!fresh && it->second != r.flag) {
    fail(Property::atomicity, name(c) + " decided txn " + r.txn.text() + " both ways");
  }
  if (auto fate = fates_.find(r.txn); fate != fates_.end()) {
    const std::vector<NodeId>& against = r.flag ? fate->second.aborted : fate->second.committed;
    if (!against.empty()) check_against_coordinator(r.txn, against.front(), !r.flag);
  }
  ++(r.flag ? counts_.commits_decided : counts_.aborts_decided);
  if (!r.flag) return;
  held_[c].insert(r.txn);
  for (NodeId p : r.participants) {
    if (yes_.count({r.txn, p}) == 0) {
      fail(Property::validity, name(c) + " decided commit for txn " + r.txn.text() +
                                   " without a yes vote from " + name(p));
      return;
    }
  }
}

void TwopcInvariants::participant_restored(NodeId p, const std::vector<TxnId>& in_doubt,
                                           const std::map<TxnId, bool>& decided) {
  if (!in_doubt.empty()) ++counts_.participant_restarts_in_doubt;
  for (const auto& [txn, commit] : logged_[p]) {
    auto it = decided.find(txn);
    if (it == decided.end() || it->second != commit) {
      fail(Property::durability, name(p) + " restarted without its decision to " +
                                     (commit ? "commit" : "abort") + " txn " + txn.text());
      return;
    }
  }
  for (const auto& [key, vote] : open_) {
    if (key.second != p) continue;
    const bool held = decided.count(key.first) > 0 ||
                      std::find(in_doubt.begin(), in_doubt.end(), key.first) != in_doubt.end();
    if (!held) {
      fail(Property::durability, name(p) + " restarted without the prepared record of txn " +
                                     key.first.text() + ", on which it had voted yes");
      return;
    }
  }
}

void TwopcInvariants::coordinator_restored(NodeId c, const std::vector<TxnId>& commits) {
  if (!commits.empty()) ++counts_.coordinator_restarts_with_commits;
  for (TxnId txn : held_[c]) {
    if (std::find(commits.begin(), commits.end(), txn) == commits.end()) {
      fail(Property::durability, name(c) + " restarted without its commit decision for txn " +
                                     txn.text() + ", which it had sent");
      return;
    }
  }
}

void TwopcInvariants::read_all_committed(NodeId client, TxnId txn, std::int64_t total) {
  ++counts_.read_alls_checked;
  if (total != bank_.total()) {
    fail(Property::conservation, name(client) + "'s read-all txn " + txn.text() +
                                     " saw a total of " + std::to_string(total) + ", not " +
                                     std::to_string(bank_.total()));
  }
}

std::string TwopcInvariants::conservation_at_end() const {
  std::map<std::string, std::int64_t, std::less<>> balances = balances_;
  for (const auto& [key, vote] : open_) {
    const auto decision = coordinator_decisions_.find(key.first);
    const auto fate = fates_.find(key.first);
    const bool committed = (decision != coordinator_decisions_.end() && decision->second) ||
                           (fate != fates_.end() && !fate->second.committed.empty());
    if (!committed) continue;
    for (const Write& w : vote.writes) balances[w.key] = w.value;
  }
  std::int64_t total = 0;
  std::string problem;
  for (const auto& [key, value] : balances) {
    total += value;
    if (!bank_.overdraft && value < 0 && problem.empty()) {
      problem = "account " + key + " ends at " + std::to_string(value);
    }
  }
  if (total != bank_.total()) {
    problem = "the accounts end with " + std::to_string(total) + " in total, not " +
              std::to_string(bank_.total()) + (problem.empty() ? "" : "; " + problem);
  }
  return problem;
}

std::vector<InDoubt> TwopcInvariants::in_doubt() const {
  std::vector<InDoubt> out;
  for (const auto& [key, vote] : open_) out.push_back(InDoubt{key.second, key.first, vote.since});
  return out;
}

}  // namespace faultline::twopc
