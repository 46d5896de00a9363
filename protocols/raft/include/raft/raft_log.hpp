#pragma once
// A server's log in memory: the entries after its snapshot, and which of them are not yet
// handed to storage.
//
// Invariants:
//  - entries_[k] has index snapshot_index_ + 1 + k; term_at(snapshot_index_) is
//    snapshot_term_ (the entry the snapshot ends with), term_at(0) is 0;
//  - terms never decrease along the log;
//  - every entry below unstable_from_ is on disk as it is in memory (the server's adapter
//    writes [unstable_from_, last_index] and then calls mark_written).
#include <cstdint>
#include <optional>
#include <vector>

#include "raft/raft_types.hpp"

namespace faultline::raft {

class RaftLog {
 public:
  RaftLog() = default;
  // A log restored from storage: after a snapshot ending at (index, term), these entries.
  RaftLog(LogIndex snapshot_index, Term snapshot_term, std::vector<Entry> entries);

  LogIndex snapshot_index() const { return snapshot_index_; }
  Term snapshot_term() const { return snapshot_term_; }
  LogIndex first_index() const { return snapshot_index_ + 1; }
  LogIndex last_index() const { return snapshot_index_ + entries_.size(); }
  Term last_term() const { return entries_.empty() ? snapshot_term_ : entries_.back().term; }

  // The term of the entry at `index`; nullopt if it was compacted away or is not there.
  std::optional<Term> term_at(LogIndex index) const;
  bool has(LogIndex index) const { return index > snapshot_index_ && index <= last_index(); }
  const Entry& at(LogIndex index) const { return entries_[index - snapshot_index_ - 1]; }
  // The first index holding an entry of `term`, searching back from `from` (§5.3 back-off).
  LogIndex first_index_of_term(LogIndex from, Term term) const;
  // The last index holding an entry of `term`, or 0.
  LogIndex last_index_of_term(Term term) const;
  // Entries [from, from + max) that the log holds, for an AppendEntries.
  std::vector<Entry> slice(LogIndex from, std::size_t max) const;

  void append(Entry entry);
  // Removes every entry at or after `index` (index > snapshot_index).
  void truncate_from(LogIndex index);
  // Forgets entries up to `index` (inclusive), which a snapshot now covers.
  void compact_to(LogIndex index, Term term);
  // Discards the whole log: a snapshot replaces it.
  void reset(LogIndex snapshot_index, Term snapshot_term);

  LogIndex unstable_from() const { return unstable_from_; }
  bool has_unstable() const { return unstable_from_ <= last_index(); }
  void mark_written() { unstable_from_ = last_index() + 1; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  LogIndex snapshot_index_ = 0;
  Term snapshot_term_ = 0;
  std::vector<Entry> entries_;
  LogIndex unstable_from_ = 1;
};

}  // namespace faultline::raft
