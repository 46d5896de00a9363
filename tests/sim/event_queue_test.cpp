#include <doctest/doctest.h>

#include <queue>
#include <tuple>

#include "sim/event_queue.hpp"
#include "sim/rng.hpp"

using namespace faultline::sim;

namespace {
// The slow twin: a binary heap on (time, sequence number).
struct Twin {
  using Entry = std::tuple<Time, std::uint64_t, std::uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  std::uint64_t seq = 0;
  void push(Time t, std::uint32_t ref) { heap.emplace(t, seq++, ref); }
  std::pair<Time, std::uint32_t> pop() {
    auto [t, s, ref] = heap.top();
    heap.pop();
    return {t, ref};
  }
};
}  // namespace

TEST_CASE("event queue pops in (time, insertion) order, exactly as a binary heap on (time, seq)") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Xoshiro256 rng(seed);
    EventQueue queue;
    Twin twin;
    std::uint32_t next_ref = 0;
    Time now = 0;
    for (int step = 0; step < 20000; ++step) {
      const bool push = queue.empty() || rng.below(100) < 55;
      if (push) {
        // Many ties (small offsets), some far-future events.
        const Time offset = rng.below(4) == 0 ? static_cast<Time>(rng.below(1u << 30))
                                              : static_cast<Time>(rng.below(3));
        queue.push(Event{.time = now + offset, .ref = next_ref});
        twin.push(now + offset, next_ref);
        ++next_ref;
      } else {
        const Event e = queue.pop();
        const auto [t, ref] = twin.pop();
        REQUIRE(e.time == t);
        REQUIRE(e.ref == ref);
        now = e.time;
      }
      REQUIRE(queue.size() == twin.heap.size());
    }
  }
}

TEST_CASE("event queue keeps insertion order among equal times across redistributions") {
  EventQueue queue;
  queue.push(Event{.time = 100, .ref = 0});
  queue.push(Event{.time = 5, .ref = 1});
  queue.push(Event{.time = 100, .ref = 2});
  queue.push(Event{.time = 5, .ref = 3});
  CHECK(queue.pop().ref == 1);
  queue.push(Event{.time = 100, .ref = 4});
  queue.push(Event{.time = 5, .ref = 5});
  CHECK(queue.pop().ref == 3);
  CHECK(queue.pop().ref == 5);
  CHECK(queue.pop().ref == 0);
  CHECK(queue.pop().ref == 2);
  CHECK(queue.pop().ref == 4);
  CHECK(queue.empty());
}
