#pragma once
// The linearizable key-value service that replicated protocols (Raft, Multi-Paxos) put
// under their logs: its commands, its state machine with client sessions, the messages
// between clients and servers, and how the state is stored.
//
// A command carries (client, seq). The session table remembers, per client, the last
// seq applied and its outcome (thesis §6.3): a command whose seq is not newer is a retry
// (or an older request still in the network) and is not applied again — a retry of the
// last command is answered with the remembered outcome, an older one with nothing.
// Clients issue one command at a time, so one remembered outcome per client is enough.
//
// The client-visible operations are the checker's "kv" model: get, put, append, and cas
// [expected, new]; a get of an absent key reads null, an append to an absent key starts
// from "".
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/codec.hpp"
#include "sim/message.hpp"
#include "sim/types.hpp"

namespace faultline::kv {

using sim::kNoNode;
using sim::NodeId;

enum class OpKind : std::uint8_t { get, put, append, cas };
std::string_view op_name(OpKind op);

// One client operation. (client, seq) identifies it across retries.
struct Command {
  OpKind op = OpKind::get;
  NodeId client = kNoNode;
  std::uint64_t seq = 0;
  std::string key = {};
  std::string value = {};                    // put, append: the value; cas: the new value
  std::optional<std::string> expected = {};  // cas: the value it must find (nullopt: absent)
  friend bool operator==(const Command&, const Command&) = default;
};
std::string describe_command(const Command& c);  // "put k1=3.4 (c2#4)"
// The same text appended to `out`, without a temporary string per piece.
void append_command(std::string& out, const Command& c);
// A number's decimal digits appended (the command texts, and the logs' texts around them).
void append_decimal(std::string& out, std::uint64_t v);
void describe_command(sim::Fields& f, const Command& c);

// The result of applying a command: what the client is told.
struct Outcome {
  bool ok = true;                         // false: a cas whose expected value did not match
  std::optional<std::string> value = {};  // get: the value read (nullopt: absent key)
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// A client session: the last command applied for this client, and its outcome.
struct Session {
  std::uint64_t seq = 0;
  Outcome outcome = {};
  friend bool operator==(const Session&, const Session&) = default;
};

// The state machine's whole state, as a snapshot carries it.
struct KvState {
  std::map<std::string, std::string, std::less<>> data = {};
  std::map<NodeId, Session> sessions = {};
  friend bool operator==(const KvState&, const KvState&) = default;
};

enum class ApplyKind : std::uint8_t {
  applied,    // took effect now
  duplicate,  // a retry of the last command: the remembered outcome, no effect
  stale,      // older than the last command: no effect, nobody to answer
};

struct ApplyResult {
  ApplyKind kind = ApplyKind::applied;
  Outcome outcome;
};

class KvStore {
 public:
  KvStore() = default;
  explicit KvStore(KvState state) : state_(std::move(state)) {}

  // dedup = false is a planted bug (`no-dedup`): every copy of a command takes effect.
  ApplyResult apply(const Command& command, bool dedup = true);
  // A read outside the log (ReadIndex, lease): no session involved.
  std::optional<std::string> get(std::string_view key) const;
  // The remembered outcome if `command` was already applied (a retry).
  std::optional<Outcome> cached(const Command& command) const;
  // True if `command` is older than the client's last applied one.
  bool is_stale(const Command& command) const;

  const KvState& state() const { return state_; }

 private:
  Outcome execute(const Command& command);
  KvState state_;
};

// Storage encodings through the kit's record codec (paired: read(write(x)) == x).
void write_command(protocols::RecordWriter& w, const Command& c);
Command read_command(protocols::RecordReader& r);
void write_state(protocols::RecordWriter& w, const KvState& s);
KvState read_state(protocols::RecordReader& r);
std::uint32_t state_size_bytes(const KvState& s);  // for a snapshot's size on the wire

// ---------------------------------------------------------------- messages

// A client's operation, sent to the server it believes leads.
struct ClientRequest {
  static constexpr std::string_view kName = "ClientRequest";
  Command command = {};
  void describe(sim::Fields& f) const { describe_command(f, command); }
};

enum class ReplyStatus : std::uint8_t {
  ok,          // applied (or read); outcome holds the result
  not_leader,  // certainly not applied by this server; leader_hint may name the leader
  busy,        // the service cannot take this now (e.g. a change in progress); try later
};
std::string_view reply_status_name(ReplyStatus status);

struct ClientReply {
  static constexpr std::string_view kName = "ClientReply";
  std::uint64_t seq = 0;
  ReplyStatus status = ReplyStatus::ok;
  NodeId leader_hint = kNoNode;
  Outcome outcome = {};
  void describe(sim::Fields& f) const;
};

}  // namespace faultline::kv
