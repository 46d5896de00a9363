// Each network fault kind, shown by its effect on an observed pattern of messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "sim/simulation.hpp"

using namespace faultline::sim;

namespace {

struct Note {
  static constexpr std::string_view kName = "note";
  std::uint64_t seq = 0;
  std::uint32_t bytes = 100;
  void describe(Fields& f) const { f("seq", seq); }
  std::uint32_t size_bytes() const { return bytes; }
};

struct Arrival {
  NodeId from;
  std::uint64_t seq;
  Time at;
};

// Node 0 and node 1 each send `count` notes to the other, `gap` apart; every arrival is
// logged with its true time.
struct Exchange {
  std::vector<Arrival> at0, at1;
  RunResult result;
};

Exchange exchange(SimConfig config, std::uint64_t seed, int count, Duration gap,
                  const std::function<void(Simulation&)>& faults = {}) {
  Exchange ex;
  SeededChoices choices(seed);
  Simulation sim(config, choices);
  for (NodeId self = 0; self < 2; ++self) {
    auto* log = self == 0 ? &ex.at0 : &ex.at1;
    sim.add_node({}, lambda_actor([self, count, gap, log, &sim](Context& ctx) {
                   const Time stop_sending = static_cast<Time>(count) * gap;
                   std::uint64_t sent = 0;
                   while (true) {
                     const Time next = ctx.now() >= stop_sending ? kTimeNever : ctx.deadline_after(gap);
                     if (next != kTimeNever) ctx.send(1 - self, Note{sent++});
                     while (auto m = ctx.recv_until(next)) {
                       log->push_back({m->from, m->get<Note>()->seq, sim.now()});
                     }
                     if (next == kTimeNever) return;
                   }
                 }));
  }
  if (faults) faults(sim);
  ex.result = sim.run();
  return ex;
}

SimConfig config_with(const LinkProfile& link) {
  SimConfig c;
  c.time_limit_ns = 60 * kSecond;
  c.network = link;
  return c;
}

}  // namespace

TEST_CASE("latency: constant, uniform and exponential delays stay in their bounds") {
  LinkProfile link;
  link.latency = Latency::uniform(2 * kMillisecond, 8 * kMillisecond);
  auto ex = exchange(config_with(link), 1, 500, 10 * kMillisecond);
  REQUIRE(ex.at1.size() == 500);
  Duration lo = kTimeNever, hi = 0;
  for (const auto& a : ex.at1) {
    const Duration d = a.at - static_cast<Time>(a.seq) * 10 * kMillisecond;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo >= 2 * kMillisecond);
  CHECK(hi <= 8 * kMillisecond);
  CHECK(hi - lo > 4 * kMillisecond);  // it does vary

  // Exponential: min + Exp(mean), capped; the quantile function is integer arithmetic.
  const Latency e = Latency::exponential(kMillisecond, 4 * kMillisecond, 30 * kMillisecond);
  CHECK(e.sample(0) >= kMillisecond);
  CHECK(e.sample(0) < kMillisecond + 10 * kMicrosecond);
  CHECK(e.sample(Latency::kSteps - 1) == 30 * kMillisecond);
  Int128 sum = 0;
  for (std::uint32_t q = 0; q < Latency::kSteps; ++q) {
    sum += e.sample(q);
    if (q > 0) CHECK(e.sample(q) >= e.sample(q - 1));  // monotone: 0 is the quiet choice
  }
  const auto mean = static_cast<Duration>(sum / Latency::kSteps);
  CHECK(mean > 4 * kMillisecond);   // ~ 1ms + 4ms, a little less from the cap
  CHECK(mean < 5 * kMillisecond + 100 * kMicrosecond);
  // The median step, q = 512: 1 ms + 4 ms * ln(2048 / 1023) = 3.776496 ms.
  CHECK(std::abs(e.sample(Latency::kSteps / 2) - 3776496) <= 2);
}

TEST_CASE("drop: a lossy link loses about the share it is configured to") {
  LinkProfile link;
  link.drop = Ratio{1, 4};
  auto ex = exchange(config_with(link), 3, 2000, kMillisecond);
  const auto received = static_cast<double>(ex.at1.size() + ex.at0.size());
  CHECK(received > 4000 * 0.70);
  CHECK(received < 4000 * 0.80);
  CHECK(ex.result.stats.messages_dropped == 4000 - ex.at0.size() - ex.at1.size());
}

TEST_CASE("duplicate: a duplicating link delivers some messages twice") {
  LinkProfile link;
  link.duplicate = Ratio{1, 10};
  auto ex = exchange(config_with(link), 4, 1000, kMillisecond);
  std::map<std::uint64_t, int> copies;
  for (const auto& a : ex.at1) ++copies[a.seq];
  CHECK(copies.size() == 1000);
  const auto twice = std::count_if(copies.begin(), copies.end(), [](auto& p) { return p.second == 2; });
  CHECK(twice > 60);
  CHECK(twice < 140);
  CHECK(ex.at1.size() == 1000 + static_cast<std::size_t>(twice));
}

