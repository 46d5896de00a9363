#pragma once
// A Raft server's stable storage on the simulated disk, and its on-disk format.
//
// Layout (every record is the kit's checksummed record (protocols/codec.hpp), so a torn
// or corrupted record is recognised and never believed):
//   hard.0, hard.1   currentTerm and votedFor, in the kit's DurableSlot: two keys written
//                    in turn with a sequence number, so a write torn by a crash leaves
//                    the other key, which holds the previous, synced value.
//   meta.0, meta.1   the current generation g and the snapshot index/term it starts
//                    after, in a DurableSlot the same way.
//   snap.<g>         generation g's snapshot (absent for g = 0).
//   log.<g>          generation g's log: one record per entry, the entry at snapshot
//                    index + 1 first. Appends add records; a conflict truncates records.
// Compaction and InstallSnapshot write a whole new generation (snapshot, the entries
// kept, then the meta key) and delete the old one only after a sync, so a crash at any
// point leaves one complete generation.
//
// Only the last unsynced write can be torn (sim/disk.hpp), so the valid records of
// log.<g> are always a prefix: load stops at the first record that does not check.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/codec.hpp"
#include "raft/raft_log.hpp"
#include "raft/raft_node.hpp"
#include "raft/raft_types.hpp"
#include "sim/disk.hpp"
#include "sim/actor.hpp"

namespace faultline::raft {

// Encodings (the CRC is included; decode checks it).
std::string encode_entry(const Entry& entry);
std::optional<Entry> decode_entry(std::string_view record);
std::string encode_snapshot(const Snapshot& snapshot);
std::optional<Snapshot> decode_snapshot(std::string_view record);

struct HardState {
  Term term = 0;
  NodeId voted_for = kNoNode;
};
std::string encode_hard_state(const HardState& h);
std::optional<HardState> decode_hard_state(std::string_view record);

struct Meta {
  std::uint64_t generation = 0;
  LogIndex snapshot_index = 0;
  Term snapshot_term = 0;
};
std::string encode_meta(const Meta& m);
std::optional<Meta> decode_meta(std::string_view record);

// What a disk image durably holds at a log index, for the durability invariant.
struct HeldEntry {
  enum class Kind : std::uint8_t { absent, in_snapshot, in_log } kind = Kind::absent;
  Term term = 0;
  std::uint64_t digest = 0;  // in_log only
};
HeldEntry held_at(const sim::DiskImage& image, LogIndex index);

// Reads and writes one server's storage through its simulated disk.
class RaftStorage {
 public:
  explicit RaftStorage(sim::DiskHandle& disk) : disk_(disk) {}

  Restored load();
  void write_hard_state(Term term, NodeId voted_for);
  // Writes the log's unstable suffix (truncating the records it replaces).
  void write_log(RaftLog& log);
  // Starts a new generation from the snapshot and the entries that follow it.
  void write_generation(const Snapshot& snapshot, RaftLog& log);
  // After a sync: deletes what the previous generation left.
  void collect_garbage();

 private:
  std::string log_name() const { return "log." + std::to_string(generation_); }

  sim::DiskHandle& disk_;
  protocols::DurableSlot hard_{"hard"};
  protocols::DurableSlot meta_{"meta"};
  std::uint64_t generation_ = 0;
  LogIndex base_ = 0;                          // the snapshot index this generation starts after
  LogIndex disk_last_ = 0;                     // the last index written to log.<generation_>
  std::optional<std::uint64_t> garbage_ = {};  // a previous generation to delete
  std::string log_name_ = "log.0";
};

}  // namespace faultline::raft
