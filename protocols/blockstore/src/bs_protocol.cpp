// The block store as a faultline protocol: options and planted bugs (declared once, in
// the kit's tables), setup, the environment's node losses, liveness and the end-of-run
// checks.
#include <algorithm>

#include "blockstore/blockstore.hpp"
#include "blockstore/bs_checker.hpp"
#include "blockstore/bs_client.hpp"
#include "blockstore/bs_servers.hpp"
#include "protocols/run_checks.hpp"

namespace faultline::blockstore {
using namespace sim;
using protocols::BadInput;

namespace {

struct Params {
  int datanodes = 4;
  int replication = 3;
  int clients = 3;
  int files = 3;
  int node_losses = 0;
  Duration liveness_bound_ns = 2 * kSecond;
  NameNodeConfig nn;
  DataNodeConfig dn;
  ClientConfig client;
  HostBugs host_bugs;
};

void declare_options(protocols::OptionTable& t) {
  t.integer("datanodes", 4, 1, 64, "number of data nodes").swarm({"4", "5"});
  t.integer("replication", 3, 1, 16, "replicas of each block (the write pipeline's length)");
  t.integer("clients", 3, 0, 100, "number of clients").swarm({"3", "2"});
  t.integer("files", 3, 1, 100, "files the clients write and read").swarm({"3", "1"});
  t.integer("block_size", 32, 16, 1 << 20, "bytes per block (an appended piece is 4-12 bytes)")
      .swarm({"32", "16", "64"});
  t.integer("rate", 10, 1, 10000, "operations per second per client, at most").swarm({"10", "40"});
  t.integer("max_pieces", 4, 1, 1000, "pieces a write session appends, at most");
  t.integer("read_percent", 35, 0, 100, "share of whole-file reads among operations");
  t.integer("range_percent", 15, 0, 100, "share of ranged reads among operations");
  t.duration("heartbeat", 100 * kMillisecond, kMillisecond, 10 * kSecond, "data node heartbeat");
  t.duration("dead_timeout", kSecond, 2 * kMillisecond, 600 * kSecond,
             "the metadata server declares a data node dead after this without a heartbeat");
  t.duration("block_report", kSecond, kMillisecond, 600 * kSecond, "full block report interval");
  t.duration("lease_timeout", kSecond, 10 * kMillisecond, 600 * kSecond,
             "a writer's lease lapses after this without renewal; then the file is recovered");
  t.duration("safe_mode", kSecond, 0, 600 * kSecond,
             "a restarted metadata server waits for block reports at most this long");
  t.duration("ack_timeout", 100 * kMillisecond, kMillisecond, 60 * kSecond,
             "a pipeline node's wait for the acknowledgement of each node below it");
  t.duration("request_timeout", 100 * kMillisecond, kMillisecond, 60 * kSecond,
             "a client's wait for one answer of the metadata server or a read");
  t.duration("op_timeout", kSecond, kMillisecond, 600 * kSecond, "a client's limit for one operation");
  t.integer("node_losses", 0, 0, 15,
            "data nodes lost for good (with their disks) during the fault phase; at most "
            "replication - 1, and a node holding the last copy of acknowledged data is not lost")
      .swarm({"0", "1"});
  t.duration("liveness_bound", 2 * kSecond, kMillisecond, 600 * kSecond,
             "after the faults heal, every complete block has its replicas back and every "
             "abandoned file is recovered within this; some client operation succeeds too, "
             "judged when lease_timeout plus two 100 ms monitor rounds fit it");
}

std::vector<protocols::BugSpec> bug_specs() {
  return {
      {"ack-before-sync",
       "data nodes acknowledge packets held only in memory; the data reaches the disk with "
       "the node's next sync",
       {},
       {"acknowledged data is on every current replica", "acknowledged data survives",
        "linearizability"}},
      {"ack-first-replica",
       "the first node of the pipeline acknowledges the client once it has the packet, "
       "without waiting for the rest of the pipeline",
       {},
       {"acknowledged data is on every current replica", "acknowledged data survives",
        "linearizability"}},
      {"serve-stale-replica",
       "the metadata server does not check replicas' generation stamps: stale replicas are "
       "listed to readers, counted and kept",
       {},
       {"the metadata server lists no stale replica", "reads return acknowledged bytes",
        "linearizability", "acknowledged data survives"}},
      {"no-genstamp-bump",
       "pipeline recovery keeps the old generation stamp, so a node dropped from the pipeline "
       "still looks current",
       {},
       {"acknowledged data is on every current replica", "reads return acknowledged bytes",
        "linearizability"}},
      {"count-dead-replicas",
       "re-replication counts replicas on dead data nodes as live",
       {},
       {"liveness"}},
      {"skip-checksum",
       "data nodes serve and copy chunks without verifying their checksums",
       {},
       {"replicas served are intact", "reads return acknowledged bytes", "linearizability"}},
      {"lease-not-recovered",
       "the metadata server never recovers an expired lease: a dead writer's file stays open "
       "and locked",
       {},
       {"liveness"}},
  };
}

// Rules across options; each error names the option at fault.
void validate(const protocols::OptionValues& o) {
  const std::int64_t datanodes = o.integer("datanodes");
  const std::int64_t replication = o.integer("replication");
  const std::int64_t losses = o.integer("node_losses");
  if (replication > datanodes) {
    throw BadInput(o.where(o.given("datanodes") ? "datanodes" : "replication"),
                   "replication (" + std::to_string(replication) + ") needs that many data nodes (" +
                       std::to_string(datanodes) + ")");
  }
  if (losses > 0 && losses > replication - 1) {
    throw BadInput(o.where("node_losses"), "at most replication - 1 (" +
                                               std::to_string(replication - 1) +
                                               ") data nodes may be lost: the budget");
  }
  if (losses > 0 && datanodes < replication + losses) {
    throw BadInput(o.where(o.given("datanodes") ? "datanodes" : "node_losses"),
                   "losing " + std::to_string(losses) + " of " + std::to_string(datanodes) +
                       " data nodes leaves fewer than replication (" + std::to_string(replication) + ")");
  }
  if (o.duration("heartbeat") >= o.duration("dead_timeout")) {
    throw BadInput(o.where(o.given("dead_timeout") ? "dead_timeout" : "heartbeat"),
                   "the heartbeat must be shorter than dead_timeout");
  }
  if (o.integer("read_percent") + o.integer("range_percent") > 100) {
    throw BadInput(o.where("range_percent"), "read_percent + range_percent must be at most 100");
  }
}

Params read_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  Params p;
  p.datanodes = static_cast<int>(o.integer("datanodes"));
  p.replication = static_cast<int>(o.integer("replication"));
  p.clients = static_cast<int>(o.integer("clients"));
  p.files = static_cast<int>(o.integer("files"));
  p.node_losses = static_cast<int>(o.integer("node_losses"));
  p.liveness_bound_ns = o.duration("liveness_bound");
  const auto block_size = static_cast<std::uint64_t>(o.integer("block_size"));
  NameNodeConfig& nn = p.nn;
  nn.replication = p.replication;
  nn.block_size_bytes = block_size;
  nn.dead_timeout_ns = o.duration("dead_timeout");
  nn.lease_timeout_ns = o.duration("lease_timeout");
  nn.safe_mode_max_ns = o.duration("safe_mode");
  nn.bugs = NnBugs{run.has_bug("serve-stale-replica"), run.has_bug("count-dead-replicas"),
                   run.has_bug("lease-not-recovered")};
  DataNodeConfig& dn = p.dn;
  dn.heartbeat_ns = o.duration("heartbeat");
  dn.report_interval_ns = o.duration("block_report");
  dn.ack_timeout_ns = o.duration("ack_timeout");
  dn.recovery_timeout_ns = 2 * dn.ack_timeout_ns;
  // A block recovery takes two phases of at most recovery_timeout each; the server's next
  // attempt replaces one under way. Retried every 500 ms, a recovery waiting on a lost
  // node never ended once ack_timeout reached 250 ms: the file stayed open for good.
  nn.recovery_retry_ns =
      std::max(nn.recovery_retry_ns, 2 * dn.recovery_timeout_ns + 100 * kMillisecond);
  dn.bugs.ack_first_replica = run.has_bug("ack-first-replica");
  dn.bugs.no_genstamp_bump = run.has_bug("no-genstamp-bump");
  p.host_bugs = HostBugs{run.has_bug("ack-before-sync"), run.has_bug("skip-checksum")};
  ClientConfig& c = p.client;
  for (int i = 0; i < p.files; ++i) c.files.push_back("f" + std::to_string(i));
  c.block_size_bytes = block_size;
  c.think_max_ns = 2 * kSecond / o.integer("rate");
  c.read_percent = static_cast<int>(o.integer("read_percent"));
  c.range_percent = static_cast<int>(o.integer("range_percent"));
  c.max_pieces = static_cast<int>(o.integer("max_pieces"));
  c.request_timeout_ns = o.duration("request_timeout");
  c.ack_timeout_ns = dn.ack_timeout_ns;
  c.op_timeout_ns = o.duration("op_timeout");
  c.renew_interval_ns = nn.lease_timeout_ns / 4;
  c.no_genstamp_bump = run.has_bug("no-genstamp-bump");
  return p;
}

}  // namespace

