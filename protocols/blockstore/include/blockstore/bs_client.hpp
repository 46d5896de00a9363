#pragma once
// A block-store client and its workload, in the blocking style (DESIGN.md §3: a write
// pipeline reads better as a sequence). Each operation is recorded in the history for
// the checker's kv model, one key per file:
//   append(file, piece)  a write session appends pieces; ok once every node of the
//                        pipeline has synced the piece; fail if nothing was sent; info
//                        if it was sent and the outcome is unknown;
//   get(file)            the whole file (null while it is empty or absent: the kv
//                        model's value of a key nothing was appended to).
// Ranged reads (a random range of one complete block) are not in the history: the
// checker's model has no such operation. They are checked by the invariant "reads
// return acknowledged bytes", as every read is.
//
// A write session (§III.A): open the file (create-or-append; the metadata server grants
// the lease), append 1..max_pieces pieces one packet at a time, close. Each session is
// its own lease holder (bs_types.hpp, Holder). A full block is
// finalized through the pipeline and the next allocated (AddBlock). A pipeline failure
// is recovered (HDFS-265): the failed node is dropped, the survivors take a new
// generation stamp (NewGenStamp, PrepareReplica), the metadata server learns the new
// pipeline (UpdatePipeline) and the packet is sent again. A new block's pipeline is set
// up with an empty packet first; one that fails then, before any data, is abandoned and
// another block allocated without the failed node (HDFS's pipeline setup). A session
// that cannot be closed is handed back to the metadata server (ReleaseLease), which
// recovers the file. A session that
// cannot go on is left: its lease expires and the metadata server recovers the file.
//
// Planted bug (client side): no_genstamp_bump — pipeline recovery keeps the old stamp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "blockstore/bs_messages.hpp"
#include "blockstore/bs_observer.hpp"
#include "sim/actor.hpp"

namespace faultline::blockstore {

struct ClientConfig {
  int index = 0;
  NodeId namenode = 0;
  std::vector<std::string> files = {};
  std::uint64_t block_size_bytes = 32;
  Duration think_max_ns = 200 * sim::kMillisecond;
  int read_percent = 35;   // whole-file reads
  int range_percent = 15;  // ranged reads; the rest are write sessions
  int max_pieces = 4;
  Duration request_timeout_ns = 100 * sim::kMillisecond;
  Duration ack_timeout_ns = 100 * sim::kMillisecond;  // per pipeline node
  Duration op_timeout_ns = sim::kSecond;
  Duration renew_interval_ns = 300 * sim::kMillisecond;
  int max_recoveries = 3;
  bool no_genstamp_bump = false;  // planted bug
};

class BsClient final : public sim::Actor {
 public:
  BsClient(ClientConfig config, BlockObserver* observer)
      : config_(std::move(config)), observer_(observer) {}
  void run(sim::Context& ctx) override;
  // The file whose lease this client holds now ("" when none): for tests.
  const std::string& writing() const { return session_.file; }

 private:
  struct Session {
    std::string file = {};
    BlockTarget block = {};       // block == kNoBlock: none yet; length: acknowledged
    BlockId last_complete = kNoBlock;
    bool needs_setup = false;     // a reopened block: new stamp before writing
    std::vector<NodeId> failed = {};  // nodes to keep out of the next block
  };
  struct AckResult {
    bool ok = false;
    NodeId failed = kNoNode;
  };

  void write_session(sim::Context& ctx, const std::string& file);
  void whole_read(sim::Context& ctx, const std::string& file);
  std::optional<std::string> read_file(sim::Context& ctx, const std::string& file, Time deadline);
  void range_read(sim::Context& ctx, const std::string& file);
  bool open(sim::Context& ctx, const std::string& file);
  sim::OpType append(sim::Context& ctx, const std::string& piece);
  bool close(sim::Context& ctx, Time deadline);
  bool add_block(sim::Context& ctx, Time deadline);
  bool allocate(sim::Context& ctx, Time deadline);
  bool abandon_block(sim::Context& ctx, Time deadline);
  bool finalize(sim::Context& ctx, Time deadline);
  bool recover(sim::Context& ctx, NodeId failed, Time deadline);
  std::optional<GenStamp> new_gen_stamp(sim::Context& ctx, Time deadline);
  std::vector<NodeId> prepare(sim::Context& ctx, const std::vector<NodeId>& nodes, GenStamp gs,
                              Time deadline);
  AckResult send_packet(sim::Context& ctx, const std::string& data, bool finalize, Time deadline);
  std::optional<LocationsReply> locations(sim::Context& ctx, const std::string& file, Time deadline);
  std::optional<std::string> read_block(sim::Context& ctx, const LocatedBlock& lb,
                                        std::uint64_t offset, std::uint64_t length,
                                        Time deadline);
  void renew_if_due(sim::Context& ctx);
  // Sends `request` (its req set) to the metadata server until a reply of type R with
  // that req comes, or `deadline`; statuses busy and safe_mode are retried after a pause.
  template <class R, class Q>
  std::optional<R> call(sim::Context& ctx, Q request, Time deadline);
  void count(Sometimes what) {
    if (observer_ != nullptr) observer_->count(what);
  }

  ClientConfig config_;
  BlockObserver* observer_;
  Holder holder_;
  Session session_;
  std::uint64_t req_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t pieces_ = 0;
  Time next_renew_ = 0;
};

}  // namespace faultline::blockstore
