#include "scheduler/dag_scheduler.hpp"

#include <algorithm>

#include "sim/assert.hpp"

namespace faultline::scheduler {

std::string_view job_status_name(JobStatus status) {
  switch (status) {
    case JobStatus::running:
      return "running";
    case JobStatus::succeeded:
      return "succeeded";
    case JobStatus::failed:
      return "failed";
  }
  return "?";
}

bool StageState::complete(std::uint32_t partition) const {
  return spec.writes_shuffle() ? !outputs[partition].empty() : static_cast<bool>(done[partition]);
}

bool StageState::available() const {
  for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(spec.partitions); ++p) {
    if (!complete(p)) return false;
  }
  return true;
}

const JobState& DagScheduler::job(JobId id) const {
  FAULTLINE_ASSERT(id < jobs_.size(), "a job id names a submitted job");
  return jobs_[id];
}

JobState& DagScheduler::job(JobId id) {
  FAULTLINE_ASSERT(id < jobs_.size(), "a job id names a submitted job");
  return jobs_[id];
}

void DagScheduler::submit(JobSpec spec, Time now) {
  FAULTLINE_ASSERT(spec.id == jobs_.size(), "jobs are submitted in id order");
  FAULTLINE_ASSERT(!spec.stages.empty() && spec.stages.back().kind == StageKind::result,
                   "a job ends in its result stage");
  JobState job{.spec = std::move(spec), .submitted_at = now};
  for (const StageSpec& s : job.spec.stages) {
    StageState st{.spec = s};
    const auto n = static_cast<std::size_t>(s.partitions);
    if (s.writes_shuffle()) {
      st.outputs.resize(n);
      st.ever_output.resize(n, false);
    } else {
      st.done.resize(n, false);
    }
    st.failures.resize(n, 0);
    job.stages.push_back(std::move(st));
  }
  jobs_.push_back(std::move(job));
  advance(now);
}

bool DagScheduler::parents_available(const JobState& job, const StageState& stage) const {
  return std::all_of(stage.spec.parents.begin(), stage.spec.parents.end(),
                     [&](int p) { return job.stages[static_cast<std::size_t>(p)].available(); });
}

// A shuffle stage's output is needed while a stage reading it is unfinished.
bool DagScheduler::needed(const JobState& job, const StageState& stage) const {
  if (!stage.spec.writes_shuffle()) return true;
  for (int child : job.spec.children(stage.spec.index)) {
    if (!job.stages[static_cast<std::size_t>(child)].available()) return true;
  }
  return false;
}

bool DagScheduler::owned(const StageState& stage, JobId job_id, std::uint32_t partition) const {
  for (const TaskSet& set : stage.sets) {
    for (const Pending& p : set.pending) {
      if (p.partition == partition) return true;
    }
  }
  return !running_for(job_id, static_cast<std::uint32_t>(stage.spec.index), partition).empty();
}

// §5.1: "Whenever a user runs an action ... the scheduler examines that RDD's lineage
// graph to build a DAG of stages to execute"; a stage runs once its parents' outputs
// are all there, and stops (its task set a zombie) when they are not or it is done.
void DagScheduler::advance(Time now) {
  for (JobState& job : jobs_) {
    if (job.status != JobStatus::running) continue;
    for (StageState& stage : job.stages) advance_stage(job, stage, now);
    if (job.stages.back().available()) end_job(job, JobStatus::succeeded, now);
  }
}

void DagScheduler::advance_stage(JobState& job, StageState& stage, Time now) {
  const bool parents = parents_available(job, stage);
  if (stage.active >= 0 && (stage.available() || !parents || !needed(job, stage))) {
    TaskSet& set = stage.sets[static_cast<std::size_t>(stage.active)];
    set.zombie = true;
    set.pending.clear();  // its missing partitions go to the stage's next attempt
    stage.active = -1;
  }
  if (stage.active < 0 && parents && !stage.available() && needed(job, stage)) {
    new_task_set(job, stage, now);
    return;
  }
  if (stage.active < 0) return;
  FAULTLINE_ASSERT(!stage.sets[static_cast<std::size_t>(stage.active)].zombie,
                   "a stage's active task set is never a zombie");
  // An output lost while the stage runs (a fetch failure, a lost executor) is missing
  // again: the active attempt takes it unless another task set owns it.
  TaskSet& set = stage.sets[static_cast<std::size_t>(stage.active)];
  for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(stage.spec.partitions); ++p) {
    if (stage.complete(p) || owned(stage, job.spec.id, p)) continue;
    set.pending.push_back({p, now});
    ++set.tasks;
  }
}

