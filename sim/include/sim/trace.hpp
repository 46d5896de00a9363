#pragma once
// The trace: every event of a run, recorded as fixed 32-byte binary records (a few ns
// each) and exported to the JSON trace format only on demand. A 64-bit hash is folded
// over the event stream as it is recorded; two runs are the same run exactly when
// their trace hashes agree.
//
// Strings (message type names, annotation keys and values, reasons, log lines) are
// interned in first-use order, which is itself deterministic.
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "sim/types.hpp"

namespace faultline::sim {

enum class TraceEvent : std::uint8_t {
  start,        // node's actor started: value = incarnation
  finish,       // actor returned from run()
  send,         // node -> peer, value = message id, detail = size bytes, kind = type name
  deliver,      // peer -> node (node received), value = message id
  drop,         // value = message id, reason = DropReason, node = sender, peer = receiver
  duplicate,    // value = new message id, detail = id of the original
  timer,        // a blocked actor's deadline passed (recv timeout, sleep end, sync done):
                // reason = the wait, detail = 1 + the interned label of a named timer (or 0)
  crash,        // node crashed
  restart,      // node restarted (its actor starts afresh on the next event)
  pause,        // node paused
  resume,       // node resumed
  partition,    // value = partition id, text = description
  heal,         // value = partition id (or all)
  link_fault,   // value = fault id: degraded links begin
  link_heal,    // value = fault id: degraded links end
  clock,        // node's clock changed: reason = ClockChange, value = amount (ns or ppm)
  disk_write,   // value = bytes
  disk_sync,    // value = writes made durable
  disk_loss,    // at a crash: value = unsynced writes lost, detail = 1 if the last was torn;
                // a wipe (detail = 2): value = keys and log records lost, synced or not
  disk_corrupt, // a read returned corrupted bytes
  annotate,     // kind = key, value = value (int) or string id, reason = 1 if value is a string id
  client,       // a history event: value = index in the history, reason = OpType
  ignore,       // node ignored message `value`: text = reason
  violation,    // value = index of the finding
  log,          // text = free text from an actor or the fault scheduler
  error,        // an actor threw or failed an assertion: text = what
  spawn,        // node was spawned by peer (its actor starts on the next event)
  disk_fault,   // node's disk fault `value` begins: text = description
  disk_heal,    // node's disk fault `value` ends
  halt,         // node stopped itself (a fatal error): text = why; a crash follows
};
std::string_view trace_event_name(TraceEvent event);

enum class DropReason : std::uint8_t {
  random,           // the link lost it
  partition_send,   // a partition stood between the nodes when it was sent
  partition_flight, // a partition came up while it was in flight
  node_down,        // the receiver was crashed when it arrived
  unknown_node,
};
std::string_view drop_reason_name(DropReason reason);

enum class ClockChange : std::uint8_t { jump, drift, offset };

struct TraceRecord {
  Time time = 0;
  TraceEvent type = TraceEvent::log;
  std::uint8_t reason = 0;
  std::uint16_t kind = 0;  // interned message type name / annotation key
  NodeId node = kNoNode;
  std::uint32_t peer = kNoNode;
  std::uint32_t detail = 0;  // a second, 32-bit field (see each event type)
  std::uint64_t value = 0;   // the event's main number (see each event type)
};
static_assert(sizeof(TraceRecord) == 32);

// Interned strings, ids in first-use order.
class StringTable {
 public:
  std::uint32_t intern(std::string_view text);
  const std::string& at(std::uint32_t id) const { return strings_[id]; }
  std::size_t size() const { return strings_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
};

// Trace records in fixed-size chunks: appending never copies what is already stored
// (a growing vector would copy gigabytes over a long run), and indexing stays O(1).
class TraceRecords {
 public:
  static constexpr std::size_t kChunk = 1 << 16;

