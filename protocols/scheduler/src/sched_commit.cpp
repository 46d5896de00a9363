#include "scheduler/sched_commit.hpp"

#include <algorithm>

#include "sim/assert.hpp"

namespace faultline::scheduler {

CommitDecision CommitCoordinator::ask(JobId job, std::uint32_t partition, AttemptId attempt) {
  FAULTLINE_ASSERT(attempt != 0, "an attempt asking to commit has an id");
  if (bugs_.no_commit_coordination) return CommitDecision::granted;
  Slot& slot = slots_[{job, partition}];
  if (slot.committed != 0) {
    ++denials_;
    return slot.committed == attempt ? CommitDecision::granted : CommitDecision::already_committed;
  }
  if (slot.authorized == 0) slot.authorized = attempt;
  if (slot.authorized == attempt) return CommitDecision::granted;
  ++denials_;
  return CommitDecision::denied;
}

bool CommitCoordinator::write(JobId job, std::uint32_t partition, AttemptId attempt,
                              Records records) {
  std::vector<CommittedFile>& dir = files_[job];
  const auto same = [&](const CommittedFile& f) {
    return f.partition == partition && f.attempt == attempt;
  };
  // A file is named by its partition and attempt: a duplicated write rewrites it.
  if (std::any_of(dir.begin(), dir.end(), same)) return true;
  Slot& slot = slots_[{job, partition}];
  if (!bugs_.no_commit_coordination) {
    if (slot.authorized != attempt) return false;  // a late write of a released attempt
    FAULTLINE_ASSERT(slot.committed == 0, "a partition is committed once (its file exists)");
  }
  slot.committed = attempt;
  dir.push_back({partition, attempt, std::move(records)});
  return true;
}

CommitCoordinator::OnFailure CommitCoordinator::attempt_failed(JobId job, std::uint32_t partition,
                                                               AttemptId attempt) {
  const auto it = slots_.find({job, partition});
  if (it == slots_.end()) return OnFailure::none;
  Slot& slot = it->second;
  if (slot.committed == attempt && !bugs_.release_commit_on_failure) {
    FAULTLINE_ASSERT(bugs_.no_commit_coordination || slot.authorized == attempt,
                     "the committed attempt holds the permission");
    return OnFailure::committed;
  }
  if (slot.authorized != attempt && slot.committed != attempt) return OnFailure::none;
  // Planted bug `release-commit-on-failure`: even a committed partition is freed.
  slot.authorized = 0;
  if (slot.committed == attempt) slot.committed = 0;
  return OnFailure::released;
}

bool CommitCoordinator::committed(JobId job, std::uint32_t partition) const {
  const auto it = slots_.find({job, partition});
  return it != slots_.end() && it->second.committed != 0;
}

AttemptId CommitCoordinator::authorized(JobId job, std::uint32_t partition) const {
  const auto it = slots_.find({job, partition});
  return it == slots_.end() ? 0 : it->second.authorized;
}

const std::vector<CommittedFile>& CommitCoordinator::files(JobId job) const {
  static const std::vector<CommittedFile> none;
  const auto it = files_.find(job);
  return it == files_.end() ? none : it->second;
}

std::uint64_t CommitCoordinator::fingerprint() const {
  std::uint64_t h = 0;
  for (const auto& [key, slot] : slots_) {
    h = mix(mix(mix(mix(h, key.first), key.second), slot.authorized), slot.committed);
  }
  for (const auto& [job, dir] : files_) {
    for (const CommittedFile& f : dir) h = mix(mix(mix(h, job), f.partition), f.attempt);
  }
  return h;
}

}  // namespace faultline::scheduler
