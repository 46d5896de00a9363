#pragma once
// The metadata server (HDFS's NameNode) as a state machine that never does I/O. Its
// handlers read a message and the node's state and emit effects: edits for the metadata
// log (durable before any message that follows them goes out — the driver's persist,
// sync, send) and messages. Section numbers cite Shvachko et al., "The Hadoop
// Distributed File System" (MSST 2010): §II.A the NameNode, §II.B DataNodes and
// heartbeats, §III.A file write and leases, §III.C block placement, §III.D replication
// management; pipeline and lease recovery follow the HDFS append design (HDFS-265).
//
// Durable (bs_namespace.hpp): files, blocks, generation stamps, open files' holders.
// Volatile, rebuilt after a restart from heartbeats and block reports:
//  - which data nodes are alive (a heartbeat within dead_timeout);
//  - the replica map: what each node last reported of each block (stamp, length, state);
//  - leases (renewal times; every lease is renewed when the server starts);
//  - replications in flight, replicas scheduled for deletion, block recoveries.
// After a restart the server is in safe mode (§II.A): it answers reads but makes no
// namespace changes and no replication decisions until the blocks have been reported.
//
// A replica is *current* when it has the block's generation stamp (and, for a complete
// block, is finalized at the committed length). Only current replicas on live nodes are
// listed to readers and counted towards `replication`; a replica with an older stamp is
// *stale* and deleted. Invariants (asserted): the namespace's own (Namespace::check);
// a listed location always names a replica the map holds.
//
// Planted bugs (NnBugs), off by default:
//  - serve_stale_replica: a replica's stamp is not checked: stale replicas are listed,
//    counted and kept;
//  - count_dead_replicas: re-replication counts replicas on dead nodes as live;
//  - lease_not_recovered: an expired lease is never recovered: the file stays open.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "blockstore/bs_messages.hpp"
#include "blockstore/bs_namespace.hpp"
#include "blockstore/bs_observer.hpp"
#include "protocols/node_driver.hpp"
#include "sim/message.hpp"

namespace faultline::blockstore {

using protocols::Outgoing;

struct NnBugs {
  bool serve_stale_replica = false;
  bool count_dead_replicas = false;
  bool lease_not_recovered = false;
};

struct NameNodeConfig {
  NodeId self = 0;
  std::vector<NodeId> datanodes = {};
  int replication = 3;
  std::uint64_t block_size_bytes = 32;
  Duration dead_timeout_ns = sim::kSecond;
  Duration lease_timeout_ns = sim::kSecond;
  Duration monitor_interval_ns = 100 * sim::kMillisecond;  // replication and lease checks
  Duration safe_mode_max_ns = sim::kSecond;
  Duration replication_timeout_ns = 500 * sim::kMillisecond;  // a copy not confirmed: again
  Duration recovery_retry_ns = 500 * sim::kMillisecond;       // a block recovery: again
  int replications_per_round = 8;
  NnBugs bugs = {};
};

struct NnEffects {
  std::vector<Outgoing> messages = {};
  std::vector<Edit> edits = {};  // to append to the metadata log, in order
  bool empty() const { return messages.empty() && edits.empty(); }
};

class NameNode {
 public:
  // What the server knows of one replica.
  struct Replica {
    NodeId node = kNoNode;
    GenStamp gs = 0;
    std::uint64_t length = 0;
    ReplicaState state = ReplicaState::rbw;
    bool corrupt = false;  // a reader or a copy found a checksum failure
  };
  struct DatanodeInfo {
    bool alive = false;
    Time last_heartbeat = 0;
    std::uint64_t incarnation = 0;
    std::uint64_t report_seq = 0;  // the latest report of this incarnation seen
    // Per block, the latest report of this incarnation that said anything of it: reports
    // may arrive out of order, and an older one must not undo what a newer one said.
    std::map<BlockId, std::uint64_t> block_seq;
    bool reported = false;  // a full report since the server started
    Time report_requested = -1;  // when this server last asked for one
  };

  NameNode(NameNodeConfig config, Namespace restored, BsRandom& random,
           BlockObserver* observer = nullptr);

  // The node is up at local time `now`: safe mode, every lease renewed, timers armed.
  void start(Time now);
  std::string_view step(Time now, const sim::Envelope& envelope);
  void tick(Time now);
  Time next_deadline() const { return next_monitor_; }
  NnEffects& effects() { return effects_; }
  const NnEffects& effects() const { return effects_; }

