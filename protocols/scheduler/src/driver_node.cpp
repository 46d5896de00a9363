// The driver's handlers: executor registration and loss, task status, commit
// coordination. Task placement and speculation are in driver_schedule.cpp.
#include <algorithm>

#include "scheduler/driver_node.hpp"

namespace faultline::scheduler {
using sim::Envelope;
using sim::NodeId;
using sim::Payload;

DriverNode::DriverNode(DriverParams params, DriverObserver* observer)
    : params_(std::move(params)),
      observer_(observer),
      dag_(params_.dag_bugs, params_.max_task_failures),
      commits_(params_.commit_bugs),
      executors_(params_.executors.size()) {
  FAULTLINE_ASSERT(!params_.executors.empty() && params_.slots > 0,
                   "a driver has executors with slots");
}

void DriverNode::start(Time now) {
  started_at_ = now;
  next_liveness_check_ = now + params_.heartbeat_interval_ns;
  next_speculation_ = now + params_.speculation_interval_ns;
  tick(now);
}

int DriverNode::index_of(NodeId node) const {
  const auto it = std::find(params_.executors.begin(), params_.executors.end(), node);
  return it == params_.executors.end() ? -1 : static_cast<int>(it - params_.executors.begin());
}

void DriverNode::send(std::uint32_t executor, Payload message) {
  outbox_.push_back({params_.executors[executor], std::move(message)});
}

bool DriverNode::live(std::uint32_t executor, Generation generation) const {
  return executor < executors_.size() && executors_[executor].alive &&
         executors_[executor].generation == generation;
}

std::string_view DriverNode::step(Time now, const Envelope& m) {
  std::string_view ignored;
  if (const auto* hb = m.get<Heartbeat>()) {
    ignored = on_heartbeat(now, m.from, *hb);
  } else if (const auto* su = m.get<StatusUpdate>()) {
    ignored = on_status(now, m.from, *su);
  } else if (const auto* ask = m.get<AskCommit>()) {
    ignored = on_ask_commit(m.from, *ask);
  } else if (const auto* out = m.get<CommitOutput>()) {
    ignored = on_commit_output(m.from, *out);
  } else {
    return "not a driver message";
  }
  after_change(now);
  return ignored;
}

// Spark's HeartbeatReceiver and executor registration. A heartbeat from a new
// incarnation, or from an executor declared lost, registers it under a new generation:
// whatever it held before is gone (Welcome makes it drop it).
std::string_view DriverNode::on_heartbeat(Time now, NodeId from, const Heartbeat& m) {
  const int index = index_of(from);
  if (index < 0 || static_cast<std::uint32_t>(index) != m.executor) return "not an executor";
  const auto e = static_cast<std::uint32_t>(index);
  ExecutorView& view = executors_[e];
  if (view.registered && m.incarnation < view.incarnation) return "from an older incarnation";
  if (!view.registered || m.incarnation > view.incarnation || !view.alive) {
    if (view.alive) lose(e, now);  // restarted before its heartbeats timed out
    admit(e, m.incarnation, now);
    return {};
  }
  if (m.generation != view.generation) {
    // It has not heard its Welcome yet (or this heartbeat is older than it).
    send(e, Payload(Welcome{view.generation}));
    return m.generation < view.generation ? "generation not yet adopted" : "unknown generation";
  }
  view.last_heard = now;
  resend_missing(e, m, now);
  return {};
}

void DriverNode::admit(std::uint32_t e, std::uint64_t incarnation, Time now) {
  ExecutorView& view = executors_[e];
  FAULTLINE_ASSERT(!view.alive, "an executor is admitted only when not alive");
  view.alive = true;
  view.registered = true;
  view.incarnation = incarnation;
  view.generation = next_generation_++;
  view.last_heard = now;
  ++stats_.registrations;
  send(e, Payload(Welcome{view.generation}));
}

// §5.2 (RDD paper), Spark's removeExecutor: the executor's tasks run again elsewhere;
// its map outputs are unregistered so their stages recompute them. An attempt that had
// already committed its output is done, though it could not report it.
void DriverNode::lose(std::uint32_t e, Time now) {
  ExecutorView& view = executors_[e];
  FAULTLINE_ASSERT(view.alive, "only a live executor is lost");
  view.alive = false;
  ++stats_.executors_lost;
  std::vector<Attempt> on_it;
  for (const auto& [id, a] : dag_.running()) {
    if (a.executor == e && a.generation == view.generation) on_it.push_back(a);
  }
  for (const Attempt& a : on_it) {
    const StageSpec& spec = dag_.job(a.job).spec.stages[a.stage];
    if (spec.kind != StageKind::result || dag_.attempt(a.id) == nullptr) continue;
    if (commits_.attempt_failed(a.job, a.partition, a.id) ==
        CommitCoordinator::OnFailure::committed) {
      ++stats_.committed_then_lost;
      dag_.succeeded(a.id, now);
    }
  }
  dag_.executor_lost(e, view.generation, now);
}

void DriverNode::resend_missing(std::uint32_t e, const Heartbeat& m, Time now) {
  for (const auto& [id, a] : dag_.running()) {
    if (a.executor != e || a.generation != m.generation) continue;
    if (now - a.launched_at < params_.heartbeat_interval_ns) continue;  // may be in flight
    if (std::find(m.held.begin(), m.held.end(), id) != m.held.end()) continue;
    const auto it = launches_.find(id);
    if (it == launches_.end()) continue;
    ++stats_.launches_resent;
    send(e, Payload(it->second));
  }
}

std::string_view DriverNode::on_status(Time now, NodeId from, const StatusUpdate& m) {
  outbox_.push_back({from, Payload(StatusAck{m.attempt})});
  const Attempt* a = dag_.attempt(m.attempt);
  if (a == nullptr) {
    ++stats_.stale_statuses;
    return "attempt no longer running";
  }
  if (a->executor != m.executor || a->generation != m.generation) {
    // Spark's "possibly bogus" completion: from a registration already declared lost.
    ++stats_.stale_statuses;
    return "from a lost executor generation";
  }
  end_attempt(*a, m.state, m.failed_fetch, now);
  return {};
}

void DriverNode::end_attempt(const Attempt& attempt, TaskState state,
                             const FetchSource& failed_fetch, Time now) {
  const Attempt a = attempt;  // the DAG scheduler erases the original
  const bool result = dag_.job(a.job).spec.stages[a.stage].kind == StageKind::result;
  if (state == TaskState::finished) {
    FAULTLINE_ASSERT(!result || params_.commit_bugs.no_commit_coordination ||
                         params_.commit_bugs.release_commit_on_failure ||
                         commits_.committed(a.job, a.partition),
                     "a result task finishes only after its output is committed");
    dag_.succeeded(a.id, now);
    return;
  }
  if (result && commits_.attempt_failed(a.job, a.partition, a.id) ==
                    CommitCoordinator::OnFailure::committed) {
    ++stats_.committed_then_lost;
    dag_.succeeded(a.id, now);
    return;
  }
  switch (state) {
    case TaskState::failed:
      dag_.failed(a.id, now, true, "poison record in its input");
      return;
    case TaskState::fetch_failed:
      dag_.fetch_failed(a.id, failed_fetch, now);
      return;
    default:
      dag_.failed(a.id, now, false, std::string(task_state_name(state)));
      return;
  }
}

// OutputCommitCoordinator.canCommit: only attempts the driver still runs may commit.
std::string_view DriverNode::on_ask_commit(NodeId from, const AskCommit& m) {
  const Attempt* a = dag_.attempt(m.attempt);
  CommitDecision decision = CommitDecision::denied;
  if (params_.commit_bugs.no_commit_coordination || a != nullptr) {
    decision = commits_.ask(m.job, m.partition, m.attempt);
  }
  outbox_.push_back({from, Payload(CommitAnswer{m.attempt, decision})});
  return {};
}

std::string_view DriverNode::on_commit_output(NodeId from, const CommitOutput& m) {
  const std::size_t before = commits_.files(m.job).size();
  const bool accepted = commits_.write(m.job, m.partition, m.attempt, m.records);
  outbox_.push_back({from, Payload(CommitAck{m.attempt, accepted})});
  if (!accepted) {
    ++stats_.writes_refused;
    return "the attempt does not hold the permission to commit";
  }
  if (commits_.files(m.job).size() > before) {
    ++stats_.files_written;
    if (observer_ != nullptr) observer_->on_file(*this, m.job, commits_.files(m.job).back());
  }
  return {};
}

void DriverNode::tick(Time now) {
  while (next_job_ < params_.jobs.size() &&
         now >= started_at_ + static_cast<Time>(next_job_) * params_.job_interval_ns) {
    dag_.submit(params_.jobs[next_job_], now);
    ++next_job_;
  }
  if (now >= next_liveness_check_) {
    next_liveness_check_ = now + params_.heartbeat_interval_ns;
    for (std::uint32_t e = 0; e < executors_.size(); ++e) {
      if (executors_[e].alive && now - executors_[e].last_heard > params_.executor_timeout_ns) {
        lose(e, now);
      }
    }
  }
  if (now >= next_speculation_) {
    next_speculation_ = now + params_.speculation_interval_ns;
    if (params_.speculation) speculate(now);
  }
  after_change(now);
}

// After any change: stop copies of finished tasks, report ended jobs, place tasks.
void DriverNode::after_change(Time now) {
  for (AttemptId id : dag_.take_kills()) {
    if (const Attempt* a = dag_.attempt(id)) send(a->executor, Payload(KillTask{id}));
  }
  for (JobId job : dag_.take_ended()) {
    if (observer_ != nullptr) observer_->on_job_end(*this, dag_.job(job));
  }
  schedule(now);
  for (auto it = launches_.begin(); it != launches_.end();) {
    it = dag_.attempt(it->first) == nullptr ? launches_.erase(it) : std::next(it);
  }
}

Time DriverNode::next_deadline() const {
  Time t = std::min(next_liveness_check_, next_speculation_);
  if (next_job_ < params_.jobs.size()) {
    t = std::min(t, started_at_ + static_cast<Time>(next_job_) * params_.job_interval_ns);
  }
  return t;
}

std::string_view DriverNode::deadline_name() const {
  const Time t = next_deadline();
  if (next_job_ < params_.jobs.size() &&
      t == started_at_ + static_cast<Time>(next_job_) * params_.job_interval_ns) {
    return "job submission";
  }
  return t == next_liveness_check_ ? "executor timeout check" : "speculation check";
}

}  // namespace faultline::scheduler
