// echo on the simulator: determinism under every fault, replay, the planted bug.
#include <doctest/doctest.h>

#include <set>

#include "echo/echo.hpp"

using namespace faultline;
using protocols::RunSpec;

namespace {

RunSpec faulty(std::uint64_t seed) {
  RunSpec spec;
  spec.seed = seed;
  spec.time_limit_ns = 5 * sim::kSecond;
  spec.faults = protocols::fault_profile(echo::protocol(), "all", spec.time_limit_ns);
  spec.faults.torn_writes = sim::Ratio{1, 2};
  return spec;
}

}  // namespace

TEST_CASE("echo: 200 seeds with every fault kind on, each run twice, give identical hashes") {
  const protocols::Protocol p = echo::protocol();
  std::set<std::uint64_t> distinct;
  std::set<sim::FaultKind> kinds_seen;
  std::uint64_t crashes = 0, drops = 0, duplicates = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto first = protocols::run_protocol(p, faulty(seed));
    auto second = protocols::run_protocol(p, faulty(seed));
    REQUIRE(first.result.trace_hash == second.result.trace_hash);
    REQUIRE(first.result.events == second.result.events);
    INFO("seed " << seed << ": "
                 << (first.result.findings.empty() ? std::string("no finding")
                                                   : sim::describe_finding(first.result.findings[0])));
    CHECK(first.result.verdict == sim::Verdict::ok);
    distinct.insert(first.result.trace_hash);
    crashes += first.result.stats.crashes;
    drops += first.result.stats.messages_dropped;
    duplicates += first.result.stats.messages_duplicated;
    for (const auto& r : first.sim->trace().records()) {
      if (r.type == sim::TraceEvent::partition) kinds_seen.insert(sim::FaultKind::partition);
      if (r.type == sim::TraceEvent::pause) kinds_seen.insert(sim::FaultKind::pause);
      if (r.type == sim::TraceEvent::clock) kinds_seen.insert(sim::FaultKind::clock_jump);
    }
  }
  CHECK(distinct.size() == 200);  // different seeds, different runs
  // The faults really happened (a sweep that injected nothing would prove nothing).
  CHECK(crashes > 50);
  CHECK(drops > 200);
  CHECK(duplicates > 50);
  CHECK(kinds_seen.size() == 3);
}

TEST_CASE("echo: a recorded tape replays to the identical trace, a truncated tape still runs") {
  const protocols::Protocol p = echo::protocol();
  auto original = protocols::run_protocol(p, faulty(17));
  const sim::Tape tape = original.choices->tape();
  REQUIRE(tape.size() > 100);

  auto replayed =
      protocols::run_protocol(p, faulty(999), std::make_unique<sim::TapeChoices>(tape));
  CHECK(replayed.result.trace_hash == original.result.trace_hash);
  CHECK(replayed.result.tape_misfits == 0);
  CHECK(replayed.choices->tape() == tape);

  sim::Tape half(tape.begin(), tape.begin() + static_cast<std::ptrdiff_t>(tape.size() / 2));
  auto truncated =
      protocols::run_protocol(p, faulty(999), std::make_unique<sim::TapeChoices>(half));
  CHECK(truncated.result.verdict == sim::Verdict::ok);
  CHECK(truncated.result.trace_hash != original.result.trace_hash);
  CHECK(truncated.result.events > 0);
  // The prefix is shared: the first half of the choices are the same.
  const sim::Tape& t = truncated.choices->tape();
  REQUIRE(t.size() >= half.size());
  CHECK(std::equal(half.begin(), half.end(), t.begin()));
}

TEST_CASE("echo: without faults every operation completes with its own value") {
  RunSpec spec;
  spec.seed = 3;
  auto out = protocols::run_protocol(echo::protocol(), spec);
  CHECK(out.result.verdict == sim::Verdict::ok);
  int ok = 0;
  for (const auto& e : out.sim->history().events()) {
    if (e.type == sim::OpType::ok) ++ok;
    CHECK(e.type != sim::OpType::info);
  }
  CHECK(ok == 3 * 50);
}

TEST_CASE("echo: the planted stale-reply bug is found by the invariant, not by the flag") {
  RunSpec spec;
  spec.seed = 1;
  spec.bugs = {"stale-reply"};
  auto out = protocols::run_protocol(echo::protocol(), spec);
  REQUIRE(out.result.verdict == sim::Verdict::violation);
  REQUIRE(out.result.findings.size() == 1);
  CHECK(out.result.findings[0].name == "replies echo requests");
  CHECK(out.result.findings[0].message.find("accepted a wrong reply") != std::string::npos);
  // The flag alone finds nothing: with no clients there is no reply to be wrong.
  RunSpec idle = spec;
  idle.options.set("clients", "0");
  CHECK(protocols::run_protocol(echo::protocol(), idle).result.verdict == sim::Verdict::ok);
}

TEST_CASE("echo: bad options and unknown bugs are clear errors") {
  RunSpec spec;
  spec.options.set("servers", "zero");
  CHECK_THROWS_WITH_AS(protocols::run_protocol(echo::protocol(), spec),
                       "--set servers: expected int in [1, 1000], got 'zero'",
                       protocols::BadInput);
  RunSpec typo;
  typo.options.set("sever", "3");
  CHECK_THROWS_AS(protocols::run_protocol(echo::protocol(), typo), protocols::BadInput);
  RunSpec bug;
  bug.bugs = {"nope"};
  CHECK_THROWS_WITH_AS(protocols::run_protocol(echo::protocol(), bug),
                       "--bug nope: unknown bug for echo; known: stale-reply",
                       protocols::BadInput);
}
