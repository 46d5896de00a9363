#pragma once
// An executor as a pure node, and the actor that runs it.
//
// The node runs up to `slots` task attempts at once. An attempt fetches its parents'
// shuffle blocks (from its own disk or from other executors, with a timeout and a few
// retries, then a fetch failure), computes for a simulated time (the task's size, the
// executor's speed, remote input, jitter), then either writes its shuffle blocks to disk
// (a map task: synced before it reports) or asks the driver for permission to commit
// and writes its output partition to the job's output directory (a result task). Status
// updates are re-sent with every heartbeat until the driver acknowledges them.
//
// Why task attempts are not spawned actors: a spawned node is a node of its own in the
// simulator — a crash, pause or partition of its executor would not reach it. An attempt
// here is state of the executor's node, advanced by its timers, so it dies, pauses and
// is cut off with its executor, and the explorer fingerprints it with the executor.
//
// Shuffle blocks live on the executor's disk, under keys naming its incarnation and
// generation: a restarted executor, or one the driver declared lost (a Welcome with a new
// generation), never serves blocks of an earlier life. A block is a sealed record
// (CRC-32C): a corrupted read is answered `corrupt`, never believed.
//
// Invariants (asserted): at most `slots` attempts run; an attempt is started once per
// id; the node's generation only grows.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/node_driver.hpp"
#include "scheduler/sched_job.hpp"
#include "scheduler/sched_messages.hpp"

namespace faultline::scheduler {

using sim::Duration;
using sim::Time;

struct ExecutorParams {
  std::uint32_t index = 0;
  sim::NodeId driver = 0;
  std::vector<sim::NodeId> executors;  // by index
  int slots = 2;
  const std::vector<JobSpec>* jobs = nullptr;
  Duration task_time_ns = 20 * sim::kMillisecond;  // a task's compute time
  int slowness = 1;                                // >1: a slow executor's factor
  Duration heartbeat_interval_ns = 50 * sim::kMillisecond;
  Duration fetch_timeout_ns = 100 * sim::kMillisecond;
  int fetch_retries = 3;
  Duration commit_timeout_ns = 100 * sim::kMillisecond;
};

class ExecRandom {
 public:
  virtual ~ExecRandom() = default;
  virtual std::uint64_t below(std::uint64_t n) = 0;
};

enum class Phase : std::uint8_t { fetching, computing, asking, committing };
std::string_view phase_name(Phase phase);

struct TaskRun {
  LaunchTask launch;
  Phase phase = Phase::fetching;
  Time deadline = sim::kTimeNever;              // computing: done at; asking/committing: retry at
  std::vector<std::optional<Records>> fetched;  // per source
  std::vector<int> tries;                       // per source
  std::vector<Time> fetch_deadline;             // per source
  Records output;                               // a result task's partition
};

// A disk read the actor performs for the node: serving a fetch, or a local input.
struct DiskRead {
  std::string key;
  sim::NodeId reply_to = sim::kNoNode;  // kNoNode: our own attempt reads it
  FetchRequest request;
};
struct DiskWrite {
  std::string key;
  std::string bytes;
};

struct ExecEffects {
  std::vector<protocols::Outgoing> messages;
  std::vector<DiskWrite> writes;
  std::vector<AttemptId> written_for;  // map attempts whose blocks these writes are
  std::vector<DiskRead> reads;
  bool empty() const { return messages.empty() && writes.empty() && reads.empty(); }
};

class ExecutorNode {
 public:
  ExecutorNode(ExecutorParams params, std::uint64_t incarnation, ExecRandom& random);

  void start(Time now);
  std::string_view step(Time now, const sim::Envelope& message);
  void tick(Time now);
  Time next_deadline() const;
  std::string_view deadline_name() const;
  // The writes were synced (ok) or refused by a full disk.
  void on_synced(const std::vector<AttemptId>& attempts, bool ok, Time now);
  void on_read(const DiskRead& read, const std::optional<std::string>& bytes, Time now);
  ExecEffects& effects() { return fx_; }

  Generation generation() const { return generation_; }
  const std::map<AttemptId, TaskRun>& tasks() const { return tasks_; }
  std::size_t shuffle_blocks() const { return blocks_.size(); }
  std::uint64_t fingerprint() const;
  std::string describe_tasks() const;

 private:
  std::string_view on_launch(Time now, const LaunchTask& m);
  std::string_view on_kill(const KillTask& m);
  std::string_view on_fetch_request(sim::NodeId from, const FetchRequest& m);
  std::string_view on_fetch_reply(Time now, const FetchReply& m);
  std::string_view on_commit_answer(Time now, const CommitAnswer& m);
  std::string_view on_commit_ack(const CommitAck& m);
  void adopt(Generation generation);
  void heartbeat(Time now);
  void request_block(TaskRun& t, std::size_t source, Time now);
  void received_block(TaskRun& t, std::size_t source, FetchStatus status, Records records,
                      Time now);
  void start_compute(TaskRun& t, Time now);
  void finish_compute(TaskRun& t, Time now);
  void report(AttemptId attempt, TaskState state, FetchSource failed = {});
  const JobSpec& job(JobId id) const;
  std::string block_key(JobId job, std::uint32_t stage, std::uint32_t map,
                        std::uint32_t reduce) const;
  void to_driver(sim::Payload message);

  ExecutorParams params_;
  std::uint64_t incarnation_;
  ExecRandom& random_;
  Generation generation_ = 0;
  Time next_heartbeat_ = 0;
  std::map<AttemptId, TaskRun> tasks_;
  std::map<AttemptId, StatusUpdate> unacked_;  // reported, not yet acknowledged
  std::set<AttemptId> seen_;                   // every attempt ever started here
  // Shuffle blocks written and synced under the current generation:
  // (job, stage, map partition) -> how many reduce blocks.
  std::set<std::tuple<JobId, std::uint32_t, std::uint32_t>> blocks_;
  ExecEffects fx_;
};

// The actor: runs an ExecutorNode, performing its disk writes (then a sync), its reads,
// and its messages, in that order.
class ExecutorServer final : public sim::Actor {
 public:
  explicit ExecutorServer(ExecutorParams params) : params_(std::move(params)) {}
  void run(sim::Context& ctx) override;
  const ExecutorNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  class ContextRandom final : public ExecRandom {
   public:
    explicit ContextRandom(sim::Context& ctx) : ctx_(ctx) {}
    std::uint64_t below(std::uint64_t n) override { return ctx_.random(n); }

   private:
    sim::Context& ctx_;
  };
  void flush(sim::Context& ctx);
  void publish(sim::Context& ctx);

  ExecutorParams params_;
  std::optional<ContextRandom> random_;
  std::optional<ExecutorNode> node_;
};

}  // namespace faultline::scheduler
