#pragma once
// A node's durable storage: a key-value store and named append-only logs, with an
// explicit sync. Reads see every write (as through a page cache); only synced writes
// survive a crash. When the profile allows, the last unsynced write may be torn at a
// crash (a prefix of it reaches the platter), and reads may return corrupted bytes —
// protocols that care detect both with checksums (sim::crc32c).
//
// Invariant: durable() is the state after applying, in order, every write made before
// the last completed sync; current() is durable() plus the unsynced writes.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/types.hpp"

namespace faultline::sim {

struct DiskProfile {
  Duration sync_latency_min_ns = 0;  // a sync blocks its caller for a latency in [min, max]
  Duration sync_latency_max_ns = 0;
  Ratio torn_write{0, 1};        // at a crash, the last unsynced write is torn
  Ratio read_corruption{0, 1};   // a read flips one bit
};

// A disk fault for a time window on one node (Simulation::disk_fault):
//   torn_writes      a crash tears the last unsynced write (with probability `ratio`);
//   read_corruption  a read flips one bit (with probability `ratio`);
//   slow             every sync takes `slow_factor` times as long;
//   full             writes are refused: they change nothing, and the next sync says so
//                    (DiskHandle::sync returns false).
// Losing unsynced writes is an instant, not a window: Simulation::lose_unsynced, or a
// crash. So is losing everything (Simulation::wipe_disk: the disk was replaced).
struct DiskFault {
  enum class Kind : std::uint8_t { torn_writes, read_corruption, slow, full };
  Kind kind = Kind::torn_writes;
  Ratio ratio{1, 1};
  std::int64_t slow_factor = 10;
};
std::string_view disk_fault_kind_name(DiskFault::Kind kind);

struct DiskImage {
  std::map<std::string, std::string, std::less<>> kv;
  std::map<std::string, std::vector<std::string>, std::less<>> logs;
  friend bool operator==(const DiskImage&, const DiskImage&) = default;
};

class Disk {
 public:
  enum class OpKind : std::uint8_t { put, erase, append, truncate };
  struct Op {
    OpKind kind;
    std::string name;   // key or log name
    std::string bytes;  // put / append
    std::size_t size;   // truncate: new record count
  };

  // Writes (take effect in current() at once, in durable() at the next sync).
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  void append(std::string_view log, std::string_view record);
  void truncate(std::string_view log, std::size_t records);

  // Reads of current().
  std::optional<std::string> get(std::string_view key) const;
  std::size_t log_size(std::string_view log) const;
  const std::vector<std::string>* log(std::string_view log) const;

  // Makes every write so far durable; returns how many there were.
  std::size_t sync();
  // A crash: unsynced writes are lost. If `tear_last`, the crash caught the disk in
  // the middle of the last unsynced write: the writes before it reached the platter,
  // and only its first `torn_bytes` bytes did. Returns the number of unsynced writes.
  std::size_t crash(bool tear_last, std::size_t torn_bytes);
  // Forgets the unsynced writes (current() returns to durable()); returns how many.
  std::size_t forget_unsynced();
  // Loses everything, synced or not: a replaced disk. Afterwards current() and durable()
  // are empty and wipes() is one more. Returns how many keys and log records it held.
  std::size_t wipe();

  const DiskImage& current() const { return current_; }
  const DiskImage& durable() const { return durable_; }
  std::size_t unsynced() const { return pending_.size(); }
  const Op* last_unsynced() const { return pending_.empty() ? nullptr : &pending_.back(); }
  std::uint64_t bytes_written() const { return bytes_written_; }
  // How many times the disk was wiped: lets an observer notice a wipe between two looks.
  std::uint64_t wipes() const { return wipes_; }

 private:
  static void apply(DiskImage& image, const Op& op);
  DiskImage current_;
  DiskImage durable_;
  std::vector<Op> pending_;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t wipes_ = 0;
};

// CRC-32C (Castagnoli), for protocols that checksum what they store.
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace faultline::sim
