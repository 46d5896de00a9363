#pragma once
// What single-decree Paxos and Multi-Paxos share: ballots, planted bugs, the random
// source a pure node draws from, and the facts a node reports to the invariants.
//
// A ballot is (round, proposer): the proposer's index among the proposers (single
// decree) or servers (Multi-Paxos), so two proposers never share a ballot, and a round
// each proposer makes durable before it uses it, so one proposer never uses a ballot
// twice ("Paxos Made Simple" §2.2: "different proposals have different numbers"; §2.5:
// "a proposer ... must remember the highest-numbered proposal it has tried to issue").
// Ballots are totally ordered, round first. Round 0 is no ballot.
//
// Invariants: Ballot::none() iff round == 0; a proposer index is below kMaxProposers, so
// number() (round * 1000 + proposer, the trace's numeric `ballot`) is order-preserving.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/assert.hpp"
#include "protocols/fingerprint.hpp"
#include "sim/types.hpp"

namespace faultline::paxos {

using sim::Duration;
using sim::kNoNode;
using sim::NodeId;
using sim::Time;

inline constexpr std::uint32_t kMaxProposers = 1000;
using Slot = std::uint64_t;  // a Multi-Paxos log position (1, 2, ...); single decree: 0

struct Ballot {
  std::uint64_t round = 0;
  std::uint32_t proposer = 0;
  friend auto operator<=>(const Ballot&, const Ballot&) = default;
  bool none() const { return round == 0; }
  // A number with the same order, for the trace (`ballot` annotations, the kit's leader()).
  std::int64_t number() const {
    FAULTLINE_ASSERT(proposer < kMaxProposers, "a ballot's proposer index is below 1000");
    return static_cast<std::int64_t>(round * kMaxProposers + proposer);
  }
};

// "2.1" (round 2 of proposer 1), "none": without allocating (for messages' describe).
class BallotText {
 public:
  explicit BallotText(Ballot b);
  std::string_view view() const { return {buf_.data(), size_}; }
  std::string str() const { return std::string(view()); }

 private:
  std::array<char, 32> buf_{};
  std::size_t size_ = 0;
};
std::string ballot_text(Ballot b);

// Planted bugs: switches read by the real code paths, each off by default.
struct Bugs {
  bool forget_promise = false;         // an acceptor's promise is kept in memory only
  bool forget_accepted = false;        // an acceptor's accepted value is not persisted
  bool ignore_accepted_value = false;  // a proposer proposes its own value regardless
  bool any_accepted_value = false;     // ... the first reported value, not the highest's
  bool ballot_reuse = false;           // a restarted proposer starts its rounds over
  bool quorum_off_by_one = false;      // decide on floor(n/2) accepts
  bool accept_lower_ballot = false;    // an acceptor accepts below its promise
  bool leader_skips_recovery = false;  // Multi-Paxos: a new leader does not re-propose
};

// The accepts needed to decide among n acceptors: a majority, or with the planted bug
// quorum-off-by-one floor(n/2) (at least one).
std::size_t decide_quorum(std::size_t acceptors, const Bugs& bugs);

// Where a pure node draws random numbers (the simulator's choice source, or a test's).
class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t below(std::uint64_t n) = 0;  // uniform in [0, n), n >= 1
  // A duration in [lo, hi]; lo is the quiet choice.
  Duration between(Duration lo, Duration hi);
};

// A fact a node reports to the invariants, at the moment others may learn it: after the
// state it depends on is synced, before the messages that announce it leave (the driver's
// publish). Acceptors report promises and acceptances; proposers their proposals (phase
// 2a); learners what they learned.
struct Observed {
  enum class Kind : std::uint8_t { promise, accept, propose, learn };
  Kind kind = Kind::promise;
  Slot slot = 0;
  Ballot ballot = {};
  // accept, propose, learn: the value, as bytes equal exactly when the values are equal
  // (single-decree Paxos: its text; Multi-Paxos: its encoding, value_key). The invariants
  // compare these and render them as text only for a violation's message.
  std::string value = {};
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void observe(NodeId node, const Observed& fact) = 0;
};

// A small, stable hash for fingerprints (protocols/fingerprint.hpp: words, not bytes).
class Fingerprint {
 public:
  Fingerprint& add(std::uint64_t word) {
    h_ = protocols::fingerprint_word(h_, word);
    return *this;
  }
  Fingerprint& add(std::string_view bytes) {
    h_ = protocols::fingerprint_bytes(h_, bytes);
    return *this;
  }
  Fingerprint& add(Ballot b) { return add(b.round).add(b.proposer); }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = protocols::kFingerprintSeed;
};

}  // namespace faultline::paxos
