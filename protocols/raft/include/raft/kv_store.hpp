#pragma once
// The replicated state machine: a key-value map with client sessions (thesis §6.3).
//
// A command carries (client, seq). The session table remembers, per client, the last seq
// applied and its outcome; a command whose seq is not newer is a retry (or an older
// request still in the network) and is not applied again: a retry of the last command is
// answered with the remembered outcome, an older one with nothing. Clients issue one
// command at a time, so one remembered outcome per client is enough.
#include <optional>
#include <string>

#include "raft/raft_types.hpp"

namespace faultline::raft {

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

  // dedup = false is the planted bug `no-dedup`: every copy of a command takes effect.
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

}  // namespace faultline::raft
