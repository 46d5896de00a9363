#pragma once
// How the block store keeps its state on a node's simulated disk, and the two rules it
// follows with every disk:
//
//  1. A record whose checksum fails on a read is read again before it is believed torn:
//     the disk may flip bits on reads (read corruption) without the stored bytes being
//     damaged. Only a record that fails kReadAttempts reads in a row is treated as torn.
//     (The kit's RecordLog::load would cut the log at the first corrupted read; the
//     metadata log and the replicas cannot afford that.)
//  2. What a round wrote is read back after its sync (CheckedWrites::verify) before
//     anything that depends on it is sent: a disk that dropped unsynced writes during
//     the sync (lose_unsynced) reports success, and only a read tells. A node whose disk
//     lost writes halts and restarts from what the disk really holds.
//
// Data node layout:
//   slot "replicas"   the ids of the blocks the node holds (so a restart can find them)
//   slot "m<id>"      a replica's meta: generation stamp, state, finalized length
//   log  "c<id>"      a replica's chunks, one sealed record (offset, bytes) per packet
//   slot "gs_max"     the highest generation stamp the node ever adopted (a durable fact)
// Metadata server layout:
//   log  "edits"      the metadata log, one sealed record per edit (bs_namespace.hpp)
//
// A slot is one small value in two keys written in turn with a sequence number, so a
// write torn by a crash leaves the other key holding the previous value.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blockstore/bs_types.hpp"
#include "sim/actor.hpp"
#include "sim/disk.hpp"

namespace faultline::blockstore {

inline constexpr int kReadAttempts = 8;

// A sealed record read until its checksum holds; nullopt if it never did (torn).
std::optional<std::string> read_record(sim::DiskHandle& disk, std::string_view log,
                                       std::size_t index, int attempts = kReadAttempts);

// Every write of a round, performed and remembered, so that after the sync the round can
// be read back (rule 2). Writes to one key or log replace what the journal expects.
class CheckedWrites {
 public:
  void put(sim::DiskHandle& disk, const std::string& key, std::string value);
  void erase(sim::DiskHandle& disk, const std::string& key);
  // Appends `record` as record number `index` of `log` (the caller knows the log's size).
  void append(sim::DiskHandle& disk, const std::string& log, std::string record,
              std::size_t index);
  void truncate(sim::DiskHandle& disk, const std::string& log, std::size_t records);
  bool empty() const { return keys_.empty() && logs_.empty(); }
  // After a sync that succeeded: empty if the disk holds every write since the last
  // verify, else what it lost. Clears the journal.
  std::string verify(sim::DiskHandle& disk);
  void clear();

 private:
  std::map<std::string, std::optional<std::string>, std::less<>> keys_;
  struct LogState {
    std::size_t size = 0;
    std::map<std::size_t, std::string> appended;
  };
  std::map<std::string, LogState, std::less<>> logs_;
};

class CheckedSlot {
 public:
  explicit CheckedSlot(std::string base) : base_(std::move(base)) {}
  std::optional<std::string> load(sim::DiskHandle& disk);
  void store(sim::DiskHandle& disk, CheckedWrites& writes, std::string_view body);
  void erase(sim::DiskHandle& disk, CheckedWrites& writes);
  static std::optional<std::string> peek(const sim::DiskImage& image, const std::string& base);

 private:
  std::string key(std::uint64_t seq) const { return base_ + "." + std::to_string(seq % 2); }
  std::string base_;
  std::uint64_t seq_ = 0;
};

// ---------------------------------------------------------------- replicas on disk

struct ReplicaMeta {
  GenStamp gs = 0;
  ReplicaState state = ReplicaState::rbw;
  std::uint64_t length = 0;  // finalized: the replica's length; rbw: unused (0)
  friend bool operator==(const ReplicaMeta&, const ReplicaMeta&) = default;
};

inline constexpr std::string_view kIndexSlot = "replicas";
inline constexpr std::string_view kGsSlot = "gs_max";
std::string meta_slot(BlockId block);  // "m<id>"
std::string chunk_log(BlockId block);  // "c<id>"

std::string encode_meta(const ReplicaMeta& meta);
std::optional<ReplicaMeta> decode_meta(std::string_view body);
std::string encode_index(const std::vector<BlockId>& blocks);
std::optional<std::vector<BlockId>> decode_index(std::string_view body);

struct ChunkData {
  std::uint64_t offset = 0;
  std::string data;
};
std::string encode_chunk(std::uint64_t offset, std::string_view data);
// nullopt if the checksum fails.
std::optional<ChunkData> decode_chunk(std::string_view record);
// Planted bug `skip-checksum`: whatever the bytes say, checksum or not.
ChunkData decode_chunk_unchecked(std::string_view record);

// A replica as a disk image holds it, for invariants (which read disks directly).
struct StoredReplica {
  ReplicaMeta meta;
  std::vector<ChunkData> chunks;  // the valid prefix of the chunk log
  std::uint64_t length = 0;       // bytes in those chunks
  std::string bytes() const;
};
std::optional<StoredReplica> peek_replica(const sim::DiskImage& image, BlockId block);

}  // namespace faultline::blockstore
