#include "raft/raft_storage.hpp"

#include <algorithm>

namespace faultline::raft {
namespace {

// ---------------------------------------------------------------- a tiny binary format

class Writer {
 public:
  void u64(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  // Appends the CRC of everything so far and returns the record.
  std::string seal() {
    const std::uint32_t crc = sim::crc32c(out_);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return std::move(out_);
  }

 private:
  std::string out_;
};

class Reader {
 public:
  // Checks and strips the CRC; a bad record reads as failed from the start.
  explicit Reader(std::string_view record) {
    if (record.size() < 4) {
      ok_ = false;
      return;
    }
    const std::string_view body = record.substr(0, record.size() - 4);
    std::uint32_t crc = 0;
    for (int i = 0; i < 4; ++i) {
      crc |= static_cast<std::uint32_t>(static_cast<unsigned char>(record[body.size() + i]))
             << (8 * i);
    }
    ok_ = crc == sim::crc32c(body);
    in_ = body;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return 0;
      }
      const auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

NodeId to_node(std::uint64_t v) {
  return v == 0 ? kNoNode : static_cast<NodeId>(v - 1);
}
std::uint64_t from_node(NodeId id) {
  return id == kNoNode ? 0 : std::uint64_t{id} + 1;
}

void write_config(Writer& w, const Config& config) {
  w.u64(config.size());
  for (NodeId id : config) w.u64(id);
}

Config read_config(Reader& r) {
  Config config;
  const std::uint64_t n = r.u64();
  for (std::uint64_t i = 0; i < n && r.ok() && i < 65536; ++i)
    config.push_back(static_cast<NodeId>(r.u64()));
  return config;
}

void write_entry_body(Writer& w, const Entry& e) {
  w.u64(e.term);
  w.u64(static_cast<std::uint64_t>(e.kind));
  if (e.kind == EntryKind::command) {
    const Command& c = e.command;
    w.u64(static_cast<std::uint64_t>(c.op));
    w.u64(from_node(c.client));
    w.u64(c.seq);
    w.str(c.key);
    w.str(c.value);
    w.u64(c.expected ? 1 : 0);
    if (c.expected) w.str(*c.expected);
  } else if (e.kind == EntryKind::config) {
    write_config(w, e.config);
  }
}

Entry read_entry_body(Reader& r) {
  Entry e;
  e.term = r.u64();
  e.kind = static_cast<EntryKind>(r.u64());
  if (e.kind == EntryKind::command) {
    Command& c = e.command;
    c.op = static_cast<OpKind>(r.u64());
    c.client = to_node(r.u64());
    c.seq = r.u64();
    c.key = r.str();
    c.value = r.str();
    if (r.u64() == 1) c.expected = r.str();
  } else if (e.kind == EntryKind::config) {
    e.config = read_config(r);
  }
  e.digest = make_digest(e);
  return e;
}

std::string slot_key(std::string_view base, std::uint64_t seq) {
  return std::string(base) + "." + std::to_string(seq % 2);
}

template <class T, class Decode>
std::optional<T> newest(sim::DiskHandle& disk, std::string_view base, Decode decode) {
  std::optional<T> best;
  for (int slot = 0; slot < 2; ++slot) {
    auto bytes = disk.get(std::string(base) + "." + std::to_string(slot));
    if (!bytes) continue;
    auto value = decode(*bytes);
    if (value && (!best || value->seq > best->seq)) best = value;
  }
  return best;
}

std::optional<Meta> newest_meta(const sim::DiskImage& image) {
  std::optional<Meta> best;
  for (const char* key : {"meta.0", "meta.1"}) {
    auto it = image.kv.find(key);
    if (it == image.kv.end()) continue;
    auto meta = decode_meta(it->second);
    if (meta && (!best || meta->seq > best->seq)) best = meta;
  }
  return best;
}

}  // namespace

// ---------------------------------------------------------------- encodings

std::string encode_entry(const Entry& entry) {
  Writer w;
  write_entry_body(w, entry);
  return w.seal();
}

std::optional<Entry> decode_entry(std::string_view record) {
  Reader r(record);
  if (!r.ok()) return std::nullopt;
  Entry e = read_entry_body(r);
  if (!r.done() || e.kind > EntryKind::config || e.command.op > OpKind::cas) return std::nullopt;
  return e;
}

std::string encode_snapshot(const Snapshot& s) {
  Writer w;
  w.u64(s.last_index);
  w.u64(s.last_term);
  write_config(w, s.config);
  w.u64(s.state.data.size());
  for (const auto& [key, value] : s.state.data) {
    w.str(key);
    w.str(value);
  }
  w.u64(s.state.sessions.size());
  for (const auto& [client, session] : s.state.sessions) {
    w.u64(client);
    w.u64(session.seq);
    w.u64(session.outcome.ok ? 1 : 0);
    w.u64(session.outcome.value ? 1 : 0);
    if (session.outcome.value) w.str(*session.outcome.value);
  }
  return w.seal();
}

std::optional<Snapshot> decode_snapshot(std::string_view record) {
  Reader r(record);
  if (!r.ok()) return std::nullopt;
  Snapshot s;
  s.last_index = r.u64();
  s.last_term = r.u64();
  s.config = read_config(r);
  const std::uint64_t keys = r.u64();
  for (std::uint64_t i = 0; i < keys && r.ok(); ++i) {
    std::string key = r.str();
    s.state.data[key] = r.str();
  }
  const std::uint64_t sessions = r.u64();
  for (std::uint64_t i = 0; i < sessions && r.ok(); ++i) {
    const auto client = static_cast<NodeId>(r.u64());
    Session& session = s.state.sessions[client];
    session.seq = r.u64();
    session.outcome.ok = r.u64() == 1;
    if (r.u64() == 1) session.outcome.value = r.str();
  }
  if (!r.done()) return std::nullopt;
  return s;
}

std::string encode_hard_state(const HardState& h) {
  Writer w;
  w.u64(h.seq);
  w.u64(h.term);
  w.u64(from_node(h.voted_for));
  return w.seal();
}

std::optional<HardState> decode_hard_state(std::string_view record) {
  Reader r(record);
  HardState h;
  h.seq = r.u64();
  h.term = r.u64();
  h.voted_for = to_node(r.u64());
  if (!r.done()) return std::nullopt;
  return h;
}

std::string encode_meta(const Meta& m) {
  Writer w;
  w.u64(m.seq);
  w.u64(m.generation);
  w.u64(m.snapshot_index);
  w.u64(m.snapshot_term);
  return w.seal();
}

std::optional<Meta> decode_meta(std::string_view record) {
  Reader r(record);
  Meta m;
  m.seq = r.u64();
  m.generation = r.u64();
  m.snapshot_index = r.u64();
  m.snapshot_term = r.u64();
  if (!r.done()) return std::nullopt;
  return m;
}

HeldEntry held_at(const sim::DiskImage& image, LogIndex index) {
  const Meta meta = newest_meta(image).value_or(Meta{});
  if (index <= meta.snapshot_index) {
    return HeldEntry{HeldEntry::Kind::in_snapshot,
                     index == meta.snapshot_index ? meta.snapshot_term : 0, 0};
  }
  auto it = image.logs.find("log." + std::to_string(meta.generation));
  if (it == image.logs.end()) return {};
  const std::size_t position = index - meta.snapshot_index - 1;
  if (position >= it->second.size()) return {};
  auto entry = decode_entry(it->second[position]);
  if (!entry) return {};
  return HeldEntry{HeldEntry::Kind::in_log, entry->term, entry->digest};
}

// ---------------------------------------------------------------- RaftStorage

Restored RaftStorage::load() {
  Restored restored;
  if (auto hard = newest<HardState>(disk_, "hard", decode_hard_state)) {
    hard_seq_ = hard->seq;
    restored.term = hard->term;
    restored.voted_for = hard->voted_for;
  }
  Meta meta;
  if (auto m = newest<Meta>(disk_, "meta", decode_meta)) meta = *m;
  meta_seq_ = meta.seq;
  generation_ = meta.generation;
  log_name_ = log_name();
  base_ = meta.snapshot_index;
  if (meta.generation > 0) {
    auto bytes = disk_.get("snap." + std::to_string(meta.generation));
    auto snapshot = bytes ? decode_snapshot(*bytes) : std::nullopt;
    if (snapshot && snapshot->last_index == meta.snapshot_index) {
      restored.snapshot = std::move(snapshot);
    } else {
      // The meta key names a generation only after its snapshot was written before it,
      // so this is a corrupted read, outside what Raft tolerates: start empty.
      base_ = 0;
    }
  }
  const std::size_t records = disk_.log_size(log_name_);
  for (std::size_t i = 0; i < records; ++i) {
    auto entry = decode_entry(disk_.read(log_name_, i));
    if (!entry) {
      disk_.truncate(log_name_, i);  // a torn tail: never synced, never acknowledged
      break;
    }
    restored.entries.push_back(std::move(*entry));
  }
  disk_last_ = base_ + restored.entries.size();
  return restored;
}

void RaftStorage::write_hard_state(Term term, NodeId voted_for) {
  ++hard_seq_;
  disk_.put(slot_key("hard", hard_seq_), encode_hard_state({hard_seq_, term, voted_for}));
}

void RaftStorage::write_log(RaftLog& log) {
  if (!log.has_unstable()) return;
  const LogIndex from = std::max(log.unstable_from(), log.first_index());
  if (from <= disk_last_) disk_.truncate(log_name_, from - base_ - 1);
  for (LogIndex i = from; i <= log.last_index(); ++i)
    disk_.append(log_name_, encode_entry(log.at(i)));
  disk_last_ = log.last_index();
  log.mark_written();
}

void RaftStorage::write_generation(const Snapshot& snapshot, RaftLog& log) {
  garbage_ = generation_;
  ++generation_;
  log_name_ = log_name();
  base_ = snapshot.last_index;
  disk_.truncate(log_name_, 0);  // what an attempt that crashed before its meta key left
  disk_.put("snap." + std::to_string(generation_), encode_snapshot(snapshot));
  for (LogIndex i = log.first_index(); i <= log.last_index(); ++i) {
    disk_.append(log_name_, encode_entry(log.at(i)));
  }
  disk_last_ = log.last_index();
  log.mark_written();
  ++meta_seq_;
  disk_.put(slot_key("meta", meta_seq_),
            encode_meta({meta_seq_, generation_, snapshot.last_index, snapshot.last_term}));
}

void RaftStorage::collect_garbage() {
  if (!garbage_) return;
  const std::string old = std::to_string(*garbage_);
  disk_.truncate("log." + old, 0);
  if (*garbage_ > 0) disk_.erase("snap." + old);
  garbage_.reset();
}

}  // namespace faultline::raft