// ---------------------------------------------------------------- the run

namespace {

const NameNode* namenode_of(const Simulation& sim, NodeId nn) {
  const auto* server = dynamic_cast<const NameNodeServer*>(sim.actor(nn));
  return server ? server->node() : nullptr;
}

class BlockstoreRun final : public protocols::ProtocolRun {
 public:
  BlockstoreRun(Params params, Time heal_ns, std::uint64_t check_budget)
      : params_(std::move(params)), heal_ns_(heal_ns), check_budget_(check_budget) {}

  std::vector<NodeId> fault_targets() const override {
    std::vector<NodeId> targets = groups.nodes("namenode");
    for (std::string_view g : {"datanodes", "clients"}) {
      const std::vector<NodeId>& more = groups.nodes(g);
      targets.insert(targets.end(), more.begin(), more.end());
    }
    return targets;
  }
  // The scenario selector `leader`: the metadata server, the one node that decides.
  std::optional<NodeId> leader(const Simulation& sim) const override {
    const NodeId nn = groups.nodes("namenode").front();
    return sim.is_up(nn) ? std::optional<NodeId>(nn) : std::nullopt;
  }
  void finish(Simulation& sim) override {
    protocols::check_linearizability(sim, checks, "kv", check_budget_);
    if (!excused_.empty()) {
      checks.record("liveness", protocols::CheckStatus::skipped,
                    "not judged: " + excused_ + " (slow-disk faults that overlap multiply)");
    }
    if (!replication_note_.empty()) {
      checks.record("re-replication within the bound", protocols::CheckStatus::skipped,
                    replication_note_);
    }
  }
  nlohmann::json summary(const Simulation& sim) const override;
  protocols::LivenessFinding stuck(const Simulation& sim) const;

