// The kernel: fibers, messages, timers, crashes, findings, limits, determinism.
#include <doctest/doctest.h>

#include <thread>

#include "sim/simulation.hpp"
#include "sim_test_config.hpp"

using namespace faultline::sim;
using faultline::sim::testing::quiet_config;

namespace {

struct Ping {
  static constexpr std::string_view kName = "ping";
  std::uint64_t seq = 0;
  void describe(Fields& f) const { f("seq", seq); }
};

// Node 0 sends `count` pings to node 1, which answers each; node 0 waits for each answer.
void add_ping_pair(Simulation& sim, int count, std::vector<std::uint64_t>* answers) {
  sim.add_node({.name = "a"}, lambda_actor([count, answers](Context& ctx) {
                 for (int i = 0; i < count; ++i) {
                   ctx.send(1, Ping{static_cast<std::uint64_t>(i)});
                   auto m = ctx.recv(kSecond);
                   if (m && m->get<Ping>()) answers->push_back(m->get<Ping>()->seq);
                 }
               }));
  sim.add_node({.name = "b"}, lambda_actor([](Context& ctx) {
                 while (auto m = ctx.recv()) ctx.send(m->from, *m->get<Ping>());
               }));
}

}  // namespace

TEST_CASE("a message round trip takes two link latencies and resumes the waiting fiber") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::uint64_t> answers;
  add_ping_pair(sim, 3, &answers);
  RunResult r = sim.run();
  CHECK(r.verdict == Verdict::ok);
  CHECK(answers == std::vector<std::uint64_t>{0, 1, 2});
  CHECK(r.stats.messages_sent == 6);
  CHECK(r.stats.messages_delivered == 6);
  // The last answer arrives at 6 ms; then node b waits forever and nothing is left.
  CHECK(r.sim_time_ns == 6 * kMillisecond);
  CHECK(r.stop_reason.find("nothing left") != std::string::npos);
}

TEST_CASE("the same configuration and seed give the same trace hash, another seed another") {
  auto run = [](std::uint64_t seed) {
    SimConfig c = quiet_config();
    c.network.latency = Latency::exponential(kMillisecond, 2 * kMillisecond, 50 * kMillisecond);
    c.network.drop = Ratio{1, 10};
    c.network.duplicate = Ratio{1, 10};
    SeededChoices choices(seed);
    Simulation sim(c, choices);
    std::vector<std::uint64_t> answers;
    add_ping_pair(sim, 50, &answers);
    return sim.run().trace_hash;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("recv times out at its local deadline") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  Time woke = -1;
  bool got = true;
  sim.add_node({}, lambda_actor([&](Context& ctx) {
                 got = ctx.recv(250 * kMillisecond).has_value();
                 woke = ctx.now();
               }));
  sim.run();
  CHECK_FALSE(got);
  CHECK(woke == 250 * kMillisecond);
}

namespace {
struct Guard {
  int* destroyed;
  ~Guard() { ++*destroyed; }
};
}  // namespace

TEST_CASE("a crash unwinds the actor's fiber: its destructors run, restart starts afresh") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  int destroyed = 0;
  int starts = 0;
  sim.add_node({}, lambda_actor([&](Context& ctx) {
                 ++starts;
                 Guard g{&destroyed};
                 ctx.sleep(10 * kSecond);
               }));
  sim.at(kSecond, "crash", [](Simulation& s) { s.crash(0); });
  sim.at(2 * kSecond, "restart", [](Simulation& s) { s.restart(0); });
  sim.at(3 * kSecond, "check", [&](Simulation& s) {
    CHECK(s.is_up(0));
    CHECK(s.incarnation(0) == 1);
  });
  RunResult r = sim.run();
  CHECK(destroyed == 1);
  CHECK(starts == 2);
  CHECK(r.verdict == Verdict::ok);
  CHECK(r.stats.crashes == 1);
}

TEST_CASE("actors still parked when the simulation ends are unwound too") {
  int destroyed = 0;
  {
    SeededChoices choices(1);
    Simulation sim(quiet_config(), choices);
    sim.add_node({}, lambda_actor([&](Context& ctx) {
                   Guard g{&destroyed};
                   ctx.recv();
                 }));
    sim.run();
    CHECK(destroyed == 0);
  }
  CHECK(destroyed == 1);
}

