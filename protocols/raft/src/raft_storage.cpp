#include "raft/raft_storage.hpp"

#include <algorithm>

#include "protocols/codec.hpp"

namespace faultline::raft {
using protocols::DurableSlot;
using protocols::RecordReader;
using protocols::RecordWriter;

namespace {

void write_config(RecordWriter& w, const Config& config) {
  w.u64(config.size());
  for (NodeId id : config) w.u64(id);
}

Config read_config(RecordReader& r) {
  Config config;
  const std::uint64_t n = r.count();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) config.push_back(static_cast<NodeId>(r.u64()));
  return config;
}

}  // namespace

// ---------------------------------------------------------------- encodings

std::string encode_entry(const Entry& e) {
  RecordWriter w;
  w.reserve(64);
  w.u64(e.term).u64(static_cast<std::uint64_t>(e.kind));
  if (e.kind == EntryKind::command) kv::write_command(w, e.command);
  if (e.kind == EntryKind::config) write_config(w, e.config);
  return w.seal();
}

std::optional<Entry> decode_entry(std::string_view record) {
  RecordReader r(record);
  Entry e;
  e.term = r.u64();
  const std::uint64_t kind = r.u64();
  if (kind > static_cast<std::uint64_t>(EntryKind::config)) return std::nullopt;
  e.kind = static_cast<EntryKind>(kind);
  if (e.kind == EntryKind::command) e.command = kv::read_command(r);
  if (e.kind == EntryKind::config) e.config = read_config(r);
  if (!r.done()) return std::nullopt;
  e.digest = make_digest(e);
  return e;
}

std::string encode_snapshot(const Snapshot& s) {
  RecordWriter w;
  w.u64(s.last_index).u64(s.last_term);
  write_config(w, s.config);
  kv::write_state(w, s.state);
  return w.seal();
}

std::optional<Snapshot> decode_snapshot(std::string_view record) {
  RecordReader r(record);
  Snapshot s;
  s.last_index = r.u64();
  s.last_term = r.u64();
  s.config = read_config(r);
  s.state = kv::read_state(r);
  if (!r.done()) return std::nullopt;
  return s;
}

std::string encode_hard_state(const HardState& h) {
  return RecordWriter().u64(h.term).node(h.voted_for).seal();
}

std::optional<HardState> decode_hard_state(std::string_view record) {
  RecordReader r(record);
  HardState h;
  h.term = r.u64();
  h.voted_for = r.node();
  if (!r.done()) return std::nullopt;
  return h;
}

std::string encode_meta(const Meta& m) {
  return RecordWriter().u64(m.generation).u64(m.snapshot_index).u64(m.snapshot_term).seal();
}

std::optional<Meta> decode_meta(std::string_view record) {
  RecordReader r(record);
  Meta m;
  m.generation = r.u64();
  m.snapshot_index = r.u64();
  m.snapshot_term = r.u64();
  if (!r.done()) return std::nullopt;
  return m;
}

HeldEntry held_at(const sim::DiskImage& image, LogIndex index) {
  const std::optional<std::string> stored = DurableSlot::peek(image, "meta");
  const Meta meta = stored ? decode_meta(*stored).value_or(Meta{}) : Meta{};
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
  const std::optional<std::string> hard_bytes = hard_.load(disk_);
  if (const auto hard = hard_bytes ? decode_hard_state(*hard_bytes) : std::nullopt) {
    restored.term = hard->term;
    restored.voted_for = hard->voted_for;
  }
  Meta meta;
  const std::optional<std::string> meta_bytes = meta_.load(disk_);
  if (const auto m = meta_bytes ? decode_meta(*meta_bytes) : std::nullopt) meta = *m;
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
  hard_.store(disk_, encode_hard_state({term, voted_for}));
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
  meta_.store(disk_, encode_meta({generation_, snapshot.last_index, snapshot.last_term}));
}

void RaftStorage::collect_garbage() {
  if (!garbage_) return;
  const std::string old = std::to_string(*garbage_);
  disk_.truncate("log." + old, 0);
  if (*garbage_ > 0) disk_.erase("snap." + old);
  garbage_.reset();
}

}  // namespace faultline::raft