  Params params_;
  Time heal_ns_;
  std::uint64_t check_budget_;
  std::shared_ptr<BlockChecker> checker;
  protocols::DurableLedger ledger;

 private:
  mutable std::string excused_;  // why liveness could not be judged (a disk stall)
  mutable std::string replication_note_;  // why re-replication was not judged (its rate)
  std::string under_replicated(const Simulation& sim, const NameNode& nn) const;
  std::string unrecovered(const Simulation& sim, const NameNode& nn, bool* stranded) const;
};

nlohmann::json BlockstoreRun::summary(const Simulation& sim) const {
  nlohmann::json sometimes = nlohmann::json::object();
  for (int k = 0; k < kSometimes; ++k) {
    const auto s = static_cast<Sometimes>(k);
    sometimes[std::string(sometimes_name(s))] = checker->count_of(s);
  }
  nlohmann::json j = {{"sometimes", sometimes},
                      {"blocks_acknowledged", checker->blocks_acknowledged()}};
  if (const NameNode* nn = namenode_of(sim, groups.nodes("namenode").front())) {
    std::size_t complete = 0;
    for (const auto& [id, b] : nn->ns().blocks) complete += b.complete ? 1 : 0;
    j["files"] = nn->ns().files.size();
    j["blocks"] = nn->ns().blocks.size();
    j["blocks_complete"] = complete;
  }
  return j;
}

// After the heal: every complete block is back to `replication` live copies (or as
// many as there are live data nodes), counted on the disks themselves; a block completed
// within the last half of the bound is not judged yet.
std::string BlockstoreRun::under_replicated(const Simulation& sim, const NameNode& nn) const {
  std::vector<NodeId> up;
  for (NodeId d : groups.nodes("datanodes")) {
    if (sim.is_up(d) && !checker->lost(d)) up.push_back(d);
  }
  const std::size_t target = std::min(up.size(), static_cast<std::size_t>(params_.replication));
  replication_note_.clear();
  std::string problem;
  int shown = 0;
  std::uint64_t short_blocks = 0;
  // Blocks completed late (writes go on after the heal) get half the bound to be copied.
  const Time settled = sim.now() - params_.liveness_bound_ns / 2;
  for (const auto& [id, b] : nn.ns().blocks) {
    if (!b.complete || checker->completed_ns(id) > settled) continue;
    std::size_t live = 0;
    for (NodeId d : up) {
      const std::optional<StoredReplica> r = peek_replica(sim.disk(d).current(), id);
      live += r && r->meta.gs == b.gs && r->meta.state == ReplicaState::finalized &&
                      r->length == b.length ? 1 : 0;
    }
    if (live == 0 || live >= target) continue;  // none: nothing to copy from
    ++short_blocks;
    if (shown++ < 3) {
      problem += (problem.empty() ? "" : "; ") + std::string("block ") + std::to_string(id) +
                 " has " + std::to_string(live) + " live replicas of " + std::to_string(target);
    }
  }
  if (short_blocks == 0) return problem;
  // The server copies at most replications_per_round blocks each monitor_interval, from
  // when it declares a lost node dead (by the heal plus dead_timeout); the latest round's
  // copies may still be on their way. If the copies it completed since the heal and those
  // still missing are more than that rate allows by now, and it did copy at about that
  // rate, it has been copying all along: too much to copy for the bound, not stuck (a node
  // loss with 16-byte blocks leaves a hundred blocks to copy, over a second's work). A
  // server that does not copy (count-dead-replicas) is judged as ever.
  const NameNodeConfig& c = params_.nn;
  const Time copying_from = heal_ns_ + c.dead_timeout_ns;
  const std::uint64_t rounds =
      sim.now() > copying_from ? static_cast<std::uint64_t>((sim.now() - copying_from) / c.monitor_interval_ns) : 0;
  const auto per_round = static_cast<std::uint64_t>(c.replications_per_round);
  const std::uint64_t capacity = (rounds > 0 ? rounds - 1 : 0) * per_round;
  const std::uint64_t copied = checker->copies_since(heal_ns_);
  if (copied + short_blocks > capacity && copied + 2 * per_round >= capacity) {
    replication_note_ = std::to_string(short_blocks) + " blocks still short of replicas after " +
                        std::to_string(copied) + " copies since the heal: more than the server's " +
                        std::to_string(c.replications_per_round) + " per " +
                        format_time(c.monitor_interval_ns) + " from " + format_time(copying_from) +
                        " allow by now (" + std::to_string(capacity) + "); not judged";
    return {};
  }
  return problem;
}

// Whether a block recovery of `last` can finish: a live node it asks holds a replica, or
// a live node of its pipeline holds none (then nothing was acknowledged in it), or every
// node it asks is alive to answer. When the server knows no node of the block (its
// pipeline is not logged, so a restart forgets it, and no report named it since), the
// recovery waits for a report: it can finish only if a live data node's disk holds the
// block at its stamp. A node lost for good with the only copy leaves the file open, as
// it would in HDFS.
bool recoverable(const Simulation& sim, const NameNode& nn, const std::vector<NodeId>& datanodes,
                 BlockId last) {
  if (last == kNoBlock || nn.ns().blocks.at(last).complete) return true;
  const BlockMeta& b = nn.ns().blocks.at(last);
  std::vector<NodeId> nodes = b.expected;
  if (auto it = nn.replicas().find(last); it != nn.replicas().end()) {
    for (const NameNode::Replica& r : it->second) {
      if (r.gs >= b.gs) nodes.push_back(r.node);
    }
  }
  auto holds = [&](NodeId n) {
    const std::optional<StoredReplica> r = peek_replica(sim.disk(n).current(), last);
    return r && r->meta.gs >= b.gs;
  };
  if (nodes.empty()) {
    return std::any_of(datanodes.begin(), datanodes.end(),
                       [&](NodeId n) { return sim.is_up(n) && holds(n); });
  }
  bool all_alive = true;
  for (NodeId n : nodes) {
    if (nn.alive(n) && holds(n)) return true;
    all_alive = all_alive && nn.alive(n);
  }
  for (NodeId n : b.expected) {
    if (nn.alive(n) && !peek_replica(sim.disk(n).current(), last)) return true;
  }
  return all_alive;
}

// After the heal: no file stays open with a lease that lapsed long ago, unless its
// last block cannot be recovered. A file whose last block cannot be recovered is
// stranded whatever its lease's age (a restarted server renews every lease).
std::string BlockstoreRun::unrecovered(const Simulation& sim, const NameNode& nn, bool* stranded) const {
  const NodeId nn_id = groups.nodes("namenode").front();
  const Time now = sim.local_time(nn_id);
  // The lease lapses lease_timeout after its last renewal; the server notices at its next
  // monitor round and recovers the file: in a round of messages, or in a second recovery
  // attempt when the first waited on a node that does not answer. So the lease, then a
  // second lease or two recovery attempts, whichever is longer, plus two rounds (2.2 s by
  // default). (Twice the lease alone was 20 ms with lease_timeout=10ms, shorter than one
  // 100 ms monitor round: a stress campaign called such a file stuck 24.5 ms after.)
  const Duration allowance =
      params_.nn.lease_timeout_ns +
      std::max(params_.nn.lease_timeout_ns, 2 * params_.nn.recovery_retry_ns) +
      2 * params_.nn.monitor_interval_ns;
  std::string problem;
  for (const auto& [name, f] : nn.ns().files) {
    if (!f.open) continue;
    if (!recoverable(sim, nn, groups.nodes("datanodes"), nn.ns().last_block(name))) {
      *stranded = true;
      continue;
    }
    auto lease = nn.leases().find(f.holder);
    if (lease != nn.leases().end() && now - lease->second <= allowance) continue;
    problem += (problem.empty() ? "" : "; ") + std::string("file ") + name +
               " is still open for " + holder_name(f.holder) +
               (lease == nn.leases().end()
                    ? std::string(", whose lease is gone")
                    : ", whose lease was last renewed " + format_time(now - lease->second) +
                          " ago (allowed: " + format_time(allowance) + ")");
  }
  return problem;
}

protocols::LivenessFinding BlockstoreRun::stuck(const Simulation& sim) const {
  const NodeId nn_id = groups.nodes("namenode").front();
  const NameNode* nn = namenode_of(sim, nn_id);
  // A server still waiting on a disk sync begun before the heal cannot be expected to
  // have recovered: the run's liveness is not judged (and says why).
  excused_ = checker->stalled_past(heal_ns_, 250 * kMillisecond);
  if (!excused_.empty()) return {};
  if (nn == nullptr || !sim.is_up(nn_id)) return {"the metadata server is down", {}};
  std::string problem = under_replicated(sim, *nn);
  bool stranded = false;  // a file whose last block went with a lost node: unavailable
  const std::string files = unrecovered(sim, *nn, &stranded);
  if (!files.empty()) problem += (problem.empty() ? "" : "; ") + files;
  // A writer that vanished holds its file until its lease lapses, and a restarted server
  // renews every lease: clients may then be refused for a lease and more. Their progress
  // is judged only when a lease and two monitor rounds fit the bound (lease_timeout=8s
  // failed 19 of 150 swarm seeds, every run correct).
  const Duration lease_span = params_.nn.lease_timeout_ns + 2 * params_.nn.monitor_interval_ns;
  std::string not_judged;
  const std::string idle = "no client operation succeeded since the heal";
  if (params_.clients == 0 || checker->last_ok_ns() >= heal_ns_) {
  } else if (lease_span > params_.liveness_bound_ns) {
    not_judged = idle + " (not required: a lease and two monitor rounds take " +
                 format_time(lease_span) + ", over the bound)";
  } else if (stranded) {
    not_judged = idle + " (not required: a file's last block went with a lost node)";
  } else {
    problem += std::string(problem.empty() ? "" : "; ") + idle;
  }
  return {problem, not_judged};
}

// ---------------------------------------------------------------- node losses

void wipe(Disk& disk) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : disk.current().kv) keys.push_back(key);
  for (const std::string& k : keys) disk.erase(k);
  std::vector<std::string> logs;
  for (const auto& [log, records] : disk.current().logs) logs.push_back(log);
  for (const std::string& l : logs) disk.truncate(l, 0);
  disk.sync();
}