TEST_CASE("messages to a crashed node are dropped, messages it sent before are still delivered") {
  SeededChoices choices(1);
  SimConfig c = quiet_config();
  c.network.latency = Latency::constant(100 * kMillisecond);
  Simulation sim(c, choices);
  int received_by_1 = 0;
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 ctx.send(1, Ping{1});  // in flight when node 0 crashes
                 ctx.sleep(kSecond);
               }));
  sim.add_node({}, lambda_actor([&](Context& ctx) {
                 ctx.sleep(200 * kMillisecond);
                 while (ctx.recv(kSecond)) ++received_by_1;
               }));
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 ctx.sleep(300 * kMillisecond);
                 ctx.send(0, Ping{2});  // arrives while node 0 is down
               }));
  sim.at(50 * kMillisecond, "crash 0", [](Simulation& s) { s.crash(0); });
  RunResult r = sim.run();
  CHECK(received_by_1 == 1);
  CHECK(r.stats.messages_dropped == 1);
  bool saw_down_drop = false;
  for (const auto& rec : sim.trace().records()) {
    if (rec.type == TraceEvent::drop) {
      saw_down_drop = static_cast<DropReason>(rec.reason) == DropReason::node_down;
    }
  }
  CHECK(saw_down_drop);
}

TEST_CASE("a paused node keeps its state, its timers and messages wait until it resumes") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<Time> woke;
  std::vector<bool> got;
  sim.add_node({}, lambda_actor([&](Context& ctx) {
                 int counter = 0;
                 while (true) {
                   auto m = ctx.recv(100 * kMillisecond);
                   ++counter;
                   woke.push_back(ctx.now());
                   got.push_back(m.has_value());
                   if (counter == 4) return;
                 }
               }));
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 ctx.sleep(150 * kMillisecond);
                 ctx.send(0, Ping{});
               }));
  sim.at(50 * kMillisecond, "pause", [](Simulation& s) { s.pause(0); });
  sim.at(500 * kMillisecond, "resume", [](Simulation& s) { s.resume(0); });
  sim.run();
  // Nothing happens to node 0 between 50 ms and 500 ms: the timeout due at 100 ms and
  // the ping that arrived at 151 ms both wait; at the resume the queued ping is received.
  REQUIRE(woke.size() == 4);
  CHECK(woke[0] == 500 * kMillisecond);
  CHECK(got[0]);
  CHECK(woke[1] == 600 * kMillisecond);
  CHECK_FALSE(got[1]);
  CHECK(woke[2] == 700 * kMillisecond);
}

TEST_CASE("an actor that throws becomes a finding, the process goes on") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  sim.add_node({.name = "thrower"}, lambda_actor([](Context& ctx) {
                 ctx.sleep(kMillisecond);
                 throw std::runtime_error("boom");
               }));
  RunResult r = sim.run();
  CHECK(r.verdict == Verdict::violation);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].kind == FindingKind::actor_error);
  CHECK(r.findings[0].message.find("boom") != std::string::npos);
  CHECK(r.findings[0].node == 0);
  CHECK(r.findings[0].time == kMillisecond);
}

TEST_CASE("a failed actor assertion becomes a finding") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  sim.add_node({}, lambda_actor([](Context& ctx) { ctx.check(1 + 1 == 3, "arithmetic holds"); }));
  RunResult r = sim.run();
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].message.find("assertion failed: arithmetic holds") != std::string::npos);
}

TEST_CASE("a livelocking actor stops at the event bound with a clear reason") {
  SeededChoices choices(1);
  SimConfig c = quiet_config();
  c.max_events = 5000;
  Simulation sim(c, choices);
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 while (true) ctx.send(ctx.self(), Ping{});  // never waits for anything
               }));
  RunResult r = sim.run();
  CHECK(r.verdict != Verdict::ok);
  REQUIRE_FALSE(r.findings.empty());
  CHECK(r.findings[0].kind == FindingKind::livelock);

  SeededChoices choices2(1);
  Simulation sim2(c, choices2);
  sim2.add_node({}, lambda_actor([](Context& ctx) {
                  while (true) ctx.sleep(0);  // yields, but time never advances
                }));
  sim2.add_node({}, lambda_actor([](Context& ctx) {
                  while (true) {
                    ctx.recv(0);
                    ctx.sleep(0);
                  }
                }));
  RunResult r2 = sim2.run();
  CHECK(r2.verdict == Verdict::unknown);
  REQUIRE(r2.findings.size() == 1);
  CHECK(r2.findings[0].kind == FindingKind::event_limit);
  CHECK(r2.stop_reason == "event limit reached");
  CHECK(r2.findings[0].message.find("5000 events") != std::string::npos);
}

namespace {

// Node 0 annotates "counter" 1, 2, ..., 10, one a millisecond (1 at time 0).
void add_counter(Simulation& sim) {
  sim.add_node({}, lambda_actor([](Context& ctx) {
                 for (int i = 1; i <= 10; ++i) {
                   ctx.annotate("counter", i);
                   ctx.sleep(kMillisecond);
                 }
               }));
}

std::int64_t counter_of(const Simulation& s) {
  const Annotation* a = s.annotation(0, "counter");
  return a != nullptr ? a->number : 0;
}

}  // namespace

