// The event queue's bucket storage, and its reuse from one simulation to the next.
#include "sim/event_queue.hpp"

#include <cstdlib>
#include <memory>
#include <new>

namespace faultline::sim {
namespace {

// A bucket that grew beyond this many events is freed rather than kept for the next run
// (a run with millions of events in flight should not pin its memory for good).
constexpr std::uint32_t kKeepCapacity = 1u << 16;

void free_bucket(EventQueue::Bucket& b) {
  std::free(b.data);
  b = {};
}

// The storage the thread's last queue left: empty buckets with their capacity.
struct Spare {
  std::array<EventQueue::Bucket, EventQueue::kBuckets> buckets{};
  bool held = false;
  ~Spare();
};
thread_local Spare spare;
// Set once the thread's spare is destroyed (thread exit): a queue that outlives it (a
// static one) frees its own storage. Trivially destructible, so it is never destroyed.
thread_local bool spare_gone = false;

Spare::~Spare() {
  for (EventQueue::Bucket& b : buckets) free_bucket(b);
  spare_gone = true;
}

}  // namespace

EventQueue::EventQueue() {
  if (!spare_gone && spare.held) {
    buckets_ = spare.buckets;
    spare.buckets = {};
    spare.held = false;
  }
}

EventQueue::~EventQueue() {
  if (spare_gone || spare.held) {  // another queue of this thread returned its storage first
    for (Bucket& b : buckets_) free_bucket(b);
    return;
  }
  for (Bucket& b : buckets_) {
    if (b.capacity > kKeepCapacity) free_bucket(b);
    b.size = 0;
  }
  spare.buckets = buckets_;
  spare.held = true;
}

void EventQueue::grow(Bucket& bucket) {
  const std::uint32_t capacity = bucket.capacity == 0 ? 16 : bucket.capacity * 2;
  FAULTLINE_ASSERT(capacity > bucket.capacity, "an event queue bucket holds fewer than 2^32 events");
  void* data = std::realloc(bucket.data, std::size_t{capacity} * sizeof(Event));
  if (data == nullptr) throw std::bad_alloc();
  bucket.data = static_cast<Event*>(data);
  bucket.capacity = capacity;
}

}  // namespace faultline::sim