void lose(Simulation& sim, BlockChecker& checker, NodeId victim) {
  sim.log("node loss: " + sim.node_name(victim) + " and its disk are gone for good");
  sim.crash(victim);
  wipe(sim.disk(victim));
  checker.node_lost(victim);
  checker.count(Sometimes::node_losses);
}

// The environment loses a data node for good, disk and all: one that is up and does
// not hold the last copy of any acknowledged data (the budget), else it tries later.
void lose_one(Simulation& sim, std::shared_ptr<BlockChecker> checker, std::vector<NodeId> datanodes,
              Time until) {
  std::vector<NodeId> candidates;
  for (NodeId d : datanodes) {
    if (sim.is_up(d) && !checker->lost(d) && checker->can_lose(d)) candidates.push_back(d);
  }
  if (candidates.empty()) {
    const Time later = sim.now() + 100 * kMillisecond;
    if (later < until) {
      sim.at(later, "lose a data node", [checker, datanodes, until](Simulation& s) {
        lose_one(s, checker, datanodes, until);
      });
    }
    return;
  }
  const NodeId victim =
      candidates[sim.choices().pick(static_cast<std::uint32_t>(candidates.size()), ChoiceKind::target)];
  lose(sim, *checker, victim);
}

void schedule_losses(Simulation& sim, const BlockstoreRun& run, const protocols::RunConfig& config) {
  if (run.params_.node_losses == 0 || config.heal_ns == 0) return;
  const std::vector<NodeId> datanodes = run.groups.nodes("datanodes");
  for (int k = 0; k < run.params_.node_losses; ++k) {
    // A time in the fault phase, drawn like the schedule's own (quiet: the start).
    const Time at = static_cast<Time>(static_cast<Int128>(config.heal_ns) *
                                      sim.choices().pick(1024, ChoiceKind::duration) / 1024);
    sim.at(at, "lose a data node", [checker = run.checker, datanodes, until = config.heal_ns](Simulation& s) {
      lose_one(s, checker, datanodes, until);
    });
  }
}

