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
#include <type_traits>

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
static_assert(std::is_trivially_copyable_v<Event>);

class EventQueue {
 public:
  // A fuzzing thread runs thousands of simulations one after another: each queue takes the
  // bucket storage its thread's last queue left behind (emptied), so the buckets do not
  // regrow from nothing in every run. Only capacity carries over, never an event.
  EventQueue();
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const Event& event) {
    FAULTLINE_ASSERT(event.time >= static_cast<Time>(last_), "event scheduled in the past");
    put(bucket_of(static_cast<std::uint64_t>(event.time)), event);
    ++size_;
  }

  // The earliest event; precondition: !empty().
  const Event& top() {
    if (head_ == buckets_[0].size) refill();
    return buckets_[0].data[head_];
  }

  // The earliest event's time without reordering the buckets (top() moves the heap's
  // base up to that time, after which nothing earlier may be pushed). Explore mode peeks
  // at events that may lie in the future while it keeps pushing at the present.
  // Precondition: !empty().
  Time peek_time() const {
    if (head_ < buckets_[0].size) return buckets_[0].data[head_].time;
    const Bucket& b = buckets_[first_occupied()];
    Time least = b.data[0].time;
    for (std::uint32_t k = 0; k < b.size; ++k) least = b.data[k].time < least ? b.data[k].time : least;
    return least;
  }

  // The k-th event after top() when it is already known (same bucket), else null. Lets the
  // kernel prefetch the next event's memory while it handles this one.
  const Event* peek_ahead(std::size_t k) const {
    return head_ + k < buckets_[0].size ? &buckets_[0].data[head_ + k] : nullptr;
  }

  Event pop() {
    const Event event = top();
    ++head_;
    --size_;
    return event;
  }

  // A bucket: a growable array of trivially copyable events (a std::vector's push_back
  // was not inlined, and it cost as much as the rest of the queue).
  struct Bucket {
    Event* data = nullptr;
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;
  };
  static constexpr std::size_t kBuckets = 65;

 private:
  int bucket_of(std::uint64_t key) const {
    return key == last_ ? 0 : 64 - __builtin_clzll(key ^ last_);
  }
  // The lowest non-empty bucket above 0; precondition: there is one.
  int first_occupied() const { return 1 + __builtin_ctzll(occupied_); }

  void put(int b, const Event& event) {
    Bucket& bucket = buckets_[b];
    if (bucket.size == bucket.capacity) [[unlikely]] grow(bucket);
    bucket.data[bucket.size++] = event;
    // Bucket i >= 1 is bit i - 1; bucket 0 is tracked by head_ instead.
    if (b != 0) occupied_ |= std::uint64_t{1} << (b - 1);
  }
  static void grow(Bucket& bucket);

  void refill() {
    buckets_[0].size = 0;
    head_ = 0;
    const int i = first_occupied();  // size_ > 0, so some bucket holds an event
    Bucket& from = buckets_[i];
    std::uint64_t least = static_cast<std::uint64_t>(from.data[0].time);
    for (std::uint32_t k = 0; k < from.size; ++k) {
      const auto t = static_cast<std::uint64_t>(from.data[k].time);
      least = t < least ? t : least;
    }
    last_ = least;
    occupied_ &= ~(std::uint64_t{1} << (i - 1));
    // Every event of bucket i lands in a lower bucket (they agree with `least` above bit
    // i - 1), so `from` is not written while it is read.
    for (std::uint32_t k = 0; k < from.size; ++k) {
      put(bucket_of(static_cast<std::uint64_t>(from.data[k].time)), from.data[k]);
    }
    from.size = 0;
  }

  std::array<Bucket, kBuckets> buckets_;
  std::size_t head_ = 0;  // consumed prefix of bucket 0
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
  std::uint64_t occupied_ = 0;  // bit i - 1: bucket i (1..64) is not empty
};

}  // namespace faultline::sim
