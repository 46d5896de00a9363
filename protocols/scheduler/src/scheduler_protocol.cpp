// The scheduler as a faultline protocol: options and planted bugs (declared once, in the
// kit's tables), setup, the invariants' observer, liveness and the summary.
#include <algorithm>

#include "protocols/run_checks.hpp"
#include "scheduler/scheduler.hpp"

namespace faultline::scheduler {
using namespace sim;
using protocols::BadInput;

// ---------------------------------------------------------------- checks

void SchedChecks::violate(std::string property, std::string message) {
  for (const auto& [p, m] : violations_) {
    if (p == property) return;  // the first one stands
  }
  violations_.emplace_back(std::move(property), std::move(message));
}

std::optional<std::string> SchedChecks::violation(std::string_view property) const {
  for (const auto& [p, m] : violations_) {
    if (p == property) return m;
  }
  return std::nullopt;
}

void SchedChecks::on_launch(const DriverNode& driver, const Attempt& a, const LaunchTask& m) {
  ++launches_checked;
  const std::string what = "attempt a" + std::to_string(a.id) + " (job " + std::to_string(a.job) +
                           " task " + std::to_string(a.stage) + "." + std::to_string(a.partition) +
                           ")";
  if (!driver.live(a.executor, a.generation)) {
    violate("no task on a dead executor", what + " launched on e" + std::to_string(a.executor) +
                                              " generation " + std::to_string(a.generation) +
                                              ", which the driver considers lost");
  }
  for (const FetchSource& s : m.sources) {
    ++fetch_sources_checked;
    if (driver.live(s.executor, s.generation)) continue;
    violate("no fetch from a dead executor",
            what + " launched to fetch map output " + std::to_string(s.stage) + "." +
                std::to_string(s.map_partition) + " from e" + std::to_string(s.executor) +
                " generation " + std::to_string(s.generation) +
                ", which the driver considers lost (its outputs are gone)");
    return;
  }
}

void SchedChecks::on_file(const DriverNode& driver, JobId job, const CommittedFile& file) {
  (void)driver;
  const auto [it, fresh] = committed_.emplace(std::make_pair(job, file.partition), file.attempt);
  if (fresh) return;
  violate("exactly-once commit", "job " + std::to_string(job) + " output partition " +
                                     std::to_string(file.partition) + " committed twice: by a" +
                                     std::to_string(it->second) + " and by a" +
                                     std::to_string(file.attempt));
}

std::string compare_result(const std::vector<CommittedFile>& files, const Records& expected) {
  std::map<Key, std::vector<Value>> got;
  for (const CommittedFile& f : files) {
    for (const Record& r : f.records) got[r.key].push_back(r.value);
  }
  std::map<Key, Value> want;
  for (const Record& r : expected) want[r.key] = r.value;
  for (const auto& [k, values] : got) {
    const auto w = want.find(k);
    if (w == want.end()) return "key " + std::to_string(k) + " is not in the input";
    if (values.size() > 1) {
      return "key " + std::to_string(k) + " appears " + std::to_string(values.size()) +
             " times (duplicated records)";
    }
    if (values[0] != w->second) {
      return "key " + std::to_string(k) + " sums to " + std::to_string(values[0]) + ", expected " +
             std::to_string(w->second) +
             (values[0] > w->second ? " (records counted twice)" : " (records lost)");
    }
  }
  for (const auto& [k, v] : want) {
    if (got.count(k) == 0) return "key " + std::to_string(k) + " is missing (records lost)";
  }
  return {};
}

void SchedChecks::on_job_end(const DriverNode& driver, const JobState& job) {
  const std::string name = "job " + std::to_string(job.spec.id);
  if (job.status == JobStatus::failed) {
    ++jobs_failed;
    if (!job.spec.poisoned) {
      violate("job result", name + " failed although its input is sound: " + job.reason);
    }
    return;
  }
  ++jobs_succeeded;
  if (job.spec.poisoned) {
    violate("job result", name + " succeeded although a task of it always fails");
    return;
  }
  // The job commit collects exactly one committed file per output partition.
  const std::vector<CommittedFile>& files = driver.commits().files(job.spec.id);
  for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(job.spec.reduce_partitions); ++p) {
    const auto n = std::count_if(files.begin(), files.end(),
                                 [p](const CommittedFile& f) { return f.partition == p; });
    if (n != 1) {
      violate("job result", name + " succeeded with " + std::to_string(n) +
                                " committed files for output partition " + std::to_string(p));
      return;
    }
  }
  const std::string diff = compare_result(files, expected_result(job.spec));
  if (!diff.empty()) violate("job result", name + " committed a wrong result: " + diff);
}

