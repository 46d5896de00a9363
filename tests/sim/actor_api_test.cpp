// The actor API beyond send and receive: spawning, named timers, filtered receives,
// halting, disk fault windows, and always-on assertions that become findings.
#include <doctest/doctest.h>

#include "sim/simulation.hpp"
#include "sim_test_config.hpp"
#include "sim/trace_export.hpp"

using namespace faultline::sim;
using faultline::sim::testing::quiet_config;

namespace {

struct ApiNote {
  static constexpr std::string_view kName = "note";
  std::uint64_t n = 0;
  void describe(Fields& f) const { f("n", n); }
};

std::size_t count_events(const Simulation& sim, TraceEvent type) {
  std::size_t n = 0;
  for (const TraceRecord& r : sim.trace().records()) n += r.type == type ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("an actor spawns workers during the run, they run, message their parent and are traced") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::uint64_t> got;
  sim.add_node({.name = "driver"}, lambda_actor([&got](Context& ctx) {
                 for (std::uint64_t i = 0; i < 3; ++i) {
                   const NodeId parent = ctx.self();
                   const NodeId worker = ctx.spawn(
                       {.name = "task" + std::to_string(i), .role = "task"},
                       lambda_actor([parent, i](Context& w) { w.send(parent, ApiNote{i * 10}); }));
                   CHECK(worker == 1 + i);
                 }
                 for (int k = 0; k < 3; ++k) got.push_back(ctx.recv()->get<ApiNote>()->n);
               }));
  const RunResult r = sim.run();
  CHECK(r.verdict == Verdict::ok);
  CHECK(sim.node_count() == 4);
  CHECK(sim.node_name(2) == "task1");
  CHECK(sim.parent(2) == 0);
  CHECK(sim.parent(0) == kNoNode);
  CHECK(got == std::vector<std::uint64_t>{0, 10, 20});
  CHECK(count_events(sim, TraceEvent::spawn) == 3);
  // Spawned nodes are nodes like any other: they appear in the exported trace.
  const nlohmann::json trace = trace_to_json(sim, r, {});
  CHECK(trace["nodes"].size() == 4);
}

TEST_CASE("named timers fire in deadline order, a reset moves one, and the trace names each") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::string> fired;
  sim.add_node({.name = "n"}, lambda_actor([&fired](Context& ctx) {
                 Timers timers;
                 timers.set("heartbeat", ctx.now() + 50 * kMillisecond);
                 timers.set("election timeout", ctx.now() + 30 * kMillisecond);
                 timers.set("retry", ctx.now() + 70 * kMillisecond);
                 timers.set("election timeout", ctx.now() + 60 * kMillisecond);  // reset
                 timers.cancel("retry");
                 while (!timers.empty()) {
                   const Wakeup w = ctx.wait(timers);
                   REQUIRE(w.timed_out());
                   fired.push_back(w.timer + "@" + format_time(ctx.now()));
                 }
               }));
  const RunResult r = sim.run();
  CHECK(fired == std::vector<std::string>{"heartbeat@50ms", "election timeout@60ms"});
  const nlohmann::json trace = trace_to_json(sim, r, {});
  std::vector<std::string> names;
  for (const auto& e : trace["events"]) {
    if (e["type"] == "timer") names.push_back(e.value("name", std::string("?")));
  }
  CHECK(names == std::vector<std::string>{"heartbeat", "election timeout"});
}

TEST_CASE("a message wakes a wait before its timer, the timer stays armed") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::string> seen;
  sim.add_node({.name = "a"}, lambda_actor([&seen](Context& ctx) {
                 Timers timers;
                 timers.set("tick", ctx.now() + 10 * kMillisecond);
                 for (int k = 0; k < 2; ++k) {
                   const Wakeup w = ctx.wait(timers);
                   seen.push_back(w.timed_out() ? "timer " + w.timer : "message");
                 }
                 CHECK(!timers.armed("tick"));
               }));
  sim.add_node({.name = "b"}, lambda_actor([](Context& ctx) { ctx.send(0, ApiNote{1}); }));
  sim.run();
  CHECK(seen == std::vector<std::string>{"message", "timer tick"});
}

TEST_CASE("a filtered receive takes the first matching message and leaves the rest in order") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::uint64_t> order;
  sim.add_node({.name = "a"}, lambda_actor([&order](Context& ctx) {
                 ctx.sleep(10 * kMillisecond);  // 1, 2, 3 are queued by now
                 const MessageFilter even = [](const Envelope& m) {
                   return m.get<ApiNote>() != nullptr && m.get<ApiNote>()->n % 2 == 0;
                 };
                 order.push_back(ctx.recv_until(kTimeNever, even)->get<ApiNote>()->n);
                 // 4 arrives while this filtered receive waits; 1 and 3 stay queued.
                 order.push_back(ctx.recv_until(kTimeNever, even)->get<ApiNote>()->n);
                 CHECK(!ctx.recv_until(ctx.now() + kMillisecond, even).has_value());
                 while (auto m = ctx.recv_until(ctx.now())) order.push_back(m->get<ApiNote>()->n);
               }));
  sim.add_node({.name = "b"}, lambda_actor([](Context& ctx) {
                 for (std::uint64_t n : {1, 2, 3}) ctx.send(0, ApiNote{n});
                 ctx.sleep(20 * kMillisecond);
                 ctx.send(0, ApiNote{4});
               }));
  const RunResult r = sim.run();
  CHECK(r.verdict == Verdict::ok);
  CHECK(order == std::vector<std::uint64_t>{2, 4, 1, 3});
}

