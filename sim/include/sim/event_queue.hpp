#pragma once
// The event queue: pending events in (time, insertion order) order.
//
// A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): simulated time never runs
// backwards, so a popped minimum bounds every later push, and an event moves between
// buckets at most 64 times. Ties keep insertion order exactly: each bucket is sorted by
// insertion, because a bucket receives redistributed events only while it is empty and
// pushes append. Bucket 0 holds the events at the current minimum time and is consumed
// from the front. tests/event_queue_test.cpp checks it against a binary heap keyed by
// (time, sequence number), the slow twin.
#include <array>
#include <cstdint>
#include <vector>

#include "sim/assert.hpp"
#include "sim/types.hpp"

namespace faultline::sim {

enum class EventKind : std::uint8_t {
  start,    // start (or restart) a node's actor
  deliver,  // a message arrives: ref = in-flight slot
  wake,     // a blocked actor's deadline: gen must match the node's wait generation
  control,  // a scheduled action (fault timeline): ref = action index
};

struct Event {
  Time time = 0;
  std::uint32_t ref = 0;
  NodeId node = 0;
  std::uint32_t gen = 0;
  EventKind kind = EventKind::start;
};
static_assert(sizeof(Event) == 24);

class EventQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const Event& event) {
    FAULTLINE_ASSERT(event.time >= static_cast<Time>(last_), "event scheduled in the past");
    buckets_[bucket_of(static_cast<std::uint64_t>(event.time))].push_back(event);
    ++size_;
  }

  // The earliest event; precondition: !empty().
  const Event& top() {
    if (head_ == buckets_[0].size()) refill();
    return buckets_[0][head_];
  }

  // The earliest event's time without reordering the buckets (top() moves the heap's
  // base up to that time, after which nothing earlier may be pushed). Explore mode peeks
  // at events that may lie in the future while it keeps pushing at the present.
  // Precondition: !empty().
  Time peek_time() const {
    if (head_ < buckets_[0].size()) return buckets_[0][head_].time;
    std::size_t i = 1;
    while (buckets_[i].empty()) ++i;
    Time least = buckets_[i][0].time;
    for (const Event& e : buckets_[i]) least = e.time < least ? e.time : least;
    return least;
  }

  // The k-th event after top() when it is already known (same bucket), else null. Lets the
  // kernel prefetch the next event's memory while it handles this one.
  const Event* peek_ahead(std::size_t k) const {
    return head_ + k < buckets_[0].size() ? &buckets_[0][head_ + k] : nullptr;
  }

  Event pop() {
    const Event event = top();
    ++head_;
    --size_;
    return event;
  }

 private:
  int bucket_of(std::uint64_t key) const {
    return key == last_ ? 0 : 64 - __builtin_clzll(key ^ last_);
  }

  void refill() {
    buckets_[0].clear();
    head_ = 0;
    std::size_t i = 1;
    while (buckets_[i].empty()) ++i;  // size_ > 0, so some bucket holds an event
    std::vector<Event>& from = buckets_[i];
    std::uint64_t least = static_cast<std::uint64_t>(from[0].time);
    for (const Event& e : from) {
      if (static_cast<std::uint64_t>(e.time) < least) least = static_cast<std::uint64_t>(e.time);
    }
    last_ = least;
    for (const Event& e : from) buckets_[bucket_of(static_cast<std::uint64_t>(e.time))].push_back(e);
    from.clear();
  }

  std::array<std::vector<Event>, 65> buckets_;
  std::size_t head_ = 0;  // consumed prefix of bucket 0
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
};

}  // namespace faultline::sim