  // The locations the server would give a reader for `block` now.
  LocatedBlock locate(BlockId block) const;
  bool current(const BlockMeta& b, const Replica& r) const;
  bool alive(NodeId datanode) const;

  const Namespace& ns() const { return ns_; }
  const std::map<BlockId, std::vector<Replica>>& replicas() const { return replicas_; }
  const std::map<Holder, Time>& leases() const { return leases_; }
  const std::map<NodeId, DatanodeInfo>& datanodes() const { return datanodes_; }
  bool safe_mode() const { return safe_mode_; }
  bool recovering(BlockId block) const { return recovering_.count(block) > 0; }
  // Incremented by every change of state an invariant reads.
  std::uint64_t version() const { return version_; }
  // A hash of the protocol state (namespace, replica map, liveness, leases, pending
  // work), not of statistics: for the explorer.
  std::uint64_t fingerprint() const;

  // The handlers; each returns "" when it acted, else why it ignored the message.
  std::string_view on_open(Time now, NodeId from, const OpenFile& m);
  std::string_view on_add_block(Time now, NodeId from, const AddBlock& m);
  std::string_view on_new_gen_stamp(Time now, NodeId from, const NewGenStamp& m);
  std::string_view on_update_pipeline(Time now, NodeId from, const UpdatePipeline& m);
  std::string_view on_abandon(Time now, NodeId from, const AbandonBlock& m);
  std::string_view on_complete(Time now, NodeId from, const CompleteFile& m);
  std::string_view on_locations(NodeId from, const GetLocations& m);
  std::string_view on_heartbeat(Time now, NodeId from, const Heartbeat& m);
  std::string_view on_report(Time now, NodeId from, const BlockReport& m);
  std::string_view on_bad_block(NodeId from, const BadBlock& m);
  std::string_view on_commit_sync(NodeId from, const CommitBlockSync& m);

 private:
  struct Recovery {
    GenStamp recovery_gs = 0;
    Time started = 0;
  };
  struct Pending {  // a copy ordered, not yet seen
    NodeId target = kNoNode;
    Time until = 0;
  };

  template <class T>
  void send(NodeId to, T message) {
    effects_.messages.push_back({to, sim::Payload(std::move(message))});
  }
  void log(Edit e);
  NnStatus lease_status(Time now, const std::string& file, const Holder& holder);
  void renew(Time now, const Holder& holder);
  bool lease_expired(Time now, const Holder& holder) const;
  std::vector<NodeId> choose_targets(const std::vector<NodeId>& excluded, std::size_t count);
  NnStatus allocate_block(const std::string& file, const std::vector<NodeId>& excluded,
                          BlockTarget& out);
  void complete_by_writer(BlockId block, std::uint64_t length);
  void restamp(BlockId block, GenStamp gs, const std::vector<NodeId>& nodes, std::uint64_t length,
               ReplicaState state);
  Replica* find(BlockId block, NodeId node);
  void record(NodeId node, const ReplicaInfo& info);
  void forget(NodeId node, BlockId block);
  void invalidate(BlockId block, NodeId node, GenStamp gs, Sometimes why);
  void update_liveness(Time now);
  void maybe_leave_safe_mode(Time now);
  void monitor_replication(Time now);
  void check_block(Time now, const BlockMeta& b, int& budget);
  bool schedule_copy(Time now, const BlockMeta& b);
  void drop_bad_replicas(const BlockMeta& b, int live);
  void monitor_leases(Time now);
  void recover_lease(Time now, const std::string& file);
  void close_file(const std::string& file);

  NameNodeConfig config_;
  Namespace ns_;
  BsRandom& random_;
  BlockObserver* observer_;
  NnEffects effects_;
  std::map<BlockId, std::vector<Replica>> replicas_;  // each sorted by node
  std::map<NodeId, DatanodeInfo> datanodes_;
  std::map<Holder, Time> leases_;
  std::map<BlockId, Recovery> recovering_;
  std::map<BlockId, Pending> replicating_;
  std::set<std::pair<BlockId, NodeId>> deleting_;  // invalidations sent, not yet confirmed
  bool safe_mode_ = true;
  Time safe_until_ = 0;
  Time now_ = 0;
  Time next_monitor_ = sim::kTimeNever;
  std::uint64_t version_ = 0;
};

}  // namespace faultline::blockstore
