#pragma once
// The safety properties of two-phase commit and of the bank on top, checked as the run
// goes from what the nodes report (twopc_observer.hpp) — each the moment it becomes
// visible to the world, after the sync that makes it true:
//
//   atomicity     no transaction is committed at one participant and aborted at another,
//                 nor decided at a participant against its coordinator's decision
//                 (decisions about prepared transactions: an unprepared lock given up
//                 decides nothing), and no coordinator decides one both ways
//   validity      a coordinator decides commit only if every participant of the
//                 transaction voted yes
//   durability    a node that restarts still holds what it acted on: a participant every
//                 prepared record it voted yes on and every decision it took; a
//                 coordinator every commit it sent and had not forgotten
//   conservation  every committed read-all saw the bank's total, and (unless overdrafts
//                 are allowed) no committed balance is negative
//
// At the end of the run, conservation_at_end(): the balances the participants applied,
// plus the writes of every transaction decided commit and not yet applied where it is
// prepared, sum to the total. For liveness, in_doubt(): the participants still prepared
// and undecided, and since when.
//
// The checker only observes; all state here is per run (one per simulation).
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/simulation.hpp"
#include "twopc/twopc_observer.hpp"

namespace faultline::twopc {

enum class Property : std::uint8_t { atomicity, validity, durability, conservation };
inline constexpr int kProperties = 4;
std::string_view property_name(Property p);

struct BankShape {
  int accounts = 0;
  std::int64_t initial_balance = 0;
  bool overdraft = false;
  std::int64_t total() const { return accounts * initial_balance; }
};

struct InDoubt {
  NodeId participant = kNoNode;
  TxnId txn;
  Time since = 0;  // true time of its yes vote
};

struct ObservedCounts {
  std::uint64_t yes_votes = 0;
  std::uint64_t commits_decided = 0;  // by coordinators
  std::uint64_t aborts_decided = 0;
  std::uint64_t participant_commits = 0;
  std::uint64_t participant_aborts = 0;  // of prepared transactions
  std::uint64_t peer_decisions = 0;      // learned from a peer (cooperative termination)
  std::uint64_t read_alls_checked = 0;
  std::uint64_t participant_restarts_in_doubt = 0;  // restarts with a txn in doubt
  std::uint64_t coordinator_restarts_with_commits = 0;
};

class TwopcInvariants final : public TwopcObserver {
 public:
  TwopcInvariants(const sim::Simulation& sim, BankShape bank);

  void report(NodeId node, const Report& report) override;
  void participant_restored(NodeId participant, const std::vector<TxnId>& in_doubt,
                            const std::map<TxnId, bool>& decided) override;
  void coordinator_restored(NodeId coordinator, const std::vector<TxnId>& commits) override;
  void read_all_committed(NodeId client, TxnId txn, std::int64_t total) override;

  const std::optional<std::string>& violation(Property p) const {
    return violations_[static_cast<std::size_t>(p)];
  }
  // Empty when the money is all there at the end; else what is missing.
  std::string conservation_at_end() const;
  std::vector<InDoubt> in_doubt() const;
  const ObservedCounts& counts() const { return counts_; }

 private:
  struct Vote {
    Time since = 0;
    std::vector<Write> writes = {};
  };
  struct Fate {
    std::vector<NodeId> committed = {};
    std::vector<NodeId> aborted = {};
  };

  void participant_voted(NodeId p, const Report& r);
  void participant_decided(NodeId p, const Report& r);
  void coordinator_decided(NodeId c, const Report& r);
  void check_against_coordinator(TxnId txn, NodeId p, bool commit);
  void fail(Property p, std::string message);
  std::string name(NodeId node) const { return sim_.node_name(node); }

  const sim::Simulation& sim_;
  BankShape bank_;
  std::array<std::optional<std::string>, kProperties> violations_;
  std::set<std::pair<TxnId, NodeId>> yes_;         // every yes vote ever sent
  std::map<std::pair<TxnId, NodeId>, Vote> open_;  // voted yes, not yet decided there
  std::map<TxnId, Fate> fates_;                    // decisions at participants
  std::map<TxnId, bool> coordinator_decisions_;
  std::map<NodeId, std::map<TxnId, bool>> logged_;  // per participant: durable decisions
  std::map<NodeId, std::set<TxnId>> held_;          // per coordinator: commits not forgotten
  std::map<std::string, std::int64_t, std::less<>> balances_;  // the applied, durable state
  ObservedCounts counts_;
};

}  // namespace faultline::twopc