const DriverNode* driver_of(const Simulation& sim, NodeId driver) {
  const auto* actor = dynamic_cast<const DriverServer*>(sim.actor(driver));
  return actor ? actor->node() : nullptr;
}

void DriverServer::boot(Context& ctx) {
  FAULTLINE_ASSERT(ctx.incarnation() == 0, "the driver is never restarted (not a fault target)");
  node_.emplace(params_, observer_);
  node_->start(ctx.now());
}

void DriverServer::publish(Context& ctx) {
  ctx.annotate("jobs", node_->describe_jobs());
  ctx.annotate("executors", node_->describe_executors());
  ctx.annotate("shuffle_outputs", node_->describe_shuffle());
  ctx.annotate("commits", node_->describe_commits());
}

// ---------------------------------------------------------------- options and bugs

namespace {

void declare_options(protocols::OptionTable& t) {
  t.integer("executors", 3, 1, 32, "number of executors").swarm({"3", "2", "4"});
  t.integer("slots", 2, 1, 16, "tasks an executor runs at once").swarm({"2", "1"});
  t.integer("jobs", 8, 0, 10000, "jobs the driver runs");
  t.duration("job_interval", 800 * kMillisecond, 0, 600 * kSecond,
             "a new job is submitted this often (jobs overlap when they run longer)")
      .swarm({"800ms", "400ms"});
  t.choice("shape", "chain2", {"chain2", "chain3", "join"},
           "the stage DAG: map->result, map->map->result (two shuffles), or two maps joined")
      .swarm_all();
  t.integer("map_partitions", 6, 1, 256, "input partitions: tasks of each input stage")
      .swarm({"6", "3", "10"});
  t.integer("reduce_partitions", 3, 1, 256, "shuffle partitions: tasks after each shuffle")
      .swarm({"3", "1", "5"});
  t.integer("records", 40, 0, 100000, "records per input partition");
  t.integer("keys", 24, 1, 1000000, "distinct keys of the input");
  t.integer("poison_jobs", 0, 0, 10000,
            "the last this many jobs have a poison record: one task always fails, the job "
            "must fail after max_task_failures")
      .swarm({"0", "1"});
  t.duration("task_time", 20 * kMillisecond, kMicrosecond, 60 * kSecond,
             "compute time of a task (plus up to half of it as jitter)");
  t.integer("slow_executors", 0, 0, 32, "the first this many executors are slow").swarm({"0", "1"});
  t.integer("slow_factor", 8, 1, 1000, "a slow executor's tasks take this many times as long");
  t.duration("heartbeat_interval", 50 * kMillisecond, kMillisecond, 10 * kSecond,
             "executor heartbeat interval");
  t.duration("executor_timeout", 250 * kMillisecond, 2 * kMillisecond, 600 * kSecond,
             "the driver declares an executor lost after this long without a heartbeat");
  t.duration("locality_wait", 30 * kMillisecond, 0, 60 * kSecond,
             "a map task waits this long for a slot on the executor holding its input");
  t.boolean("speculation", true, "launch copies of tasks much slower than their stage's median")
      .swarm_all();
  t.integer("speculation_multiplier", 150, 100, 10000,
            "a task is slow past this percentage of its task set's median duration");
  t.integer("speculation_quantile", 50, 1, 100,
            "speculate once this percentage of a task set has finished (Spark: 75, for task sets "
            "far larger than ours)");
  t.integer("max_task_failures", 4, 1, 100,
            "a task's own failures before its job fails (executor loss, fetch failures and "
            "commit denials do not count)");
  t.duration("fetch_timeout", 100 * kMillisecond, kMillisecond, 60 * kSecond,
             "a reducer waits this long for a shuffle block before asking again");
  t.integer("fetch_retries", 3, 0, 100, "retries of a block before a fetch failure");
  t.duration("liveness_bound", 2 * kSecond, kMillisecond, 600 * kSecond,
             "after the faults heal, the oldest unfinished job ends within this of becoming "
             "the oldest; raised to twice a job's least possible time on a cluster too small "
             "or slow for it");
}

std::vector<protocols::BugSpec> bug_specs() {
  return {
      {"keep-lost-map-outputs",
       "completed map outputs on a lost executor stay registered (never recomputed on loss)",
       {},
       {"no fetch from a dead executor"}},
      {"no-commit-coordination",
       "every attempt of a result task commits its output",
       {{"speculation", "true"}},
       {"exactly-once commit", "job result"}},
      {"release-commit-on-failure",
       "a committed attempt reported failed (its executor lost before its status arrived) "
       "frees the partition for another commit",
       {},
       {"exactly-once commit", "job result"}},
      {"fetch-failure-ignored",
       "a fetch failure retries the reducer only, as an ordinary task failure; the parent "
       "stage never runs again",
       {},
       {"job result", "liveness"}},
      {"zombie-task-set",
       "a lost task is re-queued in its own task set even when that stage attempt is no "
       "longer scheduled (a zombie)",
       {},
       {"liveness"}},
      {"no-speculation-dedup",
       "when both a task and its speculative copy finish, both map outputs are registered "
       "and reducers count both",
       {{"speculation", "true"}},
       {"job result"}},
  };
}

void validate(const protocols::OptionValues& o) {
  if (o.duration("heartbeat_interval") >= o.duration("executor_timeout")) {
    const std::string blamed = o.given("executor_timeout") && !o.given("heartbeat_interval")
                                   ? "executor_timeout"
                                   : "heartbeat_interval";
    throw BadInput(o.where(blamed), "the heartbeat interval (" +
                                        format_time(o.duration("heartbeat_interval")) +
                                        ") must be shorter than the executor timeout (" +
                                        format_time(o.duration("executor_timeout")) + ")");
  }
  if (o.integer("slow_executors") > o.integer("executors")) {
    throw BadInput(o.where("slow_executors"),
                   "at most executors (" + std::to_string(o.integer("executors")) + ")");
  }
  if (o.integer("poison_jobs") > o.integer("jobs")) {
    throw BadInput(o.where("poison_jobs"),
                   "at most jobs (" + std::to_string(o.integer("jobs")) + ")");
  }
}

// Stages in the longest chain of any job: a stage starts when its parents have ended.
std::int64_t longest_chain(const SchedParams& p) {
  std::int64_t longest = 0;
  for (const JobSpec& job : p.driver.jobs) {
    std::vector<std::int64_t> depth(job.stages.size(), 0);  // stages up to and with k
    for (std::size_t k = 0; k < job.stages.size(); ++k) {
      std::int64_t parents = 0;
      for (int parent : job.stages[k].parents) {
        FAULTLINE_ASSERT(parent >= 0 && static_cast<std::size_t>(parent) < k,
                         "a stage's parents come before it");
        parents = std::max(parents, depth[static_cast<std::size_t>(parent)]);
      }
      depth[k] = parents + 1;
      longest = std::max(longest, depth[k]);
    }
  }
  return longest;
}

}  // namespace

