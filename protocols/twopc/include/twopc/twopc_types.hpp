#pragma once
// The vocabulary of two-phase commit (Gray 1978; Bernstein, Hadzilacos & Goodman 1987,
// ch. 7; Mohan, Lindsay & Obermarck 1986 for presumed abort): transaction ids, the
// writes and locks a transaction carries, a transaction's state at a participant, the
// planted bugs, and the configuration each kind of node is built from.
//
// Words (STYLE.md habit 6): a coordinator *decides* (commit or abort); a participant
// *prepares* (votes yes, after which it may never decide alone) and *applies* a
// decision. Nothing here *commits* in Raft's sense.
//
// Invariants:
//  - a TxnId is allocated once by one coordinator and never reused: (coordinator index,
//    epoch, sequence), where the epoch is incremented durably at each of the
//    coordinator's boots before it allocates anything;
//  - a Grant is issued once by one participant and never reused, the same way: (the
//    participant's epoch, a counter). 0 is no grant.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/actor.hpp"
#include "protocols/fingerprint.hpp"
#include "sim/types.hpp"

namespace faultline::twopc {

using sim::Duration;
using sim::kNoNode;
using sim::NodeId;
using sim::Time;

inline constexpr std::uint32_t kMaxCoordinators = 255;
inline constexpr std::uint32_t kMaxEpoch = (1u << 24) - 1;

struct TxnId {
  std::uint64_t value = 0;

  static TxnId make(std::uint32_t coordinator, std::uint32_t epoch, std::uint32_t seq);
  std::uint32_t coordinator() const { return static_cast<std::uint32_t>(value >> 56); }
  std::uint32_t epoch() const { return static_cast<std::uint32_t>((value >> 32) & kMaxEpoch); }
  std::uint32_t seq() const { return static_cast<std::uint32_t>(value); }
  bool valid() const { return value != 0; }
  std::string text() const;  // "0.2.15": coordinator 0, epoch 2, the 15th of the epoch
  friend auto operator<=>(const TxnId&, const TxnId&) = default;
};

// A participant's lock grant: which working instance of a transaction a prepare is for.
using Grant = std::uint64_t;
inline Grant make_grant(std::uint32_t epoch, std::uint32_t counter) {
  return (std::uint64_t{epoch} << 32) | counter;
}

struct Write {
  std::string key;
  std::int64_t value = 0;
  friend bool operator==(const Write&, const Write&) = default;
};

struct LockItem {
  std::string key;
  bool exclusive = false;  // exclusive (read to write) or shared (read only)
  friend bool operator==(const LockItem&, const LockItem&) = default;
};

// A transaction at a participant.
//   working    locks held and values read for a client; not prepared: the participant
//              may still abort it alone (it has promised nothing)
//   prepared   voted yes, the writes durable: only the coordinator (or a peer that
//              knows the decision) may end it
//   in_doubt   prepared and asking: it waited past its first inquiry, or was prepared
//              when the node restarted
//   committed  applied; aborted: undone (nothing was applied)
enum class TxnState : std::uint8_t { working, prepared, in_doubt, committed, aborted };
std::string_view txn_state_name(TxnState state);

// Planted bugs: switches read by the real code paths, all off by default.
struct Bugs {
  bool commit_without_all_votes = false;    // at the vote timeout, commit: missing votes = yes
  bool unilateral_abort_after_yes = false;  // a prepared participant times out and aborts
  bool forget_decision = false;             // the commit decision is never logged
  bool forget_prepared = false;             // the prepared record is not synced before the vote
  bool release_locks_at_prepare = false;    // locks dropped when voting yes
};

struct ParticipantConfig {
  NodeId id = kNoNode;
  int index = 0;
  std::vector<std::string> keys = {};  // the accounts this participant owns
  std::int64_t initial_balance = 0;
  Duration retry_ns = 50 * sim::kMillisecond;             // between inquiries
  Duration working_timeout_ns = 500 * sim::kMillisecond;  // unprepared locks given up
  bool cooperative = false;  // in-doubt participants also ask each other
  Bugs bugs = {};
};

struct CoordinatorConfig {
  NodeId id = kNoNode;
  std::uint32_t index = 0;
  Duration vote_timeout_ns = 200 * sim::kMillisecond;
  Duration retry_ns = 50 * sim::kMillisecond;    // resend prepares and decisions
  Duration begin_timeout_ns = 1 * sim::kSecond;  // a begun txn without a commit request
  Bugs bugs = {};
};

// The bank: account i is "a<i>", owned by participant i mod participants.
std::string account_key(int account);
int account_number(std::string_view key);  // -1 if not an account key
// One micro-operation of a transaction in the client history: [f, "a<account>", value].
nlohmann::json micro_op(const char* f, int account, std::int64_t value);

// A small, stable hash for fingerprints (the explorer compares node states by them;
// protocols/fingerprint.hpp).
class Fingerprint {
 public:
  Fingerprint& u64(std::uint64_t word) {
    h_ = protocols::fingerprint_word(h_, word);
    return *this;
  }
  Fingerprint& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Fingerprint& str(std::string_view bytes) {
    h_ = protocols::fingerprint_bytes(h_, bytes);
    return *this;
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = protocols::kFingerprintSeed;
};

}  // namespace faultline::twopc
