#pragma once
// The vocabulary of Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm", 2014; Ongaro's thesis, 2014): terms, log indices, entries, configurations,
// the key-value commands the replicated state machine applies, and snapshots.
//
// Invariants of these types:
//  - a log index is 1-based; index 0 with term 0 is the empty log's sentinel;
//  - a configuration is a sorted list of distinct voting servers;
//  - an entry's digest is a function of every other field (make_digest), so two entries
//    with equal digests are the same entry; the invariants compare digests.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kv/kv.hpp"
#include "sim/types.hpp"

namespace faultline::raft {

using sim::Duration;
using sim::kNoNode;
using sim::NodeId;
using sim::Time;

using Term = std::uint64_t;
using LogIndex = std::uint64_t;

enum class Role : std::uint8_t { follower, pre_candidate, candidate, leader };
std::string_view role_name(Role role);

// The replicated state machine is the shared key-value service (protocols/kv).
using kv::ApplyKind;
using kv::ApplyResult;
using kv::Command;
using kv::KvState;
using kv::KvStore;
using kv::OpKind;
using kv::Outcome;
using kv::Session;

enum class EntryKind : std::uint8_t {
  noop,     // a new leader's first entry: commits the entries of earlier terms (§5.4.2)
  command,  // a client command for the state machine
  config,   // a new configuration (thesis §4.1: takes effect as soon as it is appended)
};
std::string_view entry_kind_name(EntryKind kind);

using Config = std::vector<NodeId>;  // sorted voting members
bool config_contains(const Config& config, NodeId id);

struct Entry {
  Term term = 0;
  EntryKind kind = EntryKind::noop;
  Command command = {};  // kind == command
  Config config = {};    // kind == config: the voters once this entry is in the log
  std::uint64_t digest = 0;
  friend bool operator==(const Entry&, const Entry&) = default;
};

std::uint64_t make_digest(const Entry& entry);
Entry make_noop(Term term);
Entry make_command(Term term, Command command);
Entry make_config(Term term, Config config);
std::string describe_entry(const Entry& entry);  // "put k=v (c7#3)", "noop", "config [0 1 2]"

// A snapshot: the state machine after applying every entry up to last_index (§7).
struct Snapshot {
  LogIndex last_index = 0;
  Term last_term = 0;
  Config config = {};  // the configuration as of last_index
  KvState state = {};
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

}  // namespace faultline::raft
