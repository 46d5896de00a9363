#pragma once
// A checksummed record codec for durable state, and the two on-disk shapes protocols
// build on it.
//
// A record is a body of varints and length-prefixed strings followed by the CRC-32C of
// the body (4 bytes, little-endian). A record that was torn by a crash, or whose bytes a
// read corrupted, fails its checksum and is never believed (leveldb's log format does
// the same). Writer and Reader are paired: whatever Writer wrote, Reader reads back in
// the same order, and Reader::done() is true only if the whole body was read and the
// checksum held.
//
// Shapes:
//   DurableSlot  one small value (a term and vote, a promise) in two alternating keys
//                with a sequence number: a write torn by a crash leaves the other key,
//                which holds the previous synced value. load() takes the newest valid one.
//   RecordLog    an append-only log of sealed records: load() returns the valid prefix
//                and cuts a torn tail (only the last unsynced write can be torn,
//                sim/disk.hpp, so valid records always form a prefix).
// A slot holds any bytes (often a sealed record); a log holds sealed records, which the
// caller reads back with RecordReader.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/actor.hpp"

namespace faultline::protocols {

class RecordWriter {
 public:
  RecordWriter& u64(std::uint64_t v);
  RecordWriter& i64(std::int64_t v);  // zigzag
  RecordWriter& boolean(bool v) { return u64(v ? 1 : 0); }
  RecordWriter& str(std::string_view s);
  RecordWriter& node(sim::NodeId id);  // kNoNode allowed
  // Room for a record of about this size (a record grown byte by byte reallocates).
  RecordWriter& reserve(std::size_t bytes) {
    out_.reserve(bytes);
    return *this;
  }
  // Appends the checksum and returns the record; the writer is empty afterwards.
  std::string seal();

 private:
  std::string out_;
};

class RecordReader {
 public:
  // Checks and strips the checksum; a record that fails it reads as failed from the start.
  explicit RecordReader(std::string_view record);
  // It views its record: a temporary string would be gone before the first read.
  explicit RecordReader(std::string&& record) = delete;
  std::uint64_t u64();
  std::int64_t i64();
  bool boolean() { return u64() != 0; }
  std::string str();
  sim::NodeId node();
  // A count of items to follow, bounded by what is left (a corrupt count cannot make a
  // reader allocate gigabytes).
  std::uint64_t count();
  // Marks the record invalid (a decoded value out of its range).
  void fail() { ok_ = false; }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class DurableSlot {
 public:
  explicit DurableSlot(std::string base) : base_(std::move(base)) {}
  // The newest valid body in either key (nullopt if neither holds one).
  std::optional<std::string> load(sim::DiskHandle& disk);
  // Writes `body` to the key not holding the newest value (sync to make it durable).
  void store(sim::DiskHandle& disk, std::string_view body);
  // The newest valid body in a disk image (for invariants, which read disks directly).
  static std::optional<std::string> peek(const sim::DiskImage& image, const std::string& base);

 private:
  std::string key(std::uint64_t seq) const { return base_ + "." + std::to_string(seq % 2); }
  std::string base_;
  std::uint64_t seq_ = 0;
};

class RecordLog {
 public:
  explicit RecordLog(std::string name) : name_(std::move(name)) {}
  // The valid prefix of records; a torn or corrupt record and everything after it are
  // cut from the disk.
  std::vector<std::string> load(sim::DiskHandle& disk);
  // Appends a sealed record (RecordWriter::seal()).
  void append(sim::DiskHandle& disk, std::string_view record);
  void truncate(sim::DiskHandle& disk, std::size_t records);
  std::size_t size() const { return size_; }
  const std::string& name() const { return name_; }
  // The valid prefix in a disk image (for invariants).
  static std::vector<std::string> peek(const sim::DiskImage& image, const std::string& name);

 private:
  std::string name_;
  std::size_t size_ = 0;
};

// The body of a checked record, or nullopt if it fails its checksum.
std::optional<std::string_view> record_body(std::string_view record);

}  // namespace faultline::protocols