  void push_back(const TraceRecord& r) {
    if (cursor_ == end_) grow();
    ::new (static_cast<void*>(cursor_++)) TraceRecord(r);
    ++size_;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const TraceRecord& operator[](std::size_t i) const { return chunks_[i / kChunk].get()[i % kChunk]; }
  const TraceRecord& at(std::size_t i) const {
    if (i >= size_) throw std::out_of_range("no trace record " + std::to_string(i));
    return (*this)[i];
  }
  const TraceRecord& back() const { return (*this)[size_ - 1]; }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TraceRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = const TraceRecord*;
    using reference = const TraceRecord&;
    const_iterator(const TraceRecords* owner, std::size_t i) : owner_(owner), i_(i) {}
    reference operator*() const { return (*owner_)[i_]; }
    pointer operator->() const { return &(*owner_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const TraceRecords* owner_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  // A chunk is raw storage; records are constructed as they are appended, and only those
  // are ever read. (Value-initialising 2 MiB per chunk cost a short run 5% of its time
  // and faulted in pages it never used.)
  struct FreeChunk {
    void operator()(TraceRecord* p) const noexcept { ::operator delete(p); }
  };
  void grow() {
    chunks_.emplace_back(static_cast<TraceRecord*>(::operator new(kChunk * sizeof(TraceRecord))));
    cursor_ = chunks_.back().get();
    end_ = cursor_ + kChunk;
  }
  static_assert(std::is_trivially_destructible_v<TraceRecord>);
  std::vector<std::unique_ptr<TraceRecord, FreeChunk>> chunks_;
  TraceRecord* cursor_ = nullptr;  // the next free record of the last chunk
  TraceRecord* end_ = nullptr;
  std::size_t size_ = 0;
};

class Trace {
 public:
  // Counts a record, keeps it (set_keep) and folds it, with `content` (e.g. a message
  // body's hash), into the trace hash (set_hashing). Returns the record's index.
  std::size_t record(const TraceRecord& r, std::uint64_t content = 0) {
    if (hashing_) fold(r, content);
    if (keep_) records_.push_back(r);
    return count_++;
  }

  // Keeps 16 bits of each event's digest, so a replay can name the first event where it
  // differs from a recording (repro files store them). Needs hashing.
  void set_keep_digests(bool keep) { keep_digests_ = keep; }
  const std::vector<std::uint16_t>& digests() const { return digests_; }

  // Without keeping, records are only hashed and counted (speed runs; a fuzzing
  // campaign's runs also turn hashing off).
  void set_keep(bool keep) { keep_ = keep; }
  bool kept() const { return keep_; }
  // Without hashing, records are only counted (and kept if set): hash() is 0.
  void set_hashing(bool hashing) { hashing_ = hashing; }
  const TraceRecords& records() const { return records_; }
  std::size_t size() const { return count_; }
  std::uint64_t hash() const { return hashing_ ? finish(hash_) : 0; }

  StringTable& strings() { return strings_; }
  const StringTable& strings() const { return strings_; }
  // Message type names and annotation keys, kept apart so they fit 16 bits.
  std::uint16_t intern_kind(std::string_view name);
  const std::string& kind_name(std::uint16_t id) const { return kinds_.at(id); }

 private:
  void fold(const TraceRecord& r, std::uint64_t content) {
    // A digest of the record from independent multiplies (they run in parallel), then
    // one dependent step into the running hash.
    const std::uint64_t w0 = static_cast<std::uint64_t>(r.time);
    const std::uint64_t w1 = static_cast<std::uint64_t>(r.type) | (std::uint64_t{r.reason} << 8) |
                             (std::uint64_t{r.kind} << 16) | (std::uint64_t{r.node} << 32);
    const std::uint64_t w2 = std::uint64_t{r.peer} | (std::uint64_t{r.detail} << 32);
    const std::uint64_t w3 = r.value ^ content;
    const std::uint64_t digest = mum(w0 ^ 0x9e3779b97f4a7c15ULL, w1 ^ 0xc2b2ae3d27d4eb4fULL) ^
                                 mum(w2 ^ 0x165667b19e3779f9ULL, w3 ^ 0xd6e8feb86659fd93ULL);
    mix(digest);
    if (keep_digests_) digests_.push_back(static_cast<std::uint16_t>(digest ^ (digest >> 48)));
  }
  void mix(std::uint64_t word) {
    hash_ ^= word;
    hash_ = ((hash_ << 29) | (hash_ >> 35)) * 0x9fb21c651e98df25ULL;
  }
  // Two words mixed by one 64x64 -> 128 multiply, halves xored (as in wyhash).
  static std::uint64_t mum(std::uint64_t x, std::uint64_t y) {
    const UInt128 m = static_cast<UInt128>(x) * y;
    return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
  }
  static std::uint64_t finish(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  }

  TraceRecords records_;
  std::size_t count_ = 0;
  bool keep_ = true;
  bool hashing_ = true;
  bool keep_digests_ = false;
  std::vector<std::uint16_t> digests_;
  std::uint64_t hash_ = 0x6a09e667f3bcc909ULL;
  StringTable strings_;
  StringTable kinds_;
};

// Hashes a described value (message body) for the trace hash.
class HashFields;

std::string format_hash(std::uint64_t hash);  // "0x" + 16 hex digits

}  // namespace faultline::sim
