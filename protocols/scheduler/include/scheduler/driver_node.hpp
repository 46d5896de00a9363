#pragma once
// The driver as a pure node: the DAG scheduler (dag_scheduler.hpp), the task scheduler
// (slots, locality with a wait, speculation), executor liveness by heartbeats, and the
// output commit coordinator with the job's output directory (sched_commit.hpp). It never
// does I/O: handlers read a message and the node's state and queue messages; the kit's
// NodeHost (DriverServer) sends them.
//
// The driver's state is volatile and the driver is not a fault target: a driver crash
// ends a Spark application, and the fault model is executor crashes, pauses,
// slow nodes and partitions. Its output directory stands for the job's output on a
// replicated file system, which outlives any executor.
//
// Invariants (asserted): a task is launched only on an executor the driver considers
// alive, into a free slot, under the executor's current generation; an executor's
// generation only grows; an executor declared lost is never used again under the same
// generation. The observer (the run's invariants) sees every launch, every file written
// to the output directory and every job's end.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "protocols/node_driver.hpp"
#include "scheduler/dag_scheduler.hpp"
#include "scheduler/sched_commit.hpp"
#include "scheduler/sched_messages.hpp"

namespace faultline::scheduler {

struct DriverParams {
  std::vector<sim::NodeId> executors;  // by executor index
  int slots = 2;                       // tasks an executor runs at once
  std::vector<JobSpec> jobs;           // submitted in order
  Duration job_interval_ns = 800 * sim::kMillisecond;
  Duration heartbeat_interval_ns = 50 * sim::kMillisecond;
  Duration executor_timeout_ns = 250 * sim::kMillisecond;
  Duration locality_wait_ns = 30 * sim::kMillisecond;
  bool speculation = true;
  int speculation_multiplier_pct = 150;                  // slower than this share of the median
  int speculation_quantile_pct = 50;                     // once this share of the task set finished
  Duration speculation_min_ns = 20 * sim::kMillisecond;  // never below this runtime
  Duration speculation_interval_ns = 25 * sim::kMillisecond;
  int max_task_failures = 4;
  DagBugs dag_bugs = {};
  CommitBugs commit_bugs = {};
};

class DriverNode;

// Sees the driver's decisions as they happen. Only observes.
class DriverObserver {
 public:
  virtual ~DriverObserver() = default;
  virtual void on_launch(const DriverNode& driver, const Attempt& attempt,
                         const LaunchTask& launch) = 0;
  virtual void on_file(const DriverNode& driver, JobId job, const CommittedFile& file) = 0;
  virtual void on_job_end(const DriverNode& driver, const JobState& job) = 0;
};

// What the driver believes about one executor.
struct ExecutorView {
  bool alive = false;
  bool registered = false;        // ever registered
  std::uint64_t incarnation = 0;  // of its latest registration
  Generation generation = 0;      // of its latest registration
  Time last_heard = 0;
};

struct DriverStats {
  std::uint64_t launches = 0;
  std::uint64_t speculative_launches = 0;
  std::uint64_t remote_launches = 0;  // input read without locality
  std::uint64_t launches_resent = 0;
  std::uint64_t executors_lost = 0;
  std::uint64_t registrations = 0;
  std::uint64_t files_written = 0;
  std::uint64_t writes_refused = 0;       // a released attempt's late write
  std::uint64_t committed_then_lost = 0;  // an attempt lost after its commit: done
  std::uint64_t stale_statuses = 0;       // from an attempt no longer running
};

class DriverNode {
 public:
  DriverNode(DriverParams params, DriverObserver* observer);

  void start(Time now);
  // One message: empty when acted on, else why it was ignored.
  std::string_view step(Time now, const sim::Envelope& message);
  void tick(Time now);
  Time next_deadline() const;
  std::string_view deadline_name() const;
  std::vector<protocols::Outgoing>& outbox() { return outbox_; }
  bool has_messages() const { return !outbox_.empty(); }

  const DriverParams& params() const { return params_; }
  const DagScheduler& dag() const { return dag_; }
  const CommitCoordinator& commits() const { return commits_; }
  const std::vector<ExecutorView>& executors() const { return executors_; }
  const DriverStats& stats() const { return stats_; }
  std::uint32_t jobs_submitted() const { return next_job_; }
  // Is (executor, generation) a registration the driver considers alive?
  bool live(std::uint32_t executor, Generation generation) const;
  std::uint64_t fingerprint() const;

  // Annotation texts for the trace viewer.
  std::string describe_jobs() const;
  std::string describe_executors() const;
  std::string describe_shuffle() const;
  std::string describe_commits() const;

 private:
  std::string_view on_heartbeat(Time now, sim::NodeId from, const Heartbeat& m);
  std::string_view on_status(Time now, sim::NodeId from, const StatusUpdate& m);
  std::string_view on_ask_commit(sim::NodeId from, const AskCommit& m);
  std::string_view on_commit_output(sim::NodeId from, const CommitOutput& m);
  void admit(std::uint32_t index, std::uint64_t incarnation, Time now);
  void lose(std::uint32_t index, Time now);
  void resend_missing(std::uint32_t index, const Heartbeat& m, Time now);
  void end_attempt(const Attempt& a, TaskState state, const FetchSource& failed_fetch, Time now);
  void speculate(Time now);
  void schedule(Time now);
  int choose_executor(const DagScheduler::Runnable& r, const Pending& p, Time now, bool speculative,
                      bool& remote) const;
  void launch(const DagScheduler::Runnable& r, std::uint32_t partition, std::uint32_t executor,
              bool speculative, bool remote, Time now);
  int free_slots(std::uint32_t executor) const;
  void after_change(Time now);
  void send(std::uint32_t executor, sim::Payload message);
  int index_of(sim::NodeId node) const;

  DriverParams params_;
  DriverObserver* observer_;
  DagScheduler dag_;
  CommitCoordinator commits_;
  std::vector<ExecutorView> executors_;
  std::map<AttemptId, LaunchTask> launches_;  // of running attempts, for re-sending
  std::set<std::pair<std::pair<JobId, std::uint32_t>, std::uint32_t>> speculatable_;
  AttemptId next_attempt_ = 1;
  Generation next_generation_ = 1;
  std::uint32_t next_job_ = 0;
  Time started_at_ = 0;
  Time next_liveness_check_ = 0;
  Time next_speculation_ = 0;
  DriverStats stats_;
  std::vector<protocols::Outgoing> outbox_;
};

}  // namespace faultline::scheduler
