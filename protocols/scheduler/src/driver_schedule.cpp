// The driver's task scheduler: placing pending tasks into free executor slots with
// locality (and a wait for it), speculative copies of slow tasks, and the driver's
// annotations.
#include <algorithm>

#include "scheduler/driver_node.hpp"

namespace faultline::scheduler {
using sim::Payload;

int DriverNode::free_slots(std::uint32_t e) const {
  if (!executors_[e].alive) return 0;
  int used = 0;
  for (const auto& [id, a] : dag_.running()) {
    if (a.executor == e && a.generation == executors_[e].generation) ++used;
  }
  return params_.slots - used;
}

// Delay scheduling (Zaharia et al., EuroSys 2010; Spark's spark.locality.wait): a map
// task waits up to locality_wait for a slot on the executor holding its input, then
// takes any free slot and reads its input remotely. Speculative copies and tasks without
// a preference take the executor with the most free slots.
int DriverNode::choose_executor(const DagScheduler::Runnable& r, const Pending& p, Time now,
                                bool speculative, bool& remote) const {
  const StageSpec& spec = dag_.job(r.job).spec.stages[r.stage];
  const auto n = static_cast<std::uint32_t>(executors_.size());
  const std::vector<AttemptId> running = dag_.running_for(r.job, r.stage, p.partition);
  const auto runs_there = [&](std::uint32_t e) {
    return std::any_of(running.begin(), running.end(),
                       [&](AttemptId id) { return dag_.attempt(id)->executor == e; });
  };
  remote = false;
  if (spec.kind == StageKind::input_map && !speculative) {
    const std::uint32_t preferred = (p.partition + static_cast<std::uint32_t>(spec.dataset)) % n;
    if (free_slots(preferred) > 0 && !runs_there(preferred)) return static_cast<int>(preferred);
    if (now < p.since + params_.locality_wait_ns) return -1;
    remote = true;
  }
  int best = -1;
  int best_free = 0;
  for (std::uint32_t e = 0; e < n; ++e) {
    const int free = free_slots(e);
    if (free > best_free && !runs_there(e)) {
      best = static_cast<int>(e);
      best_free = free;
    }
  }
  if (best >= 0 && spec.kind == StageKind::input_map && speculative) remote = true;
  return best;
}

void DriverNode::schedule(Time now) {
  for (const DagScheduler::Runnable& r : dag_.runnable()) {
    const std::vector<Pending> pending = dag_.task_set(r).pending;  // launch() edits it
    for (const Pending& p : pending) {
      bool remote = false;
      const int e = choose_executor(r, p, now, false, remote);
      if (e >= 0) launch(r, p.partition, static_cast<std::uint32_t>(e), false, remote, now);
    }
  }
  // Speculative copies, after every pending task had its chance.
  for (auto it = speculatable_.begin(); it != speculatable_.end();) {
    const auto [job, stage] = it->first;
    const std::uint32_t partition = it->second;
    const JobState& j = dag_.job(job);
    const StageState& s = j.stages[stage];
    if (j.status != JobStatus::running || s.complete(partition) || s.active < 0 ||
        dag_.running_for(job, stage, partition).size() != 1) {
      it = speculatable_.erase(it);
      continue;
    }
    const DagScheduler::Runnable r{job, stage, s.active};
    bool remote = false;
    const int e = choose_executor(r, Pending{partition, now}, now, true, remote);
    if (e < 0) break;  // no free slot anywhere
    launch(r, partition, static_cast<std::uint32_t>(e), true, remote, now);
    it = speculatable_.erase(it);
  }
}

void DriverNode::launch(const DagScheduler::Runnable& r, std::uint32_t partition, std::uint32_t e,
                        bool speculative, bool remote, Time now) {
  FAULTLINE_ASSERT(free_slots(e) > 0, "a task is launched into a free slot");
  const ExecutorView& view = executors_[e];
  FAULTLINE_ASSERT(view.alive && view.generation > 0, "a task goes to a live registration");
  const AttemptId id = next_attempt_++;
  const Attempt& a = dag_.launch(r, partition, e, view.generation, id, now, speculative);
  LaunchTask m{.attempt = id,
               .job = r.job,
               .stage = r.stage,
               .partition = partition,
               .generation = view.generation,
               .incarnation = view.incarnation,
               .speculative = speculative,
               .remote = remote,
               .sources = dag_.sources(r.job, r.stage, partition)};
  ++stats_.launches;
  if (speculative) ++stats_.speculative_launches;
  if (remote) ++stats_.remote_launches;
  if (observer_ != nullptr) observer_->on_launch(*this, a, m);
  launches_[id] = m;
  send(e, Payload(std::move(m)));
}

// Spark's checkSpeculatableTasks: once a quantile of a task set has finished, a task
// running longer than multiplier x the median successful duration gets a copy.
void DriverNode::speculate(Time now) {
  for (const DagScheduler::Runnable& r : dag_.runnable()) {
    const StageState& s = dag_.job(r.job).stages[r.stage];
    const TaskSet& set = s.sets[static_cast<std::size_t>(r.set)];
    if (set.durations.empty() ||
        set.succeeded * 100 < static_cast<std::uint32_t>(params_.speculation_quantile_pct) *
                                  std::max<std::uint32_t>(set.tasks, 1)) {
      continue;
    }
    std::vector<Duration> d = set.durations;
    std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
    const Duration median = d[d.size() / 2];
    const Duration threshold =
        std::max(median * params_.speculation_multiplier_pct / 100, params_.speculation_min_ns);
    for (const auto& [id, a] : dag_.running()) {
      if (a.job != r.job || a.stage != r.stage || a.speculative) continue;
      if (now - a.launched_at <= threshold || s.complete(a.partition)) continue;
      if (dag_.running_for(a.job, a.stage, a.partition).size() != 1) continue;
      speculatable_.insert({{a.job, a.stage}, a.partition});
    }
  }
}

std::uint64_t DriverNode::fingerprint() const {
  std::uint64_t h = mix(dag_.fingerprint(), commits_.fingerprint());
  for (const ExecutorView& e : executors_) {
    h = mix(mix(mix(h, e.alive ? 1 : 2), e.incarnation), e.generation);
  }
  for (const auto& [key, partition] : speculatable_) {
    h = mix(mix(mix(h, key.first), key.second), partition);
  }
  return mix(h, next_job_);
}

std::string DriverNode::describe_jobs() const {
  std::string out;
  for (const JobState& j : dag_.jobs()) {
    out += (out.empty() ? "j" : "; j") + std::to_string(j.spec.id) + " " +
           std::string(job_status_name(j.status));
    if (j.status != JobStatus::running) continue;
    for (const StageState& s : j.stages) {
      std::uint32_t complete = 0;
      for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(s.spec.partitions); ++p) {
        complete += s.complete(p) ? 1 : 0;
      }
      out += " s" + std::to_string(s.spec.index) + "=" + std::to_string(complete) + "/" +
             std::to_string(s.spec.partitions);
      if (s.active >= 0) out += " #" + std::to_string(s.active) + " running";
    }
  }
  return out;
}

