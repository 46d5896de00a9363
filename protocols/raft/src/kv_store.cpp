#include "raft/kv_store.hpp"

namespace faultline::raft {

ApplyResult KvStore::apply(const Command& command, bool dedup) {
  if (dedup) {
    auto it = state_.sessions.find(command.client);
    if (it != state_.sessions.end()) {
      if (command.seq == it->second.seq) return {ApplyKind::duplicate, it->second.outcome};
      if (command.seq < it->second.seq) return {ApplyKind::stale, {}};
    }
  }
  const Outcome outcome = execute(command);
  Session& session = state_.sessions[command.client];
  if (command.seq >= session.seq) session = Session{command.seq, outcome};
  return {ApplyKind::applied, outcome};
}

Outcome KvStore::execute(const Command& c) {
  auto it = state_.data.find(c.key);
  const bool present = it != state_.data.end();
  switch (c.op) {
    case OpKind::get:
      return Outcome{true, present ? std::optional<std::string>(it->second) : std::nullopt};
    case OpKind::put:
      state_.data[c.key] = c.value;
      return Outcome{true, std::nullopt};
    case OpKind::append:
      if (present)
        it->second += c.value;
      else
        state_.data.emplace(c.key, c.value);
      return Outcome{true, std::nullopt};
    case OpKind::cas: {
      const bool match = c.expected ? (present && it->second == *c.expected) : !present;
      if (!match)
        return Outcome{false, present ? std::optional<std::string>(it->second) : std::nullopt};
      state_.data[c.key] = c.value;
      return Outcome{true, std::nullopt};
    }
  }
  return Outcome{};
}

std::optional<std::string> KvStore::get(std::string_view key) const {
  auto it = state_.data.find(key);
  if (it == state_.data.end()) return std::nullopt;
  return it->second;
}

std::optional<Outcome> KvStore::cached(const Command& command) const {
  auto it = state_.sessions.find(command.client);
  if (it == state_.sessions.end() || it->second.seq != command.seq) return std::nullopt;
  return it->second.outcome;
}

bool KvStore::is_stale(const Command& command) const {
  auto it = state_.sessions.find(command.client);
  return it != state_.sessions.end() && command.seq < it->second.seq;
}

}  // namespace faultline::raft