// The metadata server first (node `nn`), then the data nodes, then the clients.
void add_nodes(Simulation& sim, BlockstoreRun& run, const std::vector<NodeId>& datanodes) {
  const Params& p = run.params_;
  BlockObserver* observer = run.checker.get();
  protocols::DurableLedger* ledger = &run.ledger;
  NameNodeConfig nc = p.nn;
  nc.self = static_cast<NodeId>(sim.node_count());
  nc.datanodes = datanodes;
  const NodeId nn = sim.add_node({.name = "nn", .role = "namenode"}, [nc, observer, ledger](NodeId) {
    return std::make_unique<NameNodeServer>(nc, observer, ledger);
  });
  FAULTLINE_ASSERT(nn == nc.self, "node ids are handed out in order");
  run.groups.add("namenode", nn);
  const std::vector<NodeId> added =
      protocols::add_group(sim, run, "datanodes", "dn", p.datanodes, "datanode", [&](int i) {
        DataNodeConfig c = p.dn;
        c.self = datanodes[static_cast<std::size_t>(i)];
        c.namenode = nn;
        return [c, bugs = p.host_bugs, observer, ledger](NodeId) {
          return std::make_unique<DataNodeServer>(c, bugs, observer, ledger);
        };
      });
  FAULTLINE_ASSERT(added == datanodes, "the data nodes have the ids their peers were told");
  protocols::add_group(sim, run, "clients", "c", p.clients, "client", [&](int i) {
    ClientConfig c = p.client;
    c.index = i;
    c.namenode = nn;
    return [c, observer](NodeId) { return std::make_unique<BsClient>(c, observer); };
  });
}

