// The work budget (CheckOptions::max_configurations): a count of configurations explored,
// so a verdict that ran out of budget is `unknown` on every machine alike, with the same
// count, whatever the number of threads.
#include <doctest/doctest.h>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "faultline_testdata.hpp"

namespace ck = faultline::checker;

namespace {

// Per key: `writers` writes with unknown outcomes, then a read of a value none wrote (or,
// when `good`, of the last value written): the bad ones fail only after trying every subset.
void add_part(ck::HistoryBuilder& b, const std::string& key, int writers, bool good,
              std::int64_t& process) {
  const std::int64_t first = process;
  for (int w = 0; w < writers; ++w) REQUIRE_FALSE(b.invoke(process++, "put", key, w));
  for (std::int64_t p = first; p < process; ++p) {
    REQUIRE_FALSE(b.complete(p, ck::Outcome::info, nullptr));
  }
  REQUIRE_FALSE(b.invoke(process, "get", key, nullptr));
  REQUIRE_FALSE(b.complete(process++, ck::Outcome::ok, good ? writers - 1 : 999));
}

ck::History parts_history(int parts, int writers, bool good) {
  ck::HistoryBuilder b;
  std::int64_t process = 0;
  for (int k = 0; k < parts; ++k) add_part(b, "k" + std::to_string(k), writers, good, process);
  return std::move(b).finish();
}

ck::CheckResult run(const ck::History& h, std::uint64_t budget, unsigned threads = 1) {
  auto model = ck::make_model("kv", 0);
  REQUIRE(model.ok());
  ck::CheckOptions options;
  options.max_configurations = budget;
  options.threads = threads;
  auto r = ck::check(h, **model, options);
  REQUIRE(r.ok());
  return std::move(*r);
}

}  // namespace

TEST_CASE("budget: running out of work gives unknown, naming the budget, at exactly the budget") {
  ck::History h = parts_history(4, 12, false);
  ck::CheckResult r = run(h, 50'000);
  CHECK(r.verdict == ck::Verdict::unknown);
  CHECK(r.unknown_reason.find(
            "the work budget (max_configurations) of 50000 configurations ran out") == 0);
  CHECK(r.configurations == 50'000);
  std::uint64_t sum = 0;
  for (const ck::PartReport& part : r.parts) {
    CHECK(part.verdict == ck::Verdict::unknown);
    sum += part.configurations;
  }
  CHECK(sum == 50'000);
}

TEST_CASE("budget: the verdict and every part's count repeat, on one thread or several") {
  ck::History h = parts_history(5, 11, false);
  ck::CheckResult first = run(h, 30'001, 1);
  for (unsigned threads : {1u, 1u, 2u, 4u}) {
    ck::CheckResult again = run(h, 30'001, threads);
    CHECK(again.verdict == first.verdict);
    CHECK(again.configurations == first.configurations);
    REQUIRE(again.parts.size() == first.parts.size());
    for (std::size_t i = 0; i < first.parts.size(); ++i) {
      CHECK(again.parts[i].configurations == first.parts[i].configurations);
    }
  }
}

TEST_CASE("budget: exactly the work a full search needs is enough, one less is not") {
  auto file = ck::read_history_file(faultline::testing::testdata_path("porcupine-kv/c10-ok.txt"));
  REQUIRE(file.ok());
  auto model = ck::make_model("kv", file->default_init, file->model_options);
  REQUIRE(model.ok());
  auto with = [&](std::uint64_t budget) {
    ck::CheckOptions options;
    options.max_configurations = budget;
    options.threads = 1;
    return std::move(*ck::check(file->history, **model, options));
  };
  ck::CheckResult unbounded = with(0);
  REQUIRE(unbounded.verdict == ck::Verdict::linearizable);
  REQUIRE(unbounded.configurations > 100);
  ck::CheckResult exact = with(unbounded.configurations);
  CHECK(exact.verdict == ck::Verdict::linearizable);
  CHECK(exact.configurations == unbounded.configurations);
  ck::CheckResult short_by_one = with(unbounded.configurations - 1);
  CHECK(short_by_one.verdict == ck::Verdict::unknown);
  CHECK(short_by_one.configurations == unbounded.configurations - 1);
}

TEST_CASE("budget: a failure found within the budget is reported, not hidden as unknown") {
  ck::HistoryBuilder b;
  std::int64_t process = 0;
  add_part(b, "hard", 16, true, process);  // linearizable, but after a long search
  add_part(b, "easy", 2, false, process);  // not linearizable, found at once
  ck::History h = std::move(b).finish();
  ck::CheckResult r = run(h, 5'000);
  CHECK(r.verdict == ck::Verdict::not_linearizable);
  REQUIRE(r.counterexample);
  CHECK(r.parts[r.counterexample->part].key == "easy");
  // And a generous budget changes nothing about a history it suffices for.
  ck::History good = parts_history(3, 6, true);
  CHECK(run(good, 1'000'000).verdict == ck::Verdict::linearizable);
  CHECK(run(good, 1'000'000).configurations == run(good, 0).configurations);
}

// A Raft run with 2 s election timeouts over 30 s (a stress template's seed 6): clients
// timed out on many appends whose pieces no read ever shows, and puts erase what they did.
// Each such append was free to happen or not before any put, and the in-run budget of
// 2,000,000 configurations ran out ("unknown"). Left out (ValueModel's unobserved
// appends), it is decided in about 40,000.
TEST_CASE("budget: unknown appends that nothing shows do not multiply the search (a Raft history)") {
  auto file = ck::read_history_file(std::string(FAULTLINE_SOURCE_DIR) +
                                    "/tests/checker/data/raft-unknown-appends.jsonl");
  REQUIRE(file.ok());
  auto model = ck::make_model("kv", nullptr);
  REQUIRE(model.ok());
  ck::CheckOptions options;
  options.max_configurations = 100000;
  options.threads = 1;
  auto result = ck::check(file->history, **model, options);
  REQUIRE(result.ok());
  const ck::CheckResult& r = *result;
  CHECK(r.verdict == ck::Verdict::linearizable);
  CHECK(r.configurations < 100000);
}
