#include "raft/raft_types.hpp"

#include <algorithm>

namespace faultline::raft {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::follower:
      return "follower";
    case Role::pre_candidate:
      return "pre-candidate";
    case Role::candidate:
      return "candidate";
    case Role::leader:
      return "leader";
  }
  return "?";
}

std::string_view entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::noop:
      return "noop";
    case EntryKind::command:
      return "command";
    case EntryKind::config:
      return "config";
  }
  return "?";
}

bool config_contains(const Config& config, NodeId id) {
  return std::binary_search(config.begin(), config.end(), id);
}

namespace {

// FNV-1a over the fields, with lengths so that field boundaries matter.
struct Digest {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void byte(unsigned char b) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    u64(s.size());
    for (char c : s) byte(static_cast<unsigned char>(c));
  }
};

}  // namespace

std::uint64_t make_digest(const Entry& entry) {
  Digest d;
  d.u64(entry.term);
  d.byte(static_cast<unsigned char>(entry.kind));
  if (entry.kind == EntryKind::command) {
    const Command& c = entry.command;
    d.byte(static_cast<unsigned char>(c.op));
    d.u64(c.client);
    d.u64(c.seq);
    d.str(c.key);
    d.str(c.value);
    d.byte(c.expected ? 1 : 0);
    if (c.expected) d.str(*c.expected);
  } else if (entry.kind == EntryKind::config) {
    d.u64(entry.config.size());
    for (NodeId id : entry.config) d.u64(id);
  }
  return d.h == 0 ? 1 : d.h;  // 0 means "no digest"
}

Entry make_noop(Term term) {
  Entry e;
  e.term = term;
  e.kind = EntryKind::noop;
  e.digest = make_digest(e);
  return e;
}

Entry make_command(Term term, Command command) {
  Entry e;
  e.term = term;
  e.kind = EntryKind::command;
  e.command = std::move(command);
  e.digest = make_digest(e);
  return e;
}

Entry make_config(Term term, Config config) {
  Entry e;
  e.term = term;
  e.kind = EntryKind::config;
  e.config = std::move(config);
  e.digest = make_digest(e);
  return e;
}

std::string describe_entry(const Entry& entry) {
  switch (entry.kind) {
    case EntryKind::noop:
      return "noop";
    case EntryKind::config: {
      std::string text = "config [";
      for (std::size_t i = 0; i < entry.config.size(); ++i) {
        text += (i ? " " : "") + std::to_string(entry.config[i]);
      }
      return text + "]";
    }
    case EntryKind::command:
      return kv::describe_command(entry.command);
  }
  return "?";
}

}  // namespace faultline::raft
