#include "blockstore/bs_storage.hpp"

#include "protocols/codec.hpp"
#include "sim/assert.hpp"

namespace faultline::blockstore {

using protocols::RecordReader;
using protocols::RecordWriter;

std::optional<std::string> read_record(sim::DiskHandle& disk, std::string_view log,
                                       std::size_t index, int attempts) {
  FAULTLINE_ASSERT(attempts > 0, "a read makes at least one attempt");
  for (int i = 0; i < attempts; ++i) {
    std::string record = disk.read(log, index);
    if (protocols::record_body(record)) return record;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- CheckedWrites

void CheckedWrites::put(sim::DiskHandle& disk, const std::string& key, std::string value) {
  disk.put(key, value);
  keys_[key] = std::move(value);
}

void CheckedWrites::erase(sim::DiskHandle& disk, const std::string& key) {
  disk.erase(key);
  keys_[key] = std::nullopt;
}

void CheckedWrites::append(sim::DiskHandle& disk, const std::string& log, std::string record,
                           std::size_t index) {
  FAULTLINE_ASSERT(protocols::record_body(record).has_value(), "a log holds sealed records");
  disk.append(log, record);
  LogState& s = logs_[log];
  s.size = index + 1;
  s.appended[index] = std::move(record);
}

void CheckedWrites::truncate(sim::DiskHandle& disk, const std::string& log, std::size_t records) {
  disk.truncate(log, records);
  LogState& s = logs_[log];
  s.size = records;
  s.appended.erase(s.appended.lower_bound(records), s.appended.end());
}

namespace {

// The bytes at `key` (or absence) as expected, allowing for reads that flip bits.
bool key_holds(sim::DiskHandle& disk, const std::string& key,
               const std::optional<std::string>& expected) {
  for (int i = 0; i < kReadAttempts; ++i) {
    if (disk.get(key) == expected) return true;
    if (!expected) return false;  // a key that exists is not a corrupted read
  }
  return false;
}

bool record_holds(sim::DiskHandle& disk, const std::string& log, std::size_t index,
                  const std::string& expected) {
  for (int i = 0; i < kReadAttempts; ++i) {
    if (disk.read(log, index) == expected) return true;
  }
  return false;
}

}  // namespace

std::string CheckedWrites::verify(sim::DiskHandle& disk) {
  std::string lost;
  for (const auto& [key, expected] : keys_) {
    if (!key_holds(disk, key, expected)) lost = "key " + key;
  }
  for (const auto& [log, s] : logs_) {
    if (disk.log_size(log) != s.size) {
      lost = "log " + log + " holds " + std::to_string(disk.log_size(log)) + " records, not " +
             std::to_string(s.size);
      continue;
    }
    for (const auto& [index, record] : s.appended) {
      if (!record_holds(disk, log, index, record)) lost = "record " + std::to_string(index) + " of " + log;
    }
  }
  clear();
  return lost;
}

void CheckedWrites::clear() {
  keys_.clear();
  logs_.clear();
}

// ---------------------------------------------------------------- CheckedSlot

namespace {

std::optional<std::pair<std::uint64_t, std::string>> decode_slot(std::string_view stored) {
  RecordReader r(stored);
  const std::uint64_t seq = r.u64();
  std::string body = r.str();
  if (!r.done()) return std::nullopt;
  return std::make_pair(seq, std::move(body));
}

}  // namespace

std::optional<std::string> CheckedSlot::load(sim::DiskHandle& disk) {
  std::optional<std::pair<std::uint64_t, std::string>> best;
  for (int slot = 0; slot < 2; ++slot) {
    const std::string k = key(static_cast<std::uint64_t>(slot));
    std::optional<std::pair<std::uint64_t, std::string>> decoded;
    for (int i = 0; i < kReadAttempts && !decoded; ++i) {
      const std::optional<std::string> stored = disk.get(k);
      if (!stored) break;
      decoded = decode_slot(*stored);
    }
    if (decoded && (!best || decoded->first > best->first)) best = std::move(decoded);
  }
  if (!best) return std::nullopt;
  seq_ = best->first;
  return std::move(best->second);
}

void CheckedSlot::store(sim::DiskHandle& disk, CheckedWrites& writes, std::string_view body) {
  ++seq_;
  writes.put(disk, key(seq_), RecordWriter().u64(seq_).str(body).seal());
}

void CheckedSlot::erase(sim::DiskHandle& disk, CheckedWrites& writes) {
  writes.erase(disk, key(0));
  writes.erase(disk, key(1));
  seq_ = 0;
}

std::optional<std::string> CheckedSlot::peek(const sim::DiskImage& image, const std::string& base) {
  std::optional<std::pair<std::uint64_t, std::string>> best;
  for (int slot = 0; slot < 2; ++slot) {
    auto it = image.kv.find(base + "." + std::to_string(slot));
    if (it == image.kv.end()) continue;
    auto decoded = decode_slot(it->second);
    if (decoded && (!best || decoded->first > best->first)) best = std::move(decoded);
  }
  if (!best) return std::nullopt;
  return std::move(best->second);
}

// ---------------------------------------------------------------- replicas

std::string meta_slot(BlockId block) { return "m" + std::to_string(block); }
std::string chunk_log(BlockId block) { return "c" + std::to_string(block); }

std::string encode_meta(const ReplicaMeta& meta) {
  return RecordWriter().u64(meta.gs).u64(static_cast<std::uint64_t>(meta.state)).u64(meta.length).seal();
}

std::optional<ReplicaMeta> decode_meta(std::string_view body) {
  RecordReader r(body);
  ReplicaMeta m;
  m.gs = r.u64();
  const std::uint64_t state = r.u64();
  m.length = r.u64();
  if (!r.done() || state > static_cast<std::uint64_t>(ReplicaState::rwr)) return std::nullopt;
  m.state = static_cast<ReplicaState>(state);
  return m;
}

std::string encode_index(const std::vector<BlockId>& blocks) {
  RecordWriter w;
  w.u64(blocks.size());
  for (BlockId b : blocks) w.u64(b);
  return w.seal();
}

std::optional<std::vector<BlockId>> decode_index(std::string_view body) {
  RecordReader r(body);
  std::vector<BlockId> blocks(r.count());
  for (BlockId& b : blocks) b = r.u64();
  if (!r.done()) return std::nullopt;
  return blocks;
}

std::string encode_chunk(std::uint64_t offset, std::string_view data) {
  return RecordWriter().u64(offset).str(data).seal();
}

std::optional<ChunkData> decode_chunk(std::string_view record) {
  RecordReader r(record);
  ChunkData c;
  c.offset = r.u64();
  c.data = r.str();
  if (!r.done()) return std::nullopt;
  return c;
}

ChunkData decode_chunk_unchecked(std::string_view record) {
  // The body without its last four checksum bytes, decoded as if it were sound: a
  // length flipped too large is cut to what is there.
  const std::string_view body = record.substr(0, record.size() >= 4 ? record.size() - 4 : 0);
  ChunkData c;
  std::size_t pos = 0;
  auto varint = [&]() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos < body.size(); shift += 7) {
      const auto b = static_cast<unsigned char>(body[pos++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  };
  c.offset = varint();
  const std::uint64_t n = varint();
  c.data = std::string(body.substr(std::min(pos, body.size()), n));
  return c;
}

std::string StoredReplica::bytes() const {
  std::string out;
  for (const ChunkData& c : chunks) out += c.data;
  return out;
}

std::optional<StoredReplica> peek_replica(const sim::DiskImage& image, BlockId block) {
  const std::optional<std::string> body = CheckedSlot::peek(image, meta_slot(block));
  if (!body) return std::nullopt;
  const std::optional<ReplicaMeta> meta = decode_meta(*body);
  if (!meta) return std::nullopt;
  StoredReplica r;
  r.meta = *meta;
  auto it = image.logs.find(chunk_log(block));
  if (it != image.logs.end()) {
    for (const std::string& record : it->second) {
      std::optional<ChunkData> c = decode_chunk(record);
      if (!c || c->offset != r.length) break;
      r.length += c->data.size();
      r.chunks.push_back(std::move(*c));
    }
  }
  return r;
}

}  // namespace faultline::blockstore
