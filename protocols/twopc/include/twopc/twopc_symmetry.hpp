#pragma once
// Fingerprints up to a renaming of the participants: the explorer's symmetry reduction
// for 2PC (twopc_explore.cpp; docs/explorer.md, "Symmetry").
//
// In a symmetric configuration (every transaction reads every account, no participant
// messages another; the explorer checks the options before it asks for these) the
// participants are node ids first .. first + count - 1, and account a lives on participant
// a mod count as its (a / count)-th account. Nothing a node does depends on which
// participant is which, beyond equality of ids and keys: permuting the participants (and
// their accounts with them) maps every run to a run. So each piece of state that concerns
// one participant is hashed into that participant's *part*, with the participant named by
// nothing (the part is its) and its accounts by their index among its own; what concerns
// no participant goes to the *rest*. value() hashes the rest with the parts SORTED, which
// forgets which participant is which.
//
// That is exact — two states have the same value only if one is the other with the
// participants renamed — only while no piece of state ties two participants to each other
// (a sorted list of parts cannot tell which parts were tied). The sets of participants a
// symmetric configuration holds are a transaction's, which are all of them (read-all), and
// all() asserts so; messages between participants (cooperative termination) are refused
// by the explorer and asserted here.
//
// Invariants: part(p) only for a participant; account(p, key) only for p's own accounts;
// value() does not depend on the order of the parts.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "sim/message.hpp"
#include "twopc/twopc_types.hpp"

namespace faultline::twopc {

class SymmetricParts {
 public:
  SymmetricParts() = default;
  // Every part and the rest back to the seed, for `count` participants from id `first`.
  void reset(NodeId first, std::uint32_t count);
  bool is_participant(NodeId id) const { return id >= first_ && id - first_ < count_; }
  std::uint32_t count() const { return count_; }
  // The participant's index, 0 .. count - 1.
  std::size_t index(NodeId participant) const;
  Fingerprint& rest() { return rest_; }
  Fingerprint& part(NodeId participant) { return parts_[index(participant)]; }
  // One of `owner`'s account keys as its index among the owner's accounts.
  std::uint64_t account(NodeId owner, std::string_view key) const;
  // A transaction's participants: none yet, or all of them in id order (asserted); hashed
  // as their number.
  std::uint64_t all(const std::vector<NodeId>& participants) const;
  // The rest, then the parts sorted.
  std::uint64_t value() const;

 private:
  NodeId first_ = kNoNode;
  std::uint32_t count_ = 0;
  Fingerprint rest_;
  std::vector<Fingerprint> parts_;
  mutable std::vector<std::uint64_t> sorted_;  // value()'s, kept to spare an allocation
};

// A message's content with the participant `owner` (its sender or receiver) named by
// nothing and its accounts by their index; `content` is its plain content hash
// (sim::message_content_hash), which is the answer for the messages that name no account
// and no participant. Not for a CommitRequest (it names every participant: see
// symmetric_message).
std::uint64_t symmetric_content(const sim::Payload& payload, std::uint64_t content, NodeId owner,
                                const SymmetricParts& names);

// What one message in flight is, as multiset elements of the rest and of the parts:
// add(kNoNode, word) for the rest, add(p, word) for participant p's part. A message to or
// from a participant is that participant's; a CommitRequest's shards are each its
// participant's (tied to the request by client and transaction: a client sends one request
// per transaction, resent unchanged, so no two requests share both); any other message
// is the rest's.
void symmetric_message(NodeId from, NodeId to, const sim::Payload& payload, std::uint64_t content,
                       const SymmetricParts& names,
                       const std::function<void(NodeId, std::uint64_t)>& add);

}  // namespace faultline::twopc