TEST_CASE("a halted node crashes at once, loses unsynced writes, and restarts after its delay") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::string> seen;
  sim.add_node({.name = "n"}, lambda_actor([&seen](Context& ctx) {
                 const std::string boot = ctx.disk().get("synced").value_or("none") + "/" +
                                          ctx.disk().get("unsynced").value_or("none");
                 seen.push_back(format_time(ctx.now()) + " " + boot);
                 if (ctx.incarnation() > 0) return;
                 ctx.disk().put("synced", "yes");
                 CHECK(ctx.disk().sync());
                 ctx.disk().put("unsynced", "yes");
                 ctx.halt("cannot go on", 100 * kMillisecond);
               }));
  const RunResult r = sim.run();
  CHECK(r.verdict == Verdict::ok);  // a halt is the node's own decision, not a finding
  CHECK(seen == std::vector<std::string>{"0s none/none", "100ms yes/none"});
  CHECK(count_events(sim, TraceEvent::halt) == 1);
  CHECK(count_events(sim, TraceEvent::crash) == 1);
}

TEST_CASE("a full disk refuses writes and its sync says so, after the window writes work again") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::string> seen;
  sim.add_node({.name = "n"}, lambda_actor([&seen](Context& ctx) {
                 ctx.disk().put("k", "1");
                 seen.push_back(ctx.disk().sync() ? "ok" : "refused");
                 ctx.sleep(20 * kMillisecond);  // the disk fills at 10 ms
                 ctx.disk().put("k", "2");
                 seen.push_back(ctx.disk().sync() ? "ok" : "refused");
                 seen.push_back(ctx.disk().get("k").value_or("-"));
                 ctx.sleep(20 * kMillisecond);  // and is emptied at 30 ms
                 ctx.disk().put("k", "3");
                 seen.push_back(ctx.disk().sync() ? "ok" : "refused");
               }));
  std::uint32_t fault = 0;
  sim.at(10 * kMillisecond, "fill", [&fault](Simulation& s) {
    fault = s.disk_fault(0, DiskFault{.kind = DiskFault::Kind::full});
  });
  sim.at(30 * kMillisecond, "empty", [&fault](Simulation& s) { s.end_disk_fault(fault); });
  sim.run();
  CHECK(seen == std::vector<std::string>{"ok", "refused", "1", "ok"});
  CHECK(sim.disk(0).durable().kv.at("k") == "3");
  CHECK(count_events(sim, TraceEvent::disk_fault) == 1);
  CHECK(count_events(sim, TraceEvent::disk_heal) == 1);
}

TEST_CASE("disk fault windows: reads corrupt, syncs slow down, crashes tear, all end with the window") {
  SeededChoices choices(3);
  SimConfig config = quiet_config();
  config.disk.sync_latency_min_ns = config.disk.sync_latency_max_ns = kMillisecond;
  Simulation sim(config, choices);
  std::vector<Duration> sync_took;
  std::vector<bool> read_intact;
  sim.add_node({.name = "n"}, lambda_actor([&](Context& ctx) {
                 ctx.disk().put("k", "abcdef");
                 ctx.disk().sync();
                 for (int round = 0; round < 3; ++round) {
                   const Time before = ctx.now();
                   ctx.disk().sync();
                   sync_took.push_back(ctx.now() - before);
                   read_intact.push_back(ctx.disk().get("k") == std::optional<std::string>("abcdef"));
                   ctx.sleep(100 * kMillisecond);
                 }
               }));
  std::vector<std::uint32_t> ids;
  sim.at(50 * kMillisecond, "faults", [&ids](Simulation& s) {
    ids.push_back(s.disk_fault(0, DiskFault{.kind = DiskFault::Kind::slow, .slow_factor = 20}));
    ids.push_back(s.disk_fault(0, DiskFault{.kind = DiskFault::Kind::read_corruption}));
  });
  sim.at(150 * kMillisecond, "end", [&ids](Simulation& s) {
    for (std::uint32_t id : ids) s.end_disk_fault(id);
  });
  sim.run();
  CHECK(sync_took == std::vector<Duration>{kMillisecond, 20 * kMillisecond, kMillisecond});
  CHECK(read_intact == std::vector<bool>{true, false, true});
  CHECK(count_events(sim, TraceEvent::disk_corrupt) == 1);
}

