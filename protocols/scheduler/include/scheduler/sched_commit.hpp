#pragma once
// Output commit coordination (Spark's OutputCommitCoordinator) and the job's output
// directory it guards.
//
// A result task's attempt asks the driver for permission to commit its output partition;
// the coordinator grants it to one attempt per (job, partition) and denies the others.
// The output directory accepts a partition's file only from the attempt holding the
// permission, so a late or duplicated write from any other attempt changes nothing.
// When an attempt fails, its permission is released only if its output was never
// written: a committed partition stays committed — across the failure of the attempt
// that committed it to report (its executor lost between the commit and the status
// update) — and that task counts as done.
//
// Invariants: at most one authorized attempt per partition; `committed` implies
// `authorized == committed`; the directory holds at most one file per partition (the
// checker's "exactly-once commit" reads it). Planted bugs switch these off:
//   no-commit-coordination     every attempt is granted and every write accepted
//   release-commit-on-failure  a failed attempt's permission is released even after it
//                              committed, and its task runs again
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "scheduler/sched_job.hpp"
#include "scheduler/sched_messages.hpp"

namespace faultline::scheduler {

struct CommitBugs {
  bool no_commit_coordination = false;
  bool release_commit_on_failure = false;
};

// One committed file of a job's output directory.
struct CommittedFile {
  std::uint32_t partition = 0;
  AttemptId attempt = 0;
  Records records = {};
};

class CommitCoordinator {
 public:
  explicit CommitCoordinator(CommitBugs bugs = {}) : bugs_(bugs) {}

  // canCommit: the first attempt to ask holds the permission until it fails uncommitted.
  CommitDecision ask(JobId job, std::uint32_t partition, AttemptId attempt);
  // The output directory receives `attempt`'s file: true if it was written (now or by an
  // earlier copy of the same message).
  bool write(JobId job, std::uint32_t partition, AttemptId attempt, Records records);

  enum class OnFailure : std::uint8_t {
    none,       // the attempt held no permission
    released,   // it held the permission, never committed: another attempt may now
    committed,  // it had committed: the partition is done, whatever its status said
  };
  OnFailure attempt_failed(JobId job, std::uint32_t partition, AttemptId attempt);

  bool committed(JobId job, std::uint32_t partition) const;
  AttemptId authorized(JobId job, std::uint32_t partition) const;
  // The job's output directory: every file written, in the order written.
  const std::vector<CommittedFile>& files(JobId job) const;
  std::uint64_t fingerprint() const;
  std::uint64_t denials() const { return denials_; }

 private:
  struct Slot {
    AttemptId authorized = 0;
    AttemptId committed = 0;
  };
  using SlotKey = std::pair<JobId, std::uint32_t>;
  CommitBugs bugs_;
  std::map<SlotKey, Slot> slots_;
  std::map<JobId, std::vector<CommittedFile>> files_;
  std::uint64_t denials_ = 0;
};

}  // namespace faultline::scheduler
