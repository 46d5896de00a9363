#pragma once
// The messages of two-phase commit with presumed abort, in the order a transaction uses
// them:
//
//   client -> coordinator   Begin            a transaction id, please
//   coordinator -> client   Begun            here it is
//   client -> participant   Lock             lock these keys (no wait) and read them
//   participant -> client   LockReply        granted (a grant and the values) or refused
//   client -> participant   Release          give up a grant (the client rolled back)
//   client -> coordinator   CommitRequest    run 2PC over these shards (or roll back)
//   coordinator -> part.    Prepare          phase 1: your writes; can you commit?
//   participant -> coord.   Vote             yes (prepared, durable) or no
//   coordinator -> part.    Decision         phase 2: commit or abort (also the answer
//                                            to an inquiry)
//   participant -> coord.   DecisionAck      a commit is applied and durable
//   coordinator -> client   Outcome          the transaction's fate
//   client -> coordinator   OutcomeAck       the client knows it
//   participant -> coord.   Inquiry          I am in doubt: what did you decide?
//   participant -> part.    PeerInquiry      cooperative termination: do you know?
//   participant -> part.    PeerAnswer       I know (or: I never voted yes, so abort)
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/message.hpp"
#include "twopc/twopc_types.hpp"

namespace faultline::twopc {

struct Begin {
  static constexpr std::string_view kName = "twopc_begin";
  static constexpr bool kHashBytes = true;
  std::uint64_t client_seq = 0;
  void describe(sim::Fields& f) const { f("client_seq", client_seq); }
};

struct Begun {
  static constexpr std::string_view kName = "twopc_begun";
  std::uint64_t client_seq = 0;
  TxnId txn;
  void describe(sim::Fields& f) const { f("client_seq", client_seq)("txn", txn.text()); }
};

struct Lock {
  static constexpr std::string_view kName = "twopc_lock";
  TxnId txn;
  std::vector<LockItem> items;
  void describe(sim::Fields& f) const;
};

struct LockReply {
  static constexpr std::string_view kName = "twopc_lock_reply";
  TxnId txn;
  bool granted = false;
  Grant grant = 0;
  std::vector<std::int64_t> values = {};  // parallel to the Lock's items
  TxnId holder;                           // refused: the transaction in the way
  void describe(sim::Fields& f) const;
};

struct Release {
  static constexpr std::string_view kName = "twopc_release";
  TxnId txn;
  Grant grant = 0;
  void describe(sim::Fields& f) const { f("txn", txn.text())("grant", grant); }
};

// One participant's part of a transaction.
struct Shard {
  NodeId participant = kNoNode;
  Grant grant = 0;
  std::vector<Write> writes = {};
};

struct CommitRequest {
  static constexpr std::string_view kName = "twopc_commit_request";
  TxnId txn;
  bool rollback = false;  // the client gave up before phase 1: forget the transaction
  std::vector<Shard> shards = {};
  void describe(sim::Fields& f) const;
};

struct Prepare {
  static constexpr std::string_view kName = "twopc_prepare";
  TxnId txn;
  Grant grant = 0;
  std::vector<Write> writes = {};
  std::vector<NodeId> participants = {};  // every participant of the transaction
  void describe(sim::Fields& f) const;
};

struct Vote {
  static constexpr std::string_view kName = "twopc_vote";
  TxnId txn;
  bool yes = false;
  void describe(sim::Fields& f) const { f("txn", txn.text())("yes", yes); }
};

struct Decision {
  static constexpr std::string_view kName = "twopc_decision";
  TxnId txn;
  bool commit = false;
  void describe(sim::Fields& f) const { f("txn", txn.text())("commit", commit); }
};

struct DecisionAck {
  static constexpr std::string_view kName = "twopc_decision_ack";
  TxnId txn;
  void describe(sim::Fields& f) const { f("txn", txn.text()); }
};

struct Outcome {
  static constexpr std::string_view kName = "twopc_outcome";
  TxnId txn;
  bool commit = false;
  void describe(sim::Fields& f) const { f("txn", txn.text())("commit", commit); }
};

struct OutcomeAck {
  static constexpr std::string_view kName = "twopc_outcome_ack";
  TxnId txn;
  void describe(sim::Fields& f) const { f("txn", txn.text()); }
};

struct Inquiry {
  static constexpr std::string_view kName = "twopc_inquiry";
  TxnId txn;
  void describe(sim::Fields& f) const { f("txn", txn.text()); }
};

struct PeerInquiry {
  static constexpr std::string_view kName = "twopc_peer_inquiry";
  TxnId txn;
  void describe(sim::Fields& f) const { f("txn", txn.text()); }
};

struct PeerAnswer {
  static constexpr std::string_view kName = "twopc_peer_answer";
  TxnId txn;
  bool commit = false;
  void describe(sim::Fields& f) const { f("txn", txn.text())("commit", commit); }
};

void describe_writes(sim::Fields& f, const std::vector<Write>& writes);

}  // namespace faultline::twopc
