#include "raft/raft_messages.hpp"

namespace faultline::raft {

void describe_config(sim::Fields& f, std::string_view name, const Config& config) {
  f.begin_list(name);
  for (NodeId id : config) f("", id);
  f.end();
}

void describe_entries(sim::Fields& f, LogIndex first, const std::vector<Entry>& entries) {
  f.begin_list("entries");
  LogIndex index = first;
  for (const Entry& e : entries) {
    f.begin_object("");
    f("index", index++)("term", e.term);
    if (e.kind == EntryKind::command) {
      f("op", op_name(e.command.op))("key", e.command.key)("client", e.command.client)(
          "seq", e.command.seq);
    } else {
      f("op", entry_kind_name(e.kind));
      if (e.kind == EntryKind::config) describe_config(f, "config", e.config);
    }
    f.end();
  }
  f.end();
}

namespace {
std::uint32_t entry_bytes(const Entry& e) {
  return static_cast<std::uint32_t>(24 + e.command.key.size() + e.command.value.size() +
                                    (e.command.expected ? e.command.expected->size() : 0) +
                                    4 * e.config.size());
}
}  // namespace

std::uint32_t AppendEntries::size_bytes() const {
  std::uint32_t bytes = 48;
  for (const Entry& e : entries) bytes += entry_bytes(e);
  return bytes;
}

std::uint32_t InstallSnapshot::size_bytes() const {
  std::uint32_t bytes = 48 + 4 * static_cast<std::uint32_t>(snapshot.config.size());
  for (const auto& [key, value] : snapshot.state.data) {
    bytes += static_cast<std::uint32_t>(8 + key.size() + value.size());
  }
  for (const auto& [client, session] : snapshot.state.sessions) {
    bytes += 16 + (session.outcome.value ? static_cast<std::uint32_t>(session.outcome.value->size())
                                         : 0);
  }
  return bytes;
}

void ClientRequest::describe(sim::Fields& f) const {
  const Command& c = command;
  f("op", op_name(c.op))("key", c.key)("seq", c.seq);
  if (c.op == OpKind::put || c.op == OpKind::append || c.op == OpKind::cas) f("value", c.value);
  if (c.op == OpKind::cas) {
    if (c.expected)
      f("expected", *c.expected);
    else
      f("expected_absent", true);
  }
}

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

void ConfigChangeReply::describe(sim::Fields& f) const {
  f("id", id)("status", reply_status_name(status));
  if (leader_hint != kNoNode) f("leader_hint", leader_hint);
  if (status == ReplyStatus::ok) describe_config(f, "config", config);
}

}  // namespace faultline::raft