TEST_CASE("the first invariant violation stops the run, with name, event, time and node") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  add_counter(sim);
  sim.add_invariant("counter below 4", [](const Simulation& s) -> std::optional<std::string> {
    if (counter_of(s) >= 4) return "counter is " + std::to_string(counter_of(s));
    return std::nullopt;
  });
  RunResult r = sim.run();
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].name == "counter below 4");
  CHECK(r.findings[0].message == "counter is 4");
  CHECK(r.findings[0].time == 3 * kMillisecond);
  CHECK(r.findings[0].node == 0);
  CHECK(r.sim_time_ns == 3 * kMillisecond);
}

TEST_CASE("an invariant group reports its first broken name, in the order invariants were added") {
  // A counter 1..10, and in this order: "above 6" alone, a group {"below 5", "below 3"}
  // whose one check answers for both, and "below 3 (alone)". At 3 the group's second name
  // and the lone invariant after it break together: the group comes first, so its name
  // and message are the finding.
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  add_counter(sim);
  sim.add_invariant("above 6", [](const Simulation& s) -> std::optional<std::string> {
    if (counter_of(s) > 6) return "too high";
    return std::nullopt;
  });
  sim.add_invariant_group(
      {"below 5", "below 3"},
      [](const Simulation& s) -> std::optional<std::pair<std::size_t, std::string>> {
        if (counter_of(s) >= 5) return std::pair{std::size_t{0}, std::string("at 5")};
        if (counter_of(s) >= 3) return std::pair{std::size_t{1}, std::string("at 3")};
        return std::nullopt;
      });
  sim.add_invariant("below 3 (alone)", [](const Simulation& s) -> std::optional<std::string> {
    if (counter_of(s) >= 3) return "also at 3";
    return std::nullopt;
  });
  CHECK(sim.invariant_names() ==
        std::vector<std::string>{"above 6", "below 5", "below 3", "below 3 (alone)"});
  RunResult r = sim.run();
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].name == "below 3");
  CHECK(r.findings[0].message == "at 3");
  CHECK(r.findings[0].time == 2 * kMillisecond);
}

TEST_CASE("client operations go to the history, after info the client gets a fresh process") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  sim.add_node({.role = "client"}, lambda_actor([](Context& ctx) {
                 auto op = ctx.invoke("write", std::string("x"), 1);
                 ctx.sleep(kMillisecond);
                 ctx.complete(op, OpType::info, nullptr);
                 auto op2 = ctx.invoke("read", std::string("x"), nullptr);
                 ctx.complete(op2, OpType::ok, 1);
               }));
  sim.run();
  const auto& h = sim.history().events();
  REQUIRE(h.size() == 4);
  CHECK(h[0].process == 0);
  CHECK(h[1].type == OpType::info);
  CHECK(h[1].f == "write");
  CHECK(h[2].process == 1);
  CHECK(h[3].value == 1);
  CHECK(h[1].time == kMillisecond);
}

TEST_CASE("simulations on different threads at once give the same hashes as one at a time") {
  auto run = [](std::uint64_t seed) {
    SimConfig c = quiet_config();
    c.network.latency = Latency::exponential(kMillisecond, 2 * kMillisecond, 50 * kMillisecond);
    c.network.drop = Ratio{1, 20};
    c.network.duplicate = Ratio{1, 20};
    SeededChoices choices(seed);
    Simulation sim(c, choices);
    std::vector<std::uint64_t> answers;
    add_ping_pair(sim, 200, &answers);
    return sim.run().trace_hash;
  };
  std::vector<std::uint64_t> sequential;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) sequential.push_back(run(seed));
  std::vector<std::uint64_t> parallel(8);
  std::vector<std::thread> threads;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    threads.emplace_back([&, seed] { parallel[seed - 1] = run(seed); });
  }
  for (auto& t : threads) t.join();
  CHECK(parallel == sequential);
}

namespace {
struct PlainNote {
  static constexpr std::string_view kName = "plain";
  static constexpr bool kHashBytes = true;
  std::uint64_t value = 0;
  void describe(Fields& f) const { f("value", value); }
};
struct DescribedNote {
  static constexpr std::string_view kName = "described";
  std::string text;
  void describe(Fields& f) const { f("text", text); }
};
template <class M>
std::uint64_t hash_of_one_send(M message) {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  sim.add_node({}, lambda_actor([message](Context& ctx) { ctx.send(0, message); }));
  return sim.run().trace_hash;
}
}  // namespace

TEST_CASE("the trace hash covers message contents, hashed as bytes or as described fields") {
  CHECK(hash_of_one_send(PlainNote{1}) == hash_of_one_send(PlainNote{1}));
  CHECK(hash_of_one_send(PlainNote{1}) != hash_of_one_send(PlainNote{2}));
  CHECK(hash_of_one_send(DescribedNote{"a"}) == hash_of_one_send(DescribedNote{"a"}));
  CHECK(hash_of_one_send(DescribedNote{"a"}) != hash_of_one_send(DescribedNote{"b"}));
}