void add_invariants(Simulation& sim, BlockstoreRun& run) {
  std::shared_ptr<BlockChecker> checker = run.checker;
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    sim.add_invariant(std::string(property_name(p)),
                      [checker, p, first = k == 0](const Simulation&) -> std::optional<std::string> {
                        if (first) checker->refresh();  // once per event, before any is read
                        return checker->violation(p);
                      });
  }
  protocols::watch_durable_state(sim, run.ledger);
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& config) {
  auto run = std::make_unique<BlockstoreRun>(read_params(config), config.heal_ns, config.check_budget);
  const NodeId first = static_cast<NodeId>(sim.node_count());
  std::vector<NodeId> datanodes;
  for (int i = 0; i < run->params_.datanodes; ++i) datanodes.push_back(first + 1 + static_cast<NodeId>(i));
  run->checker = std::make_shared<BlockChecker>(sim, first, datanodes);
  add_nodes(sim, *run, datanodes);
  add_invariants(sim, *run);
  schedule_losses(sim, *run, config);
  const BlockstoreRun* self = run.get();
  protocols::schedule_liveness(sim, run->checks, config.heal_ns, run->params_.liveness_bound_ns,
                               [self](const Simulation& s) { return self->stuck(s); });
  return run;
}

}  // namespace

void lose_datanode(Simulation& sim, protocols::ProtocolRun& run, NodeId node) {
  auto* r = dynamic_cast<BlockstoreRun*>(&run);
  FAULTLINE_ASSERT(r != nullptr, "a block store run");
  const std::vector<NodeId>& datanodes = r->groups.nodes("datanodes");
  FAULTLINE_ASSERT(std::find(datanodes.begin(), datanodes.end(), node) != datanodes.end(),
                   "only a data node is lost");
  lose(sim, *r->checker, node);
}

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "blockstore";
  p.description =
      "an HDFS-like replicated block store: a metadata server with a durable log, data nodes "
      "with checksummed replicas, write pipelines with recovery, re-replication, leases";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"namenode", "datanodes", "clients"};
  // Every kind: replicas with per-chunk checksums survive corrupted reads, read-back
  // after each sync survives a disk that drops unsynced writes, a full disk halts a node.
  for (int k = 0; k < kFaultKinds; ++k) p.faults.push_back(static_cast<FaultKind>(k));
  p.default_time_ns = 10 * kSecond;
  p.validate = validate;
  p.configure = [](const protocols::RunConfig&, SimConfig& config) {
    protocols::datacenter_defaults(config);
  };
  p.setup = setup;
  return p;
}

}  // namespace faultline::blockstore
