#pragma once
// The messages between the driver and its executors, and between executors (shuffle
// fetches). Spark's names where they exist: LaunchTask, KillTask, StatusUpdate,
// Heartbeat, the OutputCommitCoordinator's AskPermissionToCommit.
//
// Every request that matters is retried by its sender until answered (the network drops,
// duplicates and reorders), so every handler is idempotent: a duplicated LaunchTask starts
// nothing new, a duplicated StatusUpdate changes nothing, a duplicated CommitOutput writes
// no second file.
//
// Executors are named by their index in the group `executors` (e0..); an executor's
// *generation* is the driver's name for one registration of it (Spark's executor id):
// when the driver declares an executor lost, that generation is over, and whatever the
// executor held under it (running tasks, shuffle output) is gone for good.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/sched_job.hpp"
#include "sim/message.hpp"

namespace faultline::scheduler {

using Generation = std::uint64_t;  // 0: not registered

void describe_records(sim::Fields& f, const Records& records);

// Where a reduce task fetches one map output's block: Spark's MapStatus location.
struct FetchSource {
  std::uint32_t stage = 0;  // the parent (shuffle-writing) stage
  std::uint32_t map_partition = 0;
  std::uint32_t executor = 0;
  Generation generation = 0;
  friend bool operator==(const FetchSource&, const FetchSource&) = default;
};

// Executor -> driver, every heartbeat interval and at boot: alive, which registration,
// and which attempts it holds (the driver re-sends launches that never arrived).
struct Heartbeat {
  static constexpr std::string_view kName = "Heartbeat";
  std::uint32_t executor = 0;
  std::uint64_t incarnation = 0;  // restarts of the executor's process
  Generation generation = 0;
  std::vector<AttemptId> held = {};
  void describe(sim::Fields& f) const;
};

// Driver -> executor: your registration is `generation`; a new one wipes what you held.
struct Welcome {
  static constexpr std::string_view kName = "Welcome";
  Generation generation = 0;
  void describe(sim::Fields& f) const { f("generation", generation); }
};

struct LaunchTask {
  static constexpr std::string_view kName = "LaunchTask";
  AttemptId attempt = 0;
  JobId job = 0;
  std::uint32_t stage = 0;
  std::uint32_t partition = 0;
  Generation generation = 0;  // the executor registration it is meant for
  // The executor's life that registration belongs to: a restarted executor (generation 0
  // until its Welcome) cannot tell a delayed launch for its earlier life by generation.
  std::uint64_t incarnation = 0;
  bool speculative = false;
  bool remote = false;                    // input read from another executor (no locality)
  std::vector<FetchSource> sources = {};  // every parent block this task reads
  void describe(sim::Fields& f) const;
};

struct KillTask {
  static constexpr std::string_view kName = "KillTask";
  AttemptId attempt = 0;
  void describe(sim::Fields& f) const { f("attempt", attempt); }
};

enum class TaskState : std::uint8_t {
  finished,       // done; a result task has committed its output
  failed,         // the task itself failed (a poison record); counts toward max_task_failures
  lost,           // the executor could not run it (its disk refused the write); not counted
  fetch_failed,   // a parent block could not be fetched: `failed_fetch` names it
  killed,         // a KillTask stopped it
  commit_denied,  // another attempt holds (or used) the permission to commit
};
std::string_view task_state_name(TaskState state);

struct StatusUpdate {
  static constexpr std::string_view kName = "StatusUpdate";
  AttemptId attempt = 0;
  std::uint32_t executor = 0;
  Generation generation = 0;
  TaskState state = TaskState::finished;
  FetchSource failed_fetch = {};
  void describe(sim::Fields& f) const;
};

struct StatusAck {
  static constexpr std::string_view kName = "StatusAck";
  static constexpr bool kHashBytes = true;
  AttemptId attempt = 0;
  void describe(sim::Fields& f) const { f("attempt", attempt); }
};

// Reducer executor -> the executor holding a map output.
struct FetchRequest {
  static constexpr std::string_view kName = "FetchRequest";
  AttemptId attempt = 0;  // the reduce attempt asking
  JobId job = 0;
  FetchSource source = {};
  std::uint32_t reduce_partition = 0;
  void describe(sim::Fields& f) const;
};

enum class FetchStatus : std::uint8_t { ok, missing, corrupt };
std::string_view fetch_status_name(FetchStatus status);

struct FetchReply {
  static constexpr std::string_view kName = "FetchReply";
  AttemptId attempt = 0;
  FetchSource source = {};
  FetchStatus status = FetchStatus::ok;
  Records records = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const {
    return static_cast<std::uint32_t>(64 + records.size() * sizeof(Record));
  }
};

// Result attempt -> driver: may I commit my output partition? (Spark's
// OutputCommitCoordinator.canCommit.)
struct AskCommit {
  static constexpr std::string_view kName = "AskCommit";
  AttemptId attempt = 0;
  JobId job = 0;
  std::uint32_t partition = 0;
  void describe(sim::Fields& f) const { f("attempt", attempt)("job", job)("partition", partition); }
};

enum class CommitDecision : std::uint8_t { granted, denied, already_committed };
std::string_view commit_decision_name(CommitDecision decision);

struct CommitAnswer {
  static constexpr std::string_view kName = "CommitAnswer";
  AttemptId attempt = 0;
  CommitDecision decision = CommitDecision::denied;
  void describe(sim::Fields& f) const {
    f("attempt", attempt)("decision", commit_decision_name(decision));
  }
};

// Result attempt -> the job's output directory (kept by the driver): write my partition.
struct CommitOutput {
  static constexpr std::string_view kName = "CommitOutput";
  AttemptId attempt = 0;
  JobId job = 0;
  std::uint32_t partition = 0;
  Records records = {};
  void describe(sim::Fields& f) const;
  std::uint32_t size_bytes() const {
    return static_cast<std::uint32_t>(64 + records.size() * sizeof(Record));
  }
};

struct CommitAck {
  static constexpr std::string_view kName = "CommitAck";
  AttemptId attempt = 0;
  bool accepted = false;
  void describe(sim::Fields& f) const { f("attempt", attempt)("accepted", accepted); }
};

}  // namespace faultline::scheduler
