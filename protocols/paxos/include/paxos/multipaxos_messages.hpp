#pragma once
// The messages of Multi-Paxos ("Paxos Made Simple" §3) between servers, and the values
// its slots hold. The sender is the envelope's `from`; clients talk kv::ClientRequest /
// kv::ClientReply (protocols/kv).
//
//   MultiPrepare   phase 1a for every slot from `from` on, at once (§3: "a single ...
//                  phase 1 for infinitely many instances")
//   MultiPromise   phase 1b: the promise, with every (slot, ballot, value) the acceptor
//                  accepted at slots >= from
//   MultiAccept    phase 2a for a batch of slots; carries the leader's chosen prefix
//   MultiAccepted  phase 2b for those slots
//   MultiNack      a refusal: the acceptor promised a higher ballot
//   Commit         leader -> replica: chosen values from `first` on, and the chosen
//                  prefix; with no values it is the leader's heartbeat
//   CommitAck      replica -> leader: the replica's chosen prefix (what it needs next)
#include <cstdint>
#include <string>
#include <vector>

#include "kv/kv.hpp"
#include "paxos/paxos_types.hpp"
#include "sim/message.hpp"

namespace faultline::paxos {

// A slot's value: a client's command, or a no-op (a new leader's filler for a gap).
struct Value {
  bool noop = true;
  kv::Command command = {};
  friend bool operator==(const Value&, const Value&) = default;
};
Value noop_value();
Value command_value(kv::Command command);
std::string value_text(const Value& v);  // "noop", "put k1 0.3 (c5#3)"
void append_value_text(std::string& out, const Value& v);  // the same, appended
// A value as bytes equal exactly when the values are (its encoding), for the invariants'
// Observed records: much cheaper than its text. value_key_text gives the text back.
std::string value_key(const Value& v);
std::string value_key_text(std::string_view key);
void describe_value(sim::Fields& f, const Value& v);

struct SlotValue {
  Slot slot = 0;
  Value value = {};
};

struct AcceptedEntry {
  Slot slot = 0;
  Ballot ballot = {};
  Value value = {};
};

struct MultiPrepare {
  static constexpr std::string_view kName = "Prepare";
  Ballot ballot = {};
  Slot from = 1;
  void describe(sim::Fields& f) const { f("ballot", BallotText(ballot).view())("from_slot", from); }
};

struct MultiPromise {
  static constexpr std::string_view kName = "Promise";
  Ballot ballot = {};
  Slot from = 1;
  std::vector<AcceptedEntry> accepted = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

struct MultiAccept {
  static constexpr std::string_view kName = "Accept";
  Ballot ballot = {};
  Slot commit = 0;
  std::vector<SlotValue> entries = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

struct MultiAccepted {
  static constexpr std::string_view kName = "Accepted";
  Ballot ballot = {};
  std::vector<Slot> slots = {};
  void describe(sim::Fields& f) const;
};

struct MultiNack {
  static constexpr std::string_view kName = "Nack";
  Ballot ballot = {};
  Ballot promised = {};
  void describe(sim::Fields& f) const {
    f("ballot", BallotText(ballot).view())("promised", BallotText(promised).view());
  }
};

struct Commit {
  static constexpr std::string_view kName = "Commit";
  Ballot ballot = {};
  Slot commit = 0;  // slots 1..commit are chosen
  Slot first = 0;   // the slot of values[0]
  std::vector<Value> values = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const;
};

struct CommitAck {
  static constexpr std::string_view kName = "CommitAck";
  Ballot ballot = {};  // the leader's, echoed
  Slot commit = 0;
  void describe(sim::Fields& f) const { f("ballot", BallotText(ballot).view())("commit", commit); }
};

}  // namespace faultline::paxos