TEST_CASE("lose_unsynced drops pending writes while the node keeps running") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::optional<std::string> after;
  sim.add_node({.name = "n"}, lambda_actor([&after](Context& ctx) {
                 ctx.disk().put("kept", "1");
                 ctx.disk().sync();
                 ctx.disk().put("lost", "1");
                 ctx.sleep(20 * kMillisecond);
                 after = ctx.disk().get("lost");
                 CHECK(ctx.disk().get("kept").has_value());
               }));
  sim.at(10 * kMillisecond, "forget", [](Simulation& s) { s.lose_unsynced(0); });
  sim.run();
  CHECK(!after.has_value());
  CHECK(count_events(sim, TraceEvent::disk_loss) == 1);
}

TEST_CASE("wipe_disk loses synced and unsynced writes alike, and the trace says so") {
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  sim.add_node({.name = "n"}, lambda_actor([](Context& ctx) {
                 ctx.disk().put("kept", "1");
                 ctx.disk().append("log", "a");
                 ctx.disk().sync();
                 ctx.disk().put("unsynced", "1");
                 ctx.sleep(kSecond);
               }));
  sim.at(10 * kMillisecond, "crash", [](Simulation& s) { s.crash(0); });
  sim.at(10 * kMillisecond, "wipe", [](Simulation& s) { s.wipe_disk(0); });
  sim.run();
  CHECK(sim.disk(0).current() == DiskImage{});
  CHECK(sim.disk(0).durable() == DiskImage{});
  CHECK(sim.disk(0).wipes() == 1);
  // One loss at the crash (the unsynced put), one at the wipe (the key and the record).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> losses;
  for (const TraceRecord& r : sim.trace().records()) {
    if (r.type == TraceEvent::disk_loss) losses.emplace_back(r.value, r.detail);
  }
  CHECK(losses == std::vector<std::pair<std::uint64_t, std::uint32_t>>{{1, 0}, {2, 2}});
}

TEST_CASE("FAULTLINE_ASSERT in an actor is a finding naming the seed, time, node and event") {
  SeededChoices choices(1);
  SimConfig config = quiet_config();
  config.seed = 42;
  Simulation sim(config, choices);
  sim.add_node({.name = "s7"}, lambda_actor([](Context& ctx) {
                 ctx.sleep(5 * kMillisecond);
                 const int queue_length = 3;
                 FAULTLINE_ASSERT(queue_length < 2, "the queue is bounded");
               }));
  const RunResult r = sim.run();
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].kind == FindingKind::actor_error);
  const std::string& m = r.findings[0].message;
  CHECK(m.find("queue_length < 2") != std::string::npos);
  CHECK(m.find("the queue is bounded") != std::string::npos);
  CHECK(m.find("actor_api_test.cpp") != std::string::npos);
  CHECK(m.find("seed 42, t=5ms, node s7, event ") != std::string::npos);
}

TEST_CASE("FAULTLINE_ASSERT stays on in release builds (NDEBUG does not remove it)") {
  // This test binary is built with the project's flags (-DNDEBUG in Release).
  CHECK_THROWS_AS(([] {
                    struct InActor final : RunPlace {
                      std::string describe_place() const override { return "here"; }
                      bool in_actor() const override { return true; }
                    } place;
                    set_current_run_place(&place);
                    try {
                      FAULTLINE_ASSERT(1 + 1 == 3, "arithmetic");
                    } catch (...) {
                      set_current_run_place(nullptr);
                      throw;
                    }
                    set_current_run_place(nullptr);
                  }()),
                  ActorAssertion);
}

TEST_CASE("a clock change as a paused node resumes does not lose the wake for its queued messages") {
  // Found by the two-phase commit protocol: a node waiting without a deadline, paused,
  // sent a message, then resumed and given a new clock offset in the same instant,
  // never woke: the clock change made the resume's wake stale and nothing replaced it.
  SeededChoices choices(1);
  Simulation sim(quiet_config(), choices);
  std::vector<std::uint64_t> got;
  sim.add_node({.name = "a"}, lambda_actor([&got](Context& ctx) {
                 while (auto m = ctx.recv()) got.push_back(m->get<ApiNote>()->n);
               }));
  sim.add_node({.name = "b"}, lambda_actor([](Context& ctx) {
                 ctx.sleep(20 * kMillisecond);
                 ctx.send(0, ApiNote{1});
                 ctx.send(0, ApiNote{2});
               }));
  sim.at(10 * kMillisecond, "pause a", [](Simulation& s) { s.pause(0); });
  sim.at(50 * kMillisecond, "resume a, reset its clock", [](Simulation& s) {
    s.resume(0);
    s.clock_offset(0, 0);
  });
  sim.run();
  CHECK(got == std::vector<std::uint64_t>{1, 2});
}
