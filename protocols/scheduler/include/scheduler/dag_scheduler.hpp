#pragma once
// The driver's DAG scheduler and task sets (Spark's DAGScheduler, TaskSetManager and
// MapOutputTracker), pure: no messages, no time of its own. The driver node feeds it
// jobs, launches and task outcomes, and asks it what to run.
//
// Rules it keeps (Zaharia et al., "Resilient Distributed Datasets", NSDI 2012, §5.1 job
// scheduling and §5.2 fault tolerance; Spark's DAGScheduler):
//  - a stage runs (has an active task set) only while every parent's shuffle output is
//    registered for every map partition, and only while some child needs its output;
//  - each stage attempt is one task set; a superseded one is a *zombie*: it launches
//    nothing more, but results of its running attempts still count;
//  - a task lost from any task set is re-queued in the stage's active task set, or left
//    missing for the stage's next attempt when none is active;
//  - the map output registry holds at most one location per map partition (the first
//    attempt to finish wins); a fetch failure unregisters the failed output and resubmits
//    its stage; losing an executor unregisters every output it held;
//  - a task's own failures are counted; at max_task_failures the job fails, naming the
//    task and why. Executor loss, fetch failures and commit denials are not the task's
//    fault and are not counted.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/sched_job.hpp"
#include "scheduler/sched_messages.hpp"

namespace faultline::scheduler {

using sim::Duration;
using sim::Time;

struct DagBugs {
  bool keep_lost_map_outputs = false;  // executor loss leaves its map outputs registered
  bool fetch_failure_ignored = false;  // a fetch failure retries the reducer only
  bool zombie_task_set = false;        // a lost task is re-queued in its own (zombie) set
  bool no_speculation_dedup = false;   // a second finished attempt's output is registered too
};

struct MapLocation {
  std::uint32_t executor = 0;
  Generation generation = 0;
  AttemptId attempt = 0;
};

struct Pending {
  std::uint32_t partition = 0;
  Time since = 0;  // queued at (the locality wait counts from here)
};

struct TaskSet {
  int number = 0;  // the stage attempt
  bool zombie = false;
  std::vector<Pending> pending = {};
  std::vector<Duration> durations = {};  // of this set's successful attempts
  std::uint32_t tasks = 0;               // partitions it was created for
  std::uint32_t succeeded = 0;
};

struct StageState {
  StageSpec spec = {};
  std::vector<std::vector<MapLocation>> outputs = {};  // shuffle-writing stages, per partition
  std::vector<bool> ever_output = {};                  // a location was once registered
  std::vector<bool> done = {};                         // the result stage, per partition
  std::vector<int> failures = {};                      // counted failures per partition
  std::vector<TaskSet> sets = {};
  int active = -1;  // index in sets of the running task set, -1 when none
  bool complete(std::uint32_t partition) const;
  bool available() const;  // every partition complete
};

enum class JobStatus : std::uint8_t { running, succeeded, failed };
std::string_view job_status_name(JobStatus status);

struct JobState {
  JobSpec spec = {};
  JobStatus status = JobStatus::running;
  std::string reason = {};  // why it failed
  Time submitted_at = 0;
  Time ended_at = 0;
  std::vector<StageState> stages = {};
};

struct Attempt {
  AttemptId id = 0;
  JobId job = 0;
  std::uint32_t stage = 0;
  std::uint32_t partition = 0;
  int set = 0;
  std::uint32_t executor = 0;
  Generation generation = 0;
  Time launched_at = 0;
  bool speculative = false;
};

struct DagStats {
  std::uint64_t task_sets = 0;
  std::uint64_t stage_resubmissions = 0;  // a stage ran again after losing outputs
  std::uint64_t fetch_failures = 0;
  std::uint64_t outputs_unregistered = 0;  // by executor loss or fetch failure
  std::uint64_t map_outputs_recomputed = 0;
  std::uint64_t requeued = 0;              // lost tasks queued again
  std::uint64_t requeued_from_zombie = 0;  // ... whose own task set was a zombie
  std::uint64_t counted_failures = 0;
  std::uint64_t speculative_wins = 0;
  std::uint64_t duplicate_successes = 0;  // a second attempt finished a done partition
};

class DagScheduler {
 public:
  DagScheduler(DagBugs bugs, int max_task_failures)
      : bugs_(bugs), max_task_failures_(max_task_failures) {}

  void submit(JobSpec spec, Time now);

  // The task sets that may launch, in FIFO order (job, then stage).
  struct Runnable {
    JobId job;
    std::uint32_t stage;
    int set;
  };
  std::vector<Runnable> runnable() const;
  TaskSet& task_set(const Runnable& r) { return job(r.job).stages[r.stage].sets[r.set]; }
  // Every parent block the task reads (the parents are available when it launches).
  std::vector<FetchSource> sources(JobId job, std::uint32_t stage, std::uint32_t partition) const;
  // Starts an attempt; a non-speculative one leaves the pending queue.
  const Attempt& launch(const Runnable& r, std::uint32_t partition, std::uint32_t executor,
                        Generation generation, AttemptId id, Time now, bool speculative);

  void succeeded(AttemptId id, Time now);
  // The attempt failed; `counted` failures count toward max_task_failures.
  void failed(AttemptId id, Time now, bool counted, const std::string& why);
  void fetch_failed(AttemptId id, const FetchSource& source, Time now);
  // Fails every attempt running on (executor, generation) and unregisters its outputs.
  void executor_lost(std::uint32_t executor, Generation generation, Time now);

  // Running attempts of `partition` (any task set), in id order.
  std::vector<AttemptId> running_for(JobId job, std::uint32_t stage, std::uint32_t partition) const;
  const Attempt* attempt(AttemptId id) const;
  const std::map<AttemptId, Attempt>& running() const { return running_; }
  // Attempts to stop: copies of finished tasks, tasks of failed jobs (drained by the driver).
  std::vector<AttemptId> take_kills();
  // Jobs that ended since the last call.
  std::vector<JobId> take_ended();

  const std::vector<JobState>& jobs() const { return jobs_; }
  const JobState& job(JobId id) const;
  JobState& job(JobId id);
  const DagStats& stats() const { return stats_; }
  std::uint64_t fingerprint() const;

 private:
  void advance(Time now);
  void advance_stage(JobState& job, StageState& stage, Time now);
  void new_task_set(const JobState& job, StageState& stage, Time now);
  bool needed(const JobState& job, const StageState& stage) const;
  bool parents_available(const JobState& job, const StageState& stage) const;
  bool owned(const StageState& stage, JobId job, std::uint32_t partition) const;
  void requeue(StageState& stage, const Attempt& a, Time now);
  void unregister(StageState& stage, std::uint32_t partition, std::uint32_t executor,
                  Generation generation);
  void fail_job(JobState& job, const std::string& why, Time now);
  void end_job(JobState& job, JobStatus status, Time now);

  DagBugs bugs_;
  int max_task_failures_;
  std::vector<JobState> jobs_;  // by id: job ids are 0, 1, 2... in submission order
  std::map<AttemptId, Attempt> running_;
  std::vector<AttemptId> kills_;
  std::vector<JobId> ended_;
  DagStats stats_;
};

}  // namespace faultline::scheduler
