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
      f("op", kv::op_name(e.command.op))("key", e.command.key)("client", e.command.client)(
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
  return 48 + 4 * static_cast<std::uint32_t>(snapshot.config.size()) +
         kv::state_size_bytes(snapshot.state);
}

void ConfigChangeReply::describe(sim::Fields& f) const {
  f("id", id)("status", kv::reply_status_name(status));
  if (leader_hint != kNoNode) f("leader_hint", leader_hint);
  if (status == ReplyStatus::ok) describe_config(f, "config", config);
}

}  // namespace faultline::raft
