#pragma once
// The metadata server's durable state: the namespace (files as lists of blocks, each
// block's generation stamp, committed length and expected pipeline, each open file's
// lease holder) and the edits that change it. The server appends every edit to its
// metadata log and syncs before it answers anything that depends on it; a restart
// replays the log (HDFS's edit log, without checkpoints: the runs are short).
//
// Invariants of a Namespace (asserted by check()):
//  - every block of a file is in `blocks`, names that file, and appears in one file once;
//  - only a file's last block may be under construction, and only while the file is open;
//  - next_block is above every block id, next_gs above every generation stamp issued.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blockstore/bs_types.hpp"

namespace faultline::blockstore {

struct BlockMeta {
  BlockId id = kNoBlock;
  std::string file;
  GenStamp gs = 0;
  std::uint64_t length = 0;  // committed length once complete
  bool complete = false;
  std::vector<NodeId> expected = {};  // while under construction: the writer's pipeline
  friend bool operator==(const BlockMeta&, const BlockMeta&) = default;
};

struct FileMeta {
  std::vector<BlockId> blocks = {};
  bool open = false;  // under construction: holder writes it
  Holder holder = {};
  friend bool operator==(const FileMeta&, const FileMeta&) = default;
};

enum class EditOp : std::uint8_t {
  open,            // file (created if absent) opened by holder
  add_block,       // block appended to file, under construction at gs on nodes
  update_block,    // pipeline recovery / append setup: the block's new gs and pipeline
  reopen_block,    // the complete last block is written again (append) on nodes
  complete_block,  // the block is complete at gs with length
  abandon_block,   // the file's last block is dropped (it never held data)
  close,           // the file is closed; its lease released
  reserve_gs,      // a generation stamp was handed out (so it is never issued again)
};
inline constexpr int kEditOps = 8;
std::string_view edit_op_name(EditOp op);

struct Edit {
  EditOp op = EditOp::open;
  std::string file = {};
  Holder holder = {};
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  std::vector<NodeId> nodes = {};
  friend bool operator==(const Edit&, const Edit&) = default;
};

std::string encode_edit(const Edit& e);          // a sealed record
std::optional<Edit> decode_edit(std::string_view record);

struct Namespace {
  std::map<std::string, FileMeta> files = {};
  std::map<BlockId, BlockMeta> blocks = {};
  BlockId next_block = 1;
  GenStamp next_gs = 1;
  std::uint64_t edits = 0;  // edits applied: the log's length

  // Applies one edit; an edit that does not fit the state is an error (a log that
  // holds one is corrupt), returned as text.
  std::optional<std::string> apply(const Edit& e);
  // The last block of a file (kNoBlock if none or no such file).
  BlockId last_block(const std::string& file) const;
  // Empty if the invariants above hold, else the first that does not.
  std::string check() const;
  std::uint64_t fingerprint() const;
  friend bool operator==(const Namespace&, const Namespace&) = default;
};

}  // namespace faultline::blockstore