// The new attempt takes every partition that is neither complete nor owned by another
// task set (pending there, or running in any set, zombies included).
void DagScheduler::new_task_set(const JobState& job, StageState& stage, Time now) {
  TaskSet set{.number = static_cast<int>(stage.sets.size())};
  for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(stage.spec.partitions); ++p) {
    if (stage.complete(p) || owned(stage, job.spec.id, p)) continue;
    set.pending.push_back({p, now});
  }
  set.tasks = static_cast<std::uint32_t>(set.pending.size());
  if (set.number > 0) ++stats_.stage_resubmissions;
  ++stats_.task_sets;
  stage.sets.push_back(std::move(set));
  stage.active = static_cast<int>(stage.sets.size()) - 1;
}

std::vector<DagScheduler::Runnable> DagScheduler::runnable() const {
  std::vector<Runnable> out;
  for (const JobState& job : jobs_) {
    if (job.status != JobStatus::running) continue;
    for (const StageState& stage : job.stages) {
      if (stage.active < 0) continue;
      out.push_back({job.spec.id, static_cast<std::uint32_t>(stage.spec.index), stage.active});
    }
  }
  return out;
}

std::vector<FetchSource> DagScheduler::sources(JobId job_id, std::uint32_t stage,
                                               std::uint32_t partition) const {
  (void)partition;  // every map output holds a block for every reduce partition
  const JobState& j = job(job_id);
  std::vector<FetchSource> out;
  for (int parent : j.stages[stage].spec.parents) {
    const StageState& ps = j.stages[static_cast<std::size_t>(parent)];
    for (std::size_t m = 0; m < ps.outputs.size(); ++m) {
      FAULTLINE_ASSERT(!ps.outputs[m].empty(),
                       "a task launches only when its parents are available");
      for (const MapLocation& loc : ps.outputs[m]) {
        out.push_back({static_cast<std::uint32_t>(parent), static_cast<std::uint32_t>(m),
                       loc.executor, loc.generation});
      }
    }
  }
  return out;
}

const Attempt& DagScheduler::launch(const Runnable& r, std::uint32_t partition,
                                    std::uint32_t executor, Generation generation, AttemptId id,
                                    Time now, bool speculative) {
  FAULTLINE_ASSERT(running_.count(id) == 0, "attempt ids are unique");
  StageState& stage = job(r.job).stages[r.stage];
  FAULTLINE_ASSERT(!stage.complete(partition), "a complete partition is not launched again");
  if (!speculative) {
    std::vector<Pending>& pending = stage.sets[static_cast<std::size_t>(r.set)].pending;
    const auto it = std::find_if(pending.begin(), pending.end(),
                                 [&](const Pending& p) { return p.partition == partition; });
    FAULTLINE_ASSERT(it != pending.end(), "a launched task was pending in its task set");
    pending.erase(it);
  }
  const Attempt a{id, r.job, r.stage, partition, r.set, executor, generation, now, speculative};
  return running_.emplace(id, a).first->second;
}

std::vector<AttemptId> DagScheduler::running_for(JobId job_id, std::uint32_t stage,
                                                 std::uint32_t partition) const {
  std::vector<AttemptId> out;
  for (const auto& [id, a] : running_) {
    if (a.job == job_id && a.stage == stage && a.partition == partition) out.push_back(id);
  }
  return out;
}

const Attempt* DagScheduler::attempt(AttemptId id) const {
  const auto it = running_.find(id);
  return it == running_.end() ? nullptr : &it->second;
}

