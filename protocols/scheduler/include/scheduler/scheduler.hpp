#pragma once
// scheduler: a Spark-like driver and executors running stage DAGs with shuffles, task
// retries, speculation and exactly-once output commits, under executor crashes, pauses,
// slow executors, partitions, lossy links, clock and disk faults (docs/scheduler.md).
//
//   driver     one node, `driver` (DriverServer: the kit's NodeHost running a DriverNode)
//   executors  e0..e{n-1} (ExecutorServer running an ExecutorNode); the fault targets
//
// Checked as the run goes (SchedChecks): "no task on a dead executor", "no fetch from a
// dead executor" (a task's fetch plan names only registrations the driver considers
// alive), "exactly-once commit" (no output partition gets a second file), "job result"
// (a job that succeeds committed exactly the result the checker computes sequentially
// from the same input; a job fails only for a poisoned input, after max_task_failures).
// Liveness: once the faults heal, the oldest unfinished job (first in FIFO order for
// every slot) ends within liveness_bound of becoming the oldest, so every job ends
// within a bound that grows with the jobs ahead of it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"
#include "scheduler/driver_node.hpp"
#include "scheduler/executor_node.hpp"

namespace faultline::scheduler {

protocols::Protocol protocol();
// The protocol's setup (protocol().setup): nodes, invariants, liveness.
std::unique_ptr<protocols::ProtocolRun> setup_run(sim::Simulation& sim,
                                                  const protocols::RunConfig& config);

struct SchedParams {
  int executors = 3;
  int slow_executors = 0;  // the first ones run tasks slow_factor times slower
  int slow_factor = 8;
  DriverParams driver;
  ExecutorParams executor;  // index, node ids and jobs filled per executor
  Duration liveness_bound_ns = 2 * sim::kSecond;
};

// The least time the largest job can take: all its tasks (task_time each, no jitter)
// spread over every slot, a slow executor's slots counting 1/slow_factor. No schedule
// finishes the job sooner; read_params raises the liveness bound to at least twice this,
// so that one executor with one slot (20 tasks of 20 ms, 8x slow: 3.2 s) is not called
// stuck by a 2 s bound it could never meet. The generic profile's clusters stay under
// 1 s (twice 0.45 s at most), so its bound stays 2 s.
sim::Duration job_work_floor(const SchedParams& p);

// The least time the longest chain of stages of any job takes: a stage starts when its
// parents have ended, and each takes one task's time at least (task_time on a fast
// executor; slow_factor times that when every executor is slow). read_params raises the
// liveness bound to at least three times this: a task may take twice task_time (remote
// input 1.5x, jitter up to 0.5x), and its fetches and commit come on top. Long tasks
// made every fault-free run a liveness failure: task_time=1s is 3 s of stages in a chain,
// against the 2 s bound. At the default 20 ms it is 0.18 s at most: the bound stays 2 s.
sim::Duration job_path_floor(const SchedParams& p);

// What slow executors add to that chain when some executors are fast: placement does not
// know speeds (nor does Spark's), so each stage's last task may run on a slow executor,
// and speculation need not rescue it (its copy goes to the executor with the most free
// slots, perhaps another slow one; a large speculation_multiplier never copies it). Each
// stage of the longest chain adds a slow task's excess over a fast one, with remote input:
// (slow_factor - 1) x task_time x 1.5. read_params raises the liveness bound to at least
// 3 x job_path_floor + this. Without it, slow_executors=2 slow_factor=20 task_time=40ms
// (chain3: three tasks of 0.8 s in a row) failed liveness on 6 of 150 swarm seeds against
// 2 s. The generic profile (8x, 20 ms) adds 0.63 s at most: its bound stays 2 s.
sim::Duration job_slow_tail(const SchedParams& p);

// A message lost just before the heal is repaired late: a fetch or a commit request is
// asked again after fetch_timeout, a lost launch is resent up to two heartbeats after it
// (the driver counts a launch younger than a heartbeat as in flight). read_params raises
// the bound to three such repairs: fetch_timeout=2.5s failed 12 of 150 swarm seeds against
// 2 s, heartbeat_interval=3s 9. The defaults (100 ms, 50 ms) give 0.6 s.
sim::Duration job_repair_floor(const SchedParams& p);

// A poisoned job fails only after max_task_failures attempts of its poisoned task, one after
// another: each up to 1.5 task times (slow ones when some executor is slow) and a driver
// round of 50 ms, after the stages before it. read_params raises the bound to 1.5 times
// that: max_task_failures=10 with task_time=200ms failed every fault-free run against 2 s.
// The generic profile (4 failures, 20 ms, 8x slow) gives 1.8 s at most: its bound stays 2 s.
sim::Duration job_poison_floor(const SchedParams& p);

// The run's options as the scheduler's parameters (checked by the option table).
SchedParams read_params(const protocols::RunConfig& run);

// The invariants' view of the driver's decisions: the first violation of each property.
class SchedChecks final : public DriverObserver {
 public:
  void on_launch(const DriverNode& driver, const Attempt& attempt,
                 const LaunchTask& launch) override;
  void on_file(const DriverNode& driver, JobId job, const CommittedFile& file) override;
  void on_job_end(const DriverNode& driver, const JobState& job) override;
  std::optional<std::string> violation(std::string_view property) const;

  std::uint64_t jobs_succeeded = 0;
  std::uint64_t jobs_failed = 0;  // poisoned jobs, as they should
  std::uint64_t launches_checked = 0;
  std::uint64_t fetch_sources_checked = 0;  // blocks launched tasks were told to fetch

 private:
  void violate(std::string property, std::string message);
  std::vector<std::pair<std::string, std::string>> violations_;
  std::map<std::pair<JobId, std::uint32_t>, AttemptId> committed_;
};

// "" when the job's committed files hold exactly `expected`; else what differs.
std::string compare_result(const std::vector<CommittedFile>& files, const Records& expected);

// The driver's state in a simulation (nullptr before it started).
class DriverServer;
const DriverNode* driver_of(const sim::Simulation& sim, sim::NodeId driver);

class DriverServer final : public protocols::NodeHost {
 public:
  DriverServer(DriverParams params, DriverObserver* observer)
      : params_(std::move(params)), observer_(observer) {}
  const DriverNode* node() const { return node_ ? &*node_ : nullptr; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(Time now, const sim::Envelope& m) override { return node_->step(now, m); }
  void tick(Time now) override { node_->tick(now); }
  Time next_deadline() const override { return node_->next_deadline(); }
  std::string_view deadline_name() const override { return node_->deadline_name(); }
  bool persist(sim::DiskHandle&) override { return false; }  // volatile, by design
  void take_messages(std::vector<protocols::Outgoing>& out) override { out.swap(node_->outbox()); }
  bool has_ready() const override { return node_->has_messages(); }
  void publish(sim::Context& ctx) override;

  DriverParams params_;
  DriverObserver* observer_;
  std::optional<DriverNode> node_;
};

}  // namespace faultline::scheduler