TEST_CASE("reorder: held-back messages are overtaken by later ones") {
  LinkProfile quiet;
  auto in_order = exchange(config_with(quiet), 5, 300, kMillisecond);
  CHECK(std::is_sorted(in_order.at1.begin(), in_order.at1.end(),
                       [](const Arrival& a, const Arrival& b) { return a.seq < b.seq; }));
  LinkProfile link;
  link.reorder = Ratio{1, 5};
  link.reorder_delay_max_ns = 20 * kMillisecond;
  auto ex = exchange(config_with(link), 5, 300, kMillisecond);
  REQUIRE(ex.at1.size() == 300);
  int inversions = 0;
  for (std::size_t i = 1; i < ex.at1.size(); ++i) inversions += ex.at1[i].seq < ex.at1[i - 1].seq;
  CHECK(inversions > 10);
}

TEST_CASE("bandwidth: messages queue behind each other on a slow link") {
  LinkProfile link;
  link.latency = Latency::constant(kMillisecond);
  link.bandwidth_bytes_per_sec = 1000 * 1000;  // 1 MB/s: a 10 kB message takes 10 ms
  SimConfig c = config_with(link);
  SeededChoices choices(1);
  Simulation sim(c, choices);
  std::vector<Time> arrivals;
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 for (int i = 0; i < 3; ++i) ctx.send(1, Note{static_cast<std::uint64_t>(i), 10000});
               }));
  sim.add_node({}, lambda_actor([&](Context& ctx) {
                 while (ctx.recv()) arrivals.push_back(sim.now());
               }));
  sim.run();
  CHECK(arrivals == std::vector<Time>{11 * kMillisecond, 21 * kMillisecond, 31 * kMillisecond});
}

TEST_CASE("symmetric partition: nothing crosses until it heals") {
  auto ex = exchange(config_with({}), 1, 100, 10 * kMillisecond, [](Simulation& sim) {
    sim.at(200 * kMillisecond, "split", [](Simulation& s) {
      s.partition(Partition{{NodeSet::of({0}), NodeSet::of({1})}, false}, "0 | 1");
    });
    sim.at(500 * kMillisecond, "heal", [](Simulation& s) { s.heal_all(); });
  });
  auto crossed_during = [](const std::vector<Arrival>& log) {
    return std::count_if(log.begin(), log.end(), [](const Arrival& a) {
      return a.at > 200 * kMillisecond && a.at < 500 * kMillisecond;
    });
  };
  CHECK(crossed_during(ex.at0) == 0);
  CHECK(crossed_during(ex.at1) == 0);
  CHECK(ex.at1.size() < 100);
  CHECK(ex.at1.back().seq == 99);  // after the heal, messages flow again
}

TEST_CASE("one-way partition: A to B is lost, B to A still arrives") {
  auto ex = exchange(config_with({}), 1, 100, 10 * kMillisecond, [](Simulation& sim) {
    sim.at(0, "one-way", [](Simulation& s) {
      s.partition(Partition{{NodeSet::of({0}), NodeSet::of({1})}, true}, "0 -/-> 1");
    });
  });
  CHECK(ex.at1.empty());         // 0 -> 1 blocked
  CHECK(ex.at0.size() == 100);   // 1 -> 0 flows
}

TEST_CASE("a partition that comes up while a message is in flight drops it on arrival") {
  LinkProfile slow;
  slow.latency = Latency::constant(100 * kMillisecond);
  auto ex = exchange(config_with(slow), 1, 1, kMillisecond, [](Simulation& sim) {
    sim.at(50 * kMillisecond, "split", [](Simulation& s) {
      s.partition(Partition{{NodeSet::of({0}), NodeSet::of({1})}, false});
    });
  });
  CHECK(ex.at1.empty());
  CHECK(ex.result.stats.messages_dropped == 2);
}

TEST_CASE("grouped partitions: three groups, and nodes in no group are unaffected") {
  Network net;
  net.add_partition(Partition{{NodeSet::of({0, 1}), NodeSet::of({2}), NodeSet::of({3, 4})}, false});
  CHECK_FALSE(net.blocked(0, 1));
  CHECK(net.blocked(0, 2));
  CHECK(net.blocked(4, 2));
  CHECK(net.blocked(1, 3));
  CHECK_FALSE(net.blocked(3, 4));
  CHECK_FALSE(net.blocked(5, 0));  // node 5 is in no group
  CHECK_THROWS(net.add_partition(Partition{{NodeSet::of({0}), NodeSet::of({1}), NodeSet::of({2})}, true}));
}

TEST_CASE("link fault windows: loss between degrade and restore only") {
  auto ex = exchange(config_with({}), 9, 400, kMillisecond, [](Simulation& sim) {
    sim.at(100 * kMillisecond, "degrade", [](Simulation& s) {
      LinkFault f;
      f.drop = Ratio{1, 1};
      f.from = NodeSet::of({0});
      const std::uint32_t id = s.degrade(f, "0's links lose everything");
      s.at(200 * kMillisecond, "restore", [id](Simulation& s2) { s2.restore(id); });
    });
  });
  // 0 -> 1 loses exactly the ~100 notes sent in [100 ms, 200 ms); 1 -> 0 loses none.
  CHECK(ex.at0.size() == 400);
  CHECK(ex.at1.size() >= 295);
  CHECK(ex.at1.size() <= 305);
}