Duration job_work_floor(const SchedParams& p) {
  // Capacity in units of a slow slot (1/slow_factor of a fast one), so the sum is exact
  // in integers: tasks * task_time * slow_factor / capacity.
  const std::int64_t factor = std::max(1, p.slow_factor);
  const std::int64_t capacity =
      std::int64_t{p.driver.slots} * ((p.executors - p.slow_executors) * factor + p.slow_executors);
  std::int64_t tasks = 0;
  for (const JobSpec& job : p.driver.jobs) {
    std::int64_t n = 0;
    for (const StageSpec& stage : job.stages) n += stage.partitions;
    tasks = std::max(tasks, n);
  }
  if (capacity <= 0 || tasks == 0) return 0;
  return tasks * p.executor.task_time_ns * factor / capacity;
}

Duration job_path_floor(const SchedParams& p) {
  const Duration task = p.executors > p.slow_executors
                            ? p.executor.task_time_ns
                            : p.executor.task_time_ns * std::max(1, p.slow_factor);
  return longest_chain(p) * task;
}

Duration job_slow_tail(const SchedParams& p) {
  // Only a cluster with fast and slow executors: when every executor is slow,
  // job_path_floor already counts each task slow.
  if (p.slow_executors <= 0 || p.slow_executors >= p.executors) return 0;
  const Duration excess = p.executor.task_time_ns * (std::max(1, p.slow_factor) - 1) * 3 / 2;
  return longest_chain(p) * excess;
}

