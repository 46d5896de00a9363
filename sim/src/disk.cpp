#include "sim/disk.hpp"

#include <array>
#include <cstring>

#include "sim/assert.hpp"

namespace faultline::sim {

void Disk::apply(DiskImage& image, const Op& op) {
  switch (op.kind) {
    case OpKind::put:
      image.kv[op.name] = op.bytes;
      break;
    case OpKind::erase: {
      auto it = image.kv.find(op.name);
      if (it != image.kv.end()) image.kv.erase(it);
      break;
    }
    case OpKind::append:
      image.logs[op.name].push_back(op.bytes);
      break;
    case OpKind::truncate: {
      auto it = image.logs.find(op.name);
      if (it != image.logs.end() && it->second.size() > op.size) it->second.resize(op.size);
      break;
    }
  }
}

void Disk::put(std::string_view key, std::string_view value) {
  pending_.push_back(Op{OpKind::put, std::string(key), std::string(value), 0});
  apply(current_, pending_.back());
  bytes_written_ += value.size();
}

void Disk::erase(std::string_view key) {
  pending_.push_back(Op{OpKind::erase, std::string(key), {}, 0});
  apply(current_, pending_.back());
}

void Disk::append(std::string_view log, std::string_view record) {
  pending_.push_back(Op{OpKind::append, std::string(log), std::string(record), 0});
  apply(current_, pending_.back());
  bytes_written_ += record.size();
}

void Disk::truncate(std::string_view log, std::size_t records) {
  pending_.push_back(Op{OpKind::truncate, std::string(log), {}, records});
  apply(current_, pending_.back());
}

std::optional<std::string> Disk::get(std::string_view key) const {
  auto it = current_.kv.find(key);
  if (it == current_.kv.end()) return std::nullopt;
  return it->second;
}

std::size_t Disk::log_size(std::string_view log) const {
  auto it = current_.logs.find(log);
  return it == current_.logs.end() ? 0 : it->second.size();
}

const std::vector<std::string>* Disk::log(std::string_view log) const {
  auto it = current_.logs.find(log);
  return it == current_.logs.end() ? nullptr : &it->second;
}

namespace {
// apply() for an operation about to be discarded: its bytes move instead of being copied.
void apply_owned(DiskImage& image, Disk::Op& op) {
  switch (op.kind) {
    case Disk::OpKind::put:
      image.kv[op.name] = std::move(op.bytes);
      break;
    case Disk::OpKind::append:
      image.logs[op.name].push_back(std::move(op.bytes));
      break;
    case Disk::OpKind::erase:
    case Disk::OpKind::truncate:
      break;
  }
}
}  // namespace

std::size_t Disk::sync() {
  const std::size_t count = pending_.size();
  for (Op& op : pending_) {
    if (op.kind == OpKind::put || op.kind == OpKind::append) apply_owned(durable_, op);
    else apply(durable_, op);
  }
  pending_.clear();
  return count;
}

std::size_t Disk::crash(bool tear_last, std::size_t torn_bytes) {
  const std::size_t lost = pending_.size();
  if (tear_last && !pending_.empty()) {
    // The writes before the torn one reached the platter whole; the torn one in part.
    for (std::size_t i = 0; i + 1 < pending_.size(); ++i) apply(durable_, pending_[i]);
    Op torn = pending_.back();
    if (torn.kind == OpKind::put || torn.kind == OpKind::append) {
      torn.bytes.resize(std::min(torn_bytes, torn.bytes.size()));
      apply(durable_, torn);
    }
  }
  pending_.clear();
  current_ = durable_;
  return lost;
}

std::size_t Disk::forget_unsynced() {
  const std::size_t lost = pending_.size();
  pending_.clear();
  current_ = durable_;
  return lost;
}

std::size_t Disk::wipe() {
  std::size_t held = current_.kv.size();
  for (const auto& [name, records] : current_.logs) held += records.size();
  pending_.clear();
  current_ = DiskImage{};
  durable_ = DiskImage{};
  ++wipes_;
  FAULTLINE_ASSERT(current_ == durable_ && unsynced() == 0, "a wiped disk holds nothing");
  return held;
}

std::string_view disk_fault_kind_name(DiskFault::Kind kind) {
  switch (kind) {
    case DiskFault::Kind::torn_writes:
      return "torn_writes";
    case DiskFault::Kind::read_corruption:
      return "read_corruption";
    case DiskFault::Kind::slow:
      return "slow_disk";
    case DiskFault::Kind::full:
      return "disk_full";
  }
  return "?";
}

namespace {
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

std::uint32_t crc32c_table(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (char ch : bytes) crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// SSE4.2's crc32 instruction computes CRC-32C itself, 8 bytes at a time: the same value
// as the table, several times faster.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view bytes,
                                                             std::uint32_t crc) {
  std::uint64_t c = ~crc;
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
  return ~c32;
}
#endif
}  // namespace

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has_sse42 = (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
  if (has_sse42) return crc32c_sse42(bytes, crc);
#endif
  return crc32c_table(bytes, crc);
}

}  // namespace faultline::sim
