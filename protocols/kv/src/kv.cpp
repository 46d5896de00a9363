#include "kv/kv.hpp"

#include <charconv>

namespace faultline::kv {

std::string_view op_name(OpKind op) {
  switch (op) {
    case OpKind::get:
      return "get";
    case OpKind::put:
      return "put";
    case OpKind::append:
      return "append";
    case OpKind::cas:
      return "cas";
  }
  return "?";
}

void append_decimal(std::string& out, std::uint64_t v) {
  char digits[20];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

void append_command(std::string& out, const Command& c) {
  out.append(op_name(c.op)).append(1, ' ').append(c.key);
  if (c.op == OpKind::put || c.op == OpKind::append) out.append(1, ' ').append(c.value);
  if (c.op == OpKind::cas) {
    out.append(1, ' ').append(c.expected ? std::string_view(*c.expected) : "null");
    out.append("->").append(c.value);
  }
  out.append(" (c");
  append_decimal(out, c.client);
  out.append(1, '#');
  append_decimal(out, c.seq);
  out.append(1, ')');
}

std::string describe_command(const Command& c) {
  std::string text;
  text.reserve(32 + c.key.size() + c.value.size() + (c.expected ? c.expected->size() : 0));
  append_command(text, c);
  return text;
}

void describe_command(sim::Fields& f, const Command& c) {
  f("op", op_name(c.op))("key", c.key)("seq", c.seq);
  if (c.op == OpKind::put || c.op == OpKind::append || c.op == OpKind::cas) f("value", c.value);
  if (c.op == OpKind::cas) {
    if (c.expected)
      f("expected", *c.expected);
    else
      f("expected_absent", true);
  }
}

// ---------------------------------------------------------------- the state machine

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

// ---------------------------------------------------------------- storage

void write_command(protocols::RecordWriter& w, const Command& c) {
  w.u64(static_cast<std::uint64_t>(c.op)).node(c.client).u64(c.seq).str(c.key).str(c.value);
  w.u64(c.expected ? 1 : 0);
  if (c.expected) w.str(*c.expected);
}

Command read_command(protocols::RecordReader& r) {
  Command c;
  const std::uint64_t op = r.u64();
  if (op > static_cast<std::uint64_t>(OpKind::cas)) r.fail();
  c.op = static_cast<OpKind>(op & 3);
  c.client = r.node();
  c.seq = r.u64();
  c.key = r.str();
  c.value = r.str();
  if (r.u64() == 1) c.expected = r.str();
  return c;
}

void write_state(protocols::RecordWriter& w, const KvState& s) {
  w.u64(s.data.size());
  for (const auto& [key, value] : s.data) w.str(key).str(value);
  w.u64(s.sessions.size());
  for (const auto& [client, session] : s.sessions) {
    w.u64(client).u64(session.seq).boolean(session.outcome.ok);
    w.u64(session.outcome.value ? 1 : 0);
    if (session.outcome.value) w.str(*session.outcome.value);
  }
}

KvState read_state(protocols::RecordReader& r) {
  KvState s;
  const std::uint64_t keys = r.count();
  for (std::uint64_t i = 0; i < keys && r.ok(); ++i) {
    std::string key = r.str();
    s.data[key] = r.str();
  }
  const std::uint64_t sessions = r.count();
  for (std::uint64_t i = 0; i < sessions && r.ok(); ++i) {
    const auto client = static_cast<NodeId>(r.u64());
    Session& session = s.sessions[client];
    session.seq = r.u64();
    session.outcome.ok = r.boolean();
    if (r.u64() == 1) session.outcome.value = r.str();
  }
  return s;
}

std::uint32_t state_size_bytes(const KvState& s) {
  std::uint32_t bytes = 0;
  for (const auto& [key, value] : s.data) {
    bytes += static_cast<std::uint32_t>(8 + key.size() + value.size());
  }
  for (const auto& [client, session] : s.sessions) {
    bytes += 16 + (session.outcome.value ? static_cast<std::uint32_t>(session.outcome.value->size())
                                         : 0);
  }
  return bytes;
}

// ---------------------------------------------------------------- messages

std::string_view reply_status_name(ReplyStatus status) {
  switch (status) {
    case ReplyStatus::ok:
      return "ok";
    case ReplyStatus::not_leader:
      return "not_leader";
    case ReplyStatus::busy:
      return "busy";
  }
  return "?";
}

void ClientReply::describe(sim::Fields& f) const {
  f("seq", seq)("status", reply_status_name(status));
  if (status == ReplyStatus::not_leader && leader_hint != kNoNode) f("leader_hint", leader_hint);
  if (status == ReplyStatus::ok) {
    f("ok", outcome.ok);
    if (outcome.value) f("value", *outcome.value);
  }
}

}  // namespace faultline::kv