// A task finished: register its map output (the first attempt wins) or mark its result
// partition done; stop its other attempts.
void DagScheduler::succeeded(AttemptId id, Time now) {
  const auto it = running_.find(id);
  FAULTLINE_ASSERT(it != running_.end(), "a success is reported for a running attempt");
  const Attempt a = it->second;
  running_.erase(it);
  JobState& j = job(a.job);
  StageState& stage = j.stages[a.stage];
  TaskSet& set = stage.sets[static_cast<std::size_t>(a.set)];
  const bool first = !stage.complete(a.partition);
  if (first) {
    set.durations.push_back(now - a.launched_at);
    ++set.succeeded;
    if (a.speculative) ++stats_.speculative_wins;
  } else {
    ++stats_.duplicate_successes;
  }
  if (stage.spec.writes_shuffle()) {
    // Planted bug `no-speculation-dedup`: the later attempt's output is registered too.
    if (first || bugs_.no_speculation_dedup) {
      if (first && stage.ever_output[a.partition]) ++stats_.map_outputs_recomputed;
      stage.outputs[a.partition].push_back({a.executor, a.generation, a.id});
      stage.ever_output[a.partition] = true;
    }
  } else {
    stage.done[a.partition] = true;
  }
  if (j.status == JobStatus::running) {
    for (AttemptId other : running_for(a.job, a.stage, a.partition)) kills_.push_back(other);
  }
  advance(now);
}

void DagScheduler::failed(AttemptId id, Time now, bool counted, const std::string& why) {
  const auto it = running_.find(id);
  FAULTLINE_ASSERT(it != running_.end(), "a failure is reported for a running attempt");
  const Attempt a = it->second;
  running_.erase(it);
  JobState& j = job(a.job);
  if (j.status != JobStatus::running) return;
  StageState& stage = j.stages[a.stage];
  if (counted) {
    ++stats_.counted_failures;
    if (++stage.failures[a.partition] >= max_task_failures_) {
      fail_job(j,
               "task " + std::to_string(a.stage) + "." + std::to_string(a.partition) + " failed " +
                   std::to_string(stage.failures[a.partition]) +
                   " times (max_task_failures): " + why,
               now);
      return;
    }
  }
  if (!stage.complete(a.partition) && running_for(a.job, a.stage, a.partition).empty()) {
    requeue(stage, a, now);
  }
  advance(now);
}

// A lost task goes back to the stage's active task set; with none active, it stays
// missing and the stage's next attempt takes it.
void DagScheduler::requeue(StageState& stage, const Attempt& a, Time now) {
  FAULTLINE_ASSERT(!stage.complete(a.partition), "only a missing partition is re-queued");
  TaskSet& own = stage.sets[static_cast<std::size_t>(a.set)];
  // Planted bug `zombie-task-set`: back into the attempt's own task set, zombie or not.
  TaskSet* into = bugs_.zombie_task_set ? &own
                  : stage.active >= 0   ? &stage.sets[static_cast<std::size_t>(stage.active)]
                                        : nullptr;
  if (own.zombie) ++stats_.requeued_from_zombie;
  if (into == nullptr) return;
  for (const Pending& p : into->pending) {
    if (p.partition == a.partition) return;
  }
  into->pending.push_back({a.partition, now});
  ++stats_.requeued;
}

void DagScheduler::unregister(StageState& stage, std::uint32_t partition, std::uint32_t executor,
                              Generation generation) {
  FAULTLINE_ASSERT(partition < stage.outputs.size(), "an output is unregistered by its partition");
  std::vector<MapLocation>& locs = stage.outputs[partition];
  const auto gone = [&](const MapLocation& l) {
    return l.executor == executor && l.generation == generation;
  };
  const auto n = static_cast<std::uint64_t>(std::count_if(locs.begin(), locs.end(), gone));
  locs.erase(std::remove_if(locs.begin(), locs.end(), gone), locs.end());
  stats_.outputs_unregistered += n;
}

