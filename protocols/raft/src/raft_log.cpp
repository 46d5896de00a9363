#include "raft/raft_log.hpp"

#include <algorithm>
#include <stdexcept>

namespace faultline::raft {

RaftLog::RaftLog(LogIndex snapshot_index, Term snapshot_term, std::vector<Entry> entries)
    : snapshot_index_(snapshot_index), snapshot_term_(snapshot_term), entries_(std::move(entries)) {
  unstable_from_ = last_index() + 1;
}

std::optional<Term> RaftLog::term_at(LogIndex index) const {
  if (index == snapshot_index_) return snapshot_term_;
  if (index < snapshot_index_ || index > last_index()) return std::nullopt;
  return at(index).term;
}

LogIndex RaftLog::first_index_of_term(LogIndex from, Term term) const {
  LogIndex index = std::min(from, last_index());
  while (index > first_index() && at(index - 1).term == term) --index;
  return index;
}

LogIndex RaftLog::last_index_of_term(Term term) const {
  for (LogIndex index = last_index(); index >= first_index() && index > 0; --index) {
    const Term t = at(index).term;
    if (t == term) return index;
    if (t < term) return 0;  // terms only grow along the log
  }
  return snapshot_term_ == term && snapshot_index_ > 0 ? snapshot_index_ : 0;
}

std::vector<Entry> RaftLog::slice(LogIndex from, std::size_t max) const {
  std::vector<Entry> out;
  if (from < first_index() || from > last_index()) return out;
  const LogIndex end = std::min<LogIndex>(last_index(), from + max - 1);
  out.reserve(end - from + 1);
  for (LogIndex i = from; i <= end; ++i) out.push_back(at(i));
  return out;
}

void RaftLog::append(Entry entry) {
  // Terms never decrease along a correct log; the Log Matching invariant, not an
  // assertion here, reports a planted bug that breaks it.
  entries_.push_back(std::move(entry));
}

void RaftLog::truncate_from(LogIndex index) {
  if (index <= snapshot_index_) throw std::logic_error("raft log: truncate into the snapshot");
  if (index > last_index()) return;
  entries_.resize(index - snapshot_index_ - 1);
  unstable_from_ = std::min(unstable_from_, index);
}

void RaftLog::compact_to(LogIndex index, Term term) {
  if (index <= snapshot_index_) return;
  const std::size_t drop = std::min<std::size_t>(index - snapshot_index_, entries_.size());
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  snapshot_index_ = index;
  snapshot_term_ = term;
  unstable_from_ = std::max(unstable_from_, index + 1);
}

void RaftLog::reset(LogIndex snapshot_index, Term snapshot_term) {
  entries_.clear();
  snapshot_index_ = snapshot_index;
  snapshot_term_ = snapshot_term;
  unstable_from_ = snapshot_index + 1;
}

}  // namespace faultline::raft
