#include "scheduler/sched_messages.hpp"

namespace faultline::scheduler {

void describe_records(sim::Fields& f, const Records& records) {
  f("records", static_cast<std::uint64_t>(records.size()))("digest", digest(records));
}

namespace {
void describe_source(sim::Fields& f, std::string_view name, const FetchSource& s) {
  f.begin_object(name);
  f("stage", s.stage)("map", s.map_partition)("executor", s.executor)("generation", s.generation);
  f.end();
}
}  // namespace

void Heartbeat::describe(sim::Fields& f) const {
  f("executor", executor)("incarnation", incarnation)("generation", generation);
  f.begin_list("held");
  for (AttemptId a : held) f("", a);
  f.end();
}

void LaunchTask::describe(sim::Fields& f) const {
  f("attempt", attempt)("job", job)("stage", stage)("partition", partition)("generation",
                                                                            generation);
  f("incarnation", incarnation);
  if (speculative) f("speculative", true);
  if (remote) f("remote", true);
  f.begin_list("sources");
  for (const FetchSource& s : sources) describe_source(f, "", s);
  f.end();
}

std::string_view task_state_name(TaskState state) {
  switch (state) {
    case TaskState::finished:
      return "finished";
    case TaskState::failed:
      return "failed";
    case TaskState::lost:
      return "lost";
    case TaskState::fetch_failed:
      return "fetch_failed";
    case TaskState::killed:
      return "killed";
    case TaskState::commit_denied:
      return "commit_denied";
  }
  return "?";
}

void StatusUpdate::describe(sim::Fields& f) const {
  f("attempt", attempt)("executor", executor)("generation", generation)("state",
                                                                        task_state_name(state));
  if (state == TaskState::fetch_failed) describe_source(f, "failed_fetch", failed_fetch);
}

void FetchRequest::describe(sim::Fields& f) const {
  f("attempt", attempt)("job", job)("reduce", reduce_partition);
  describe_source(f, "source", source);
}

std::string_view fetch_status_name(FetchStatus status) {
  switch (status) {
    case FetchStatus::ok:
      return "ok";
    case FetchStatus::missing:
      return "missing";
    case FetchStatus::corrupt:
      return "corrupt";
  }
  return "?";
}

void FetchReply::describe(sim::Fields& f) const {
  f("attempt", attempt)("status", fetch_status_name(status));
  describe_source(f, "source", source);
  describe_records(f, records);
}

std::string_view commit_decision_name(CommitDecision decision) {
  switch (decision) {
    case CommitDecision::granted:
      return "granted";
    case CommitDecision::denied:
      return "denied";
    case CommitDecision::already_committed:
      return "already_committed";
  }
  return "?";
}

void CommitOutput::describe(sim::Fields& f) const {
  f("attempt", attempt)("job", job)("partition", partition);
  describe_records(f, records);
}

}  // namespace faultline::scheduler
