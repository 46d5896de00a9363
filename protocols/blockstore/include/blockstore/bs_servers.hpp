#pragma once
// The actors that run the pure nodes on simulated machines: the kit's NodeHost driving a
// NameNode or a DataNode (protocols/node_driver.hpp: persist, sync, publish, send).
//
// Both hosts add rule 2 of bs_storage.hpp to the driver's round: the messages of a round
// that wrote to the disk are held back until the writes have been synced *and read
// back*; a disk that lost them (lose_unsynced during the sync) halts the node, which
// restarts from what its disk really holds. A full disk halts it too (the driver).
//
// Durable facts for the kit's ledger: the metadata server's log length and next
// generation stamp; a data node's highest adopted generation stamp.
//
// Planted bugs that live in the hosts because they are about the disk:
//  - ack_before_sync (data node): a round that only appended packet data is not synced
//    — its acknowledgements go out while the data is in memory only; it reaches the
//    platter with the node's next sync (a replica's meta changing);
//  - skip_checksum (data node): chunks are served and copied without verifying their
//    checksums.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blockstore/bs_datanode.hpp"
#include "blockstore/bs_namenode.hpp"
#include "blockstore/bs_storage.hpp"
#include "protocols/durable.hpp"
#include "protocols/node_driver.hpp"

namespace faultline::blockstore {

class ContextRandom final : public BsRandom {
 public:
  explicit ContextRandom(sim::Context& ctx) : ctx_(ctx) {}
  std::uint64_t below(std::uint64_t n) override { return ctx_.random(n); }

 private:
  sim::Context& ctx_;
};

inline constexpr std::string_view kEditLog = "edits";

class NameNodeServer final : public protocols::NodeHost {
 public:
  NameNodeServer(NameNodeConfig config, BlockObserver* observer, protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), observer_(observer) {}
  const NameNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& m) override { return node_->step(now, m); }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return "replication and lease monitor"; }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override;
  void persisted(sim::DiskHandle& disk, Time now) override;
  bool has_ready() const override { return !node_->effects().empty() || !held_.empty(); }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override;
  Namespace replay(sim::Context& ctx);

  NameNodeConfig config_;
  BlockObserver* observer_;
  sim::Context* ctx_ = nullptr;
  std::optional<ContextRandom> random_;
  std::optional<NameNode> node_;
  CheckedWrites writes_;
  std::size_t log_records_ = 0;
  std::vector<protocols::Outgoing> held_;
  bool holding_ = false;
  std::map<std::string, std::string> published_;  // annotation key -> value last published
  std::uint64_t published_version_ = ~std::uint64_t{0};
  // What each block's published text was made from: when none of it changed, its text
  // is not made again (every block's was, at every change of the name node, a fifth of a
  // run's instructions).
  struct ShownBlock {
    GenStamp gs = 0;
    bool complete = false;
    std::uint64_t length = 0;
    LocatedBlock where;
  };
  std::map<BlockId, ShownBlock> shown_;
  std::string datanode_name(NodeId node) const;  // "dn2", as the nodes are named
};

struct HostBugs {
  bool ack_before_sync = false;
  bool skip_checksum = false;
};

class DataNodeServer final : public protocols::NodeHost {
 public:
  DataNodeServer(DataNodeConfig config, HostBugs bugs, BlockObserver* observer,
                 protocols::DurableLedger* ledger)
      : NodeHost(ledger), config_(std::move(config)), bugs_(bugs), observer_(observer) {}
  const DataNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  struct Stored {  // what the host keeps of a replica's disk layout
    CheckedSlot meta;
    std::size_t chunks = 0;
  };

  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& m) override { return node_->step(now, m); }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->deadline_name(); }
  void end_batch(Time now) override { node_->end_batch(now); }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override;
  void persisted(sim::DiskHandle& disk, Time now) override;
  bool has_ready() const override { return !node_->effects().empty() || !held_.empty(); }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override {
    out.add("generation stamp", node_->gs_max());
  }

  DnRestored load(sim::Context& ctx);
  std::optional<Replica> load_replica(sim::DiskHandle& disk, BlockId block, Stored& stored);
  void drop(sim::DiskHandle& disk, BlockId block);
  void apply(sim::DiskHandle& disk, const DiskOp& op);
  ReadResult read(sim::DiskHandle& disk, const ReadJob& job);
  void write_index(sim::DiskHandle& disk);
  void sync_or_halt(sim::Context& ctx, std::string_view when);

  DataNodeConfig config_;
  HostBugs bugs_;
  BlockObserver* observer_;
  sim::Context* ctx_ = nullptr;
  std::optional<DataNode> node_;
  std::map<BlockId, Stored> stored_;
  CheckedSlot index_{std::string(kIndexSlot)};
  CheckedSlot gs_slot_{std::string(kGsSlot)};
  CheckedWrites writes_;
  std::vector<protocols::Outgoing> held_;
  bool holding_ = false;
  std::size_t published_replicas_ = ~std::size_t{0};
};

}  // namespace faultline::blockstore