Duration job_repair_floor(const SchedParams& p) {
  return 3 * (p.executor.fetch_timeout_ns + 2 * p.driver.heartbeat_interval_ns);
}

Duration job_poison_floor(const SchedParams& p) {
  const bool poisoned = std::any_of(p.driver.jobs.begin(), p.driver.jobs.end(),
                                    [](const JobSpec& job) { return job.poisoned; });
  if (!poisoned) return 0;
  const Duration task =
      p.executor.task_time_ns * (p.slow_executors > 0 ? std::max(1, p.slow_factor) : 1);
  const Duration attempt = task * 3 / 2 + 50 * kMillisecond;
  return (job_path_floor(p) + p.driver.max_task_failures * attempt) * 3 / 2;
}

SchedParams read_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  SchedParams p;
  p.executors = static_cast<int>(o.integer("executors"));
  p.slow_executors = static_cast<int>(o.integer("slow_executors"));
  p.slow_factor = static_cast<int>(o.integer("slow_factor"));
  p.liveness_bound_ns = o.duration("liveness_bound");
  Shape shape = Shape::chain2;
  shape_from_name(o.text("shape"), shape);
  const int jobs = static_cast<int>(o.integer("jobs"));
  const int poisoned_from = jobs - static_cast<int>(o.integer("poison_jobs"));
  DriverParams& d = p.driver;
  for (int j = 0; j < jobs; ++j) {
    d.jobs.push_back(make_job(
        static_cast<JobId>(j), shape, static_cast<int>(o.integer("map_partitions")),
        static_cast<int>(o.integer("reduce_partitions")), static_cast<int>(o.integer("records")),
        static_cast<int>(o.integer("keys")), j >= poisoned_from));
  }
  d.slots = static_cast<int>(o.integer("slots"));
  d.job_interval_ns = o.duration("job_interval");
  d.heartbeat_interval_ns = o.duration("heartbeat_interval");
  d.executor_timeout_ns = o.duration("executor_timeout");
  d.locality_wait_ns = o.duration("locality_wait");
  d.speculation = o.boolean("speculation");
  d.speculation_multiplier_pct = static_cast<int>(o.integer("speculation_multiplier"));
  d.speculation_quantile_pct = static_cast<int>(o.integer("speculation_quantile"));
  d.speculation_min_ns = o.duration("task_time");
  d.max_task_failures = static_cast<int>(o.integer("max_task_failures"));
  d.dag_bugs = DagBugs{.keep_lost_map_outputs = run.has_bug("keep-lost-map-outputs"),
                       .fetch_failure_ignored = run.has_bug("fetch-failure-ignored"),
                       .zombie_task_set = run.has_bug("zombie-task-set"),
                       .no_speculation_dedup = run.has_bug("no-speculation-dedup")};
  d.commit_bugs = CommitBugs{.no_commit_coordination = run.has_bug("no-commit-coordination"),
                             .release_commit_on_failure = run.has_bug("release-commit-on-failure")};
  ExecutorParams& e = p.executor;
  e.slots = d.slots;
  e.task_time_ns = o.duration("task_time");
  e.heartbeat_interval_ns = d.heartbeat_interval_ns;
  e.fetch_timeout_ns = o.duration("fetch_timeout");
  e.fetch_retries = static_cast<int>(o.integer("fetch_retries"));
  e.commit_timeout_ns = o.duration("fetch_timeout");
  p.liveness_bound_ns = std::max({p.liveness_bound_ns, 2 * job_work_floor(p),
                                  3 * job_path_floor(p) + job_slow_tail(p), job_repair_floor(p),
                                  job_poison_floor(p)});
  return p;
}

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "scheduler";
  p.description =
      "a Spark-like driver and executors: stage DAGs with shuffles, task retries, locality, "
      "speculation and exactly-once output commits, under executor loss";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"driver", "executors"};
  // Every kind: shuffle blocks are checksummed (a corrupted read is a fetch failure), a
  // full disk fails the map task that could not write, and a restarted executor never
  // reads what an earlier life wrote.
  for (int k = 0; k < kFaultKinds; ++k) p.faults.push_back(static_cast<FaultKind>(k));
  p.default_time_ns = 10 * kSecond;
  p.validate = validate;
  p.configure = [](const protocols::RunConfig&, SimConfig& c) {
    protocols::datacenter_defaults(c);
  };
  p.setup = setup_run;
  return p;
}

}  // namespace faultline::scheduler