// §5.2: a reducer could not fetch a block: that map output is lost; its stage runs again
// for it (advance resubmits it, and the reducer's stage waits for it).
void DagScheduler::fetch_failed(AttemptId id, const FetchSource& source, Time now) {
  const auto it = running_.find(id);
  FAULTLINE_ASSERT(it != running_.end(), "a fetch failure is reported for a running attempt");
  ++stats_.fetch_failures;
  // Planted bug `fetch-failure-ignored`: an ordinary failure, the output stays registered.
  if (bugs_.fetch_failure_ignored) {
    failed(id, now, true, "fetch failed");
    return;
  }
  JobState& j = job(it->second.job);
  FAULTLINE_ASSERT(source.stage < j.stages.size() && j.stages[source.stage].spec.writes_shuffle(),
                   "a fetch failure names a shuffle-writing stage");
  StageState& parent = j.stages[source.stage];
  if (source.map_partition < parent.outputs.size()) {
    unregister(parent, source.map_partition, source.executor, source.generation);
  }
  failed(id, now, false, "fetch failed");
}

// §5.2: a lost executor's running tasks run again elsewhere, and the map outputs it held
// are gone: their stages run again for them before any reducer needs them.
void DagScheduler::executor_lost(std::uint32_t executor, Generation generation, Time now) {
  if (!bugs_.keep_lost_map_outputs) {
    for (JobState& j : jobs_) {
      if (j.status != JobStatus::running) continue;
      for (StageState& s : j.stages) {
        for (std::uint32_t p = 0; p < s.outputs.size(); ++p) {
          unregister(s, p, executor, generation);
        }
      }
    }
  }
  std::vector<AttemptId> lost;
  for (const auto& [id, a] : running_) {
    if (a.executor == executor && a.generation == generation) lost.push_back(id);
  }
  for (AttemptId id : lost) {
    if (running_.count(id) != 0) failed(id, now, false, "executor lost");
  }
  advance(now);
}

void DagScheduler::fail_job(JobState& j, const std::string& why, Time now) {
  j.reason = why;
  end_job(j, JobStatus::failed, now);
}

void DagScheduler::end_job(JobState& j, JobStatus status, Time now) {
  FAULTLINE_ASSERT(j.status == JobStatus::running && status != JobStatus::running,
                   "a job ends once");
  j.status = status;
  j.ended_at = now;
  for (StageState& s : j.stages) {
    for (TaskSet& set : s.sets) {
      set.zombie = true;
      set.pending.clear();
    }
    s.active = -1;
  }
  for (const auto& [id, a] : running_) {
    if (a.job == j.spec.id) kills_.push_back(id);
  }
  ended_.push_back(j.spec.id);
}

std::vector<AttemptId> DagScheduler::take_kills() {
  std::vector<AttemptId> out;
  out.swap(kills_);
  return out;
}

std::vector<JobId> DagScheduler::take_ended() {
  std::vector<JobId> out;
  out.swap(ended_);
  return out;
}

std::uint64_t DagScheduler::fingerprint() const {
  std::uint64_t h = 0;
  for (const JobState& j : jobs_) {
    h = mix(mix(h, j.spec.id), static_cast<std::uint64_t>(j.status));
    for (const StageState& s : j.stages) {
      h = mix(h, static_cast<std::uint64_t>(s.active + 1));
      for (const auto& locs : s.outputs) {
        for (const MapLocation& l : locs) h = mix(mix(h, l.executor), l.generation);
        h = mix(h, 0xff);
      }
      for (bool d : s.done) h = mix(h, d ? 1 : 2);
      for (int f : s.failures) h = mix(h, static_cast<std::uint64_t>(f));
      for (const TaskSet& set : s.sets) {
        h = mix(h, set.zombie ? 3 : 4);
        for (const Pending& p : set.pending) h = mix(h, p.partition);
      }
    }
  }
  for (const auto& [id, a] : running_) {
    h = mix(mix(mix(mix(h, a.job), a.stage), a.partition), a.executor);
    h = mix(mix(h, a.generation), static_cast<std::uint64_t>(a.set));
  }
  return h;
}

}  // namespace faultline::scheduler