std::string DriverNode::describe_executors() const {
  std::string out;
  for (std::uint32_t e = 0; e < executors_.size(); ++e) {
    const ExecutorView& v = executors_[e];
    out += (e == 0 ? "e" : "; e") + std::to_string(e) + (v.alive ? " alive" : " lost") + " g" +
           std::to_string(v.generation) + " tasks " +
           std::to_string(v.alive ? params_.slots - free_slots(e) : 0);
  }
  return out;
}

std::string DriverNode::describe_shuffle() const {
  std::string out;
  for (const JobState& j : dag_.jobs()) {
    if (j.status != JobStatus::running) continue;
    for (const StageState& s : j.stages) {
      if (!s.spec.writes_shuffle()) continue;
      out += (out.empty() ? "j" : "; j") + std::to_string(j.spec.id) + ".s" +
             std::to_string(s.spec.index) + ":";
      for (const auto& locs : s.outputs) {
        out += locs.empty() ? " -" : "";
        for (const MapLocation& l : locs) out += " e" + std::to_string(l.executor);
      }
    }
  }
  return out;
}

std::string DriverNode::describe_commits() const {
  std::string out;
  for (const JobState& j : dag_.jobs()) {
    if (j.status != JobStatus::running) continue;
    out += (out.empty() ? "j" : "; j") + std::to_string(j.spec.id) + ":";
    for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(j.spec.reduce_partitions); ++p) {
      const AttemptId a = commits_.authorized(j.spec.id, p);
      out += " p" + std::to_string(p) + "=" + (a == 0 ? "-" : "a" + std::to_string(a)) +
             (commits_.committed(j.spec.id, p) ? " committed" : "");
    }
  }
  return out;
}

}  // namespace faultline::scheduler
