#include "protocols/codec.hpp"

#include "sim/disk.hpp"

namespace faultline::protocols {

RecordWriter& RecordWriter::u64(std::uint64_t v) {
  // Built aside and appended once: a push_back per byte checks capacity and rewrites the
  // terminator every time.
  char bytes[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  out_.append(bytes, n);
  return *this;
}

RecordWriter& RecordWriter::i64(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  return u64((u << 1) ^ (v < 0 ? ~std::uint64_t{0} : 0));
}

RecordWriter& RecordWriter::str(std::string_view s) {
  u64(s.size());
  out_.append(s);
  return *this;
}

RecordWriter& RecordWriter::node(sim::NodeId id) {
  return u64(id == sim::kNoNode ? 0 : std::uint64_t{id} + 1);
}

std::string RecordWriter::seal() {
  const std::uint32_t crc = sim::crc32c(out_);
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  out_.append(bytes, 4);
  std::string record = std::move(out_);
  out_.clear();
  return record;
}

std::optional<std::string_view> record_body(std::string_view record) {
  if (record.size() < 4) return std::nullopt;
  const std::string_view body = record.substr(0, record.size() - 4);
  std::uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) {
    crc |= static_cast<std::uint32_t>(static_cast<unsigned char>(record[body.size() + i]))
           << (8 * i);
  }
  if (crc != sim::crc32c(body)) return std::nullopt;
  return body;
}

RecordReader::RecordReader(std::string_view record) {
  const std::optional<std::string_view> body = record_body(record);
  ok_ = body.has_value();
  if (body) in_ = *body;
}

std::uint64_t RecordReader::u64() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64 && ok_; shift += 7) {
    if (pos_ >= in_.size()) break;
    const auto b = static_cast<unsigned char>(in_[pos_++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  ok_ = false;
  return 0;
}

std::int64_t RecordReader::i64() {
  const std::uint64_t u = u64();
  return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::string RecordReader::str() {
  const std::uint64_t n = u64();
  if (!ok_ || n > in_.size() - pos_) {
    ok_ = false;
    return {};
  }
  std::string s(in_.substr(pos_, n));
  pos_ += n;
  return s;
}

sim::NodeId RecordReader::node() {
  const std::uint64_t v = u64();
  if (v > sim::kNoNode) ok_ = false;
  return v == 0 || !ok_ ? sim::kNoNode : static_cast<sim::NodeId>(v - 1);
}

std::uint64_t RecordReader::count() {
  const std::uint64_t n = u64();
  // Every item takes at least one byte.
  if (n > in_.size() - pos_) ok_ = false;
  return ok_ ? n : 0;
}

// ---------------------------------------------------------------- DurableSlot

namespace {

// A slot's stored form: a record of (seq, body).
std::optional<std::pair<std::uint64_t, std::string>> decode_slot(std::string_view stored) {
  RecordReader r(stored);
  const std::uint64_t seq = r.u64();
  std::string body = r.str();
  if (!r.done()) return std::nullopt;
  return std::make_pair(seq, std::move(body));
}

template <class Get>
std::optional<std::pair<std::uint64_t, std::string>> newest_slot(const std::string& base, Get get) {
  std::optional<std::pair<std::uint64_t, std::string>> best;
  for (int slot = 0; slot < 2; ++slot) {
    const std::optional<std::string> stored = get(base + "." + std::to_string(slot));
    if (!stored) continue;
    auto decoded = decode_slot(*stored);
    if (decoded && (!best || decoded->first > best->first)) best = std::move(decoded);
  }
  return best;
}

}  // namespace

std::optional<std::string> DurableSlot::load(sim::DiskHandle& disk) {
  auto best = newest_slot(base_, [&](const std::string& key) { return disk.get(key); });
  if (!best) return std::nullopt;
  seq_ = best->first;
  return std::move(best->second);
}

void DurableSlot::store(sim::DiskHandle& disk, std::string_view body) {
  ++seq_;
  disk.put(key(seq_), RecordWriter().u64(seq_).str(body).seal());
}

std::optional<std::string> DurableSlot::peek(const sim::DiskImage& image, const std::string& base) {
  auto best = newest_slot(base, [&](const std::string& key) -> std::optional<std::string> {
    auto it = image.kv.find(key);
    if (it == image.kv.end()) return std::nullopt;
    return it->second;
  });
  if (!best) return std::nullopt;
  return std::move(best->second);
}

// ---------------------------------------------------------------- RecordLog

std::vector<std::string> RecordLog::load(sim::DiskHandle& disk) {
  std::vector<std::string> records;
  const std::size_t stored = disk.log_size(name_);
  for (std::size_t i = 0; i < stored; ++i) {
    std::string record = disk.read(name_, i);
    if (!record_body(record)) {
      disk.truncate(name_, i);  // a torn tail: never synced, never acknowledged
      break;
    }
    records.push_back(std::move(record));
  }
  size_ = records.size();
  return records;
}

void RecordLog::append(sim::DiskHandle& disk, std::string_view record) {
  FAULTLINE_ASSERT(record_body(record).has_value(), "a log appends sealed records");
  disk.append(name_, record);
  ++size_;
}

void RecordLog::truncate(sim::DiskHandle& disk, std::size_t records) {
  if (records >= size_) return;
  disk.truncate(name_, records);
  size_ = records;
}

std::vector<std::string> RecordLog::peek(const sim::DiskImage& image, const std::string& name) {
  std::vector<std::string> records;
  auto it = image.logs.find(name);
  if (it == image.logs.end()) return records;
  for (const std::string& record : it->second) {
    if (!record_body(record)) break;
    records.push_back(record);
  }
  return records;
}

}  // namespace faultline::protocols
