// The search's results beyond the verdict: explanations that point at the right op, the
// HTML page, witnesses that replay, budgets that end in `unknown`, and reports that do not
// depend on the number of threads.
#include <doctest/doctest.h>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "checker_crosscheck.hpp"
#include "faultline_testdata.hpp"

namespace ck = faultline::checker;

namespace {

std::string testdata(const std::string& path) {
  return faultline::testing::testdata_path(path);
}

struct Loaded {
  ck::HistoryFile file;
  std::unique_ptr<ck::Model> model;
};

Loaded load(const std::string& path, nlohmann::json init = nullptr, bool use_init = false) {
  auto file = ck::read_history_file(testdata(path));
  REQUIRE(file.ok());
  std::string name = file->default_model.value_or(ck::infer_model(file->history));
  auto model = ck::make_model(name, use_init ? init : file->default_init, file->model_options);
  REQUIRE(model.ok());
  return Loaded{std::move(*file), std::move(*model)};
}

ck::CheckResult run(const Loaded& l, ck::CheckOptions options = {}) {
  auto r = ck::check(l.file.history, *l.model, options);
  REQUIRE(r.ok());
  return std::move(*r);
}

// Replays a linearisation on the model's JSON form: every step legal, real time respected.
void check_replays(const ck::History& h, const ck::Model& model, const ck::Linearisation& steps) {
  nlohmann::json state = model.initial_state();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    ck::Step step = model.step(state, h.ops[steps[i].op]);
    REQUIRE(step.legal);
    state = step.state;
    for (std::size_t j = 0; j < i; ++j) {
      CHECK_FALSE(h.ops[steps[i].op].complete_event < h.ops[steps[j].op].invoke_event);
    }
  }
}

}  // namespace

TEST_CASE("explain: the op that could not be placed is the read of 3, not the read after it") {
  Loaded l = load("knossos/cas-register/bad/rethink-fail-minimal.edn");
  ck::CheckResult r = run(l);
  REQUIRE(r.verdict == ck::Verdict::not_linearizable);
  REQUIRE(r.counterexample);
  const auto& partial = r.counterexample->longest.at(0);
  const ck::Operation& stuck = l.file.history.ops[partial.stuck_op];
  CHECK(stuck.process == 1);
  CHECK(stuck.output == 3);
  CHECK(partial.steps.size() == 2);  // write 0, then write 4
  CHECK(partial.stuck_state == "4");
  check_replays(l.file.history, *l.model, partial.steps);
  std::string text = ck::explain_text(l.file.history, *l.model, r);
  CHECK(text.find("verdict: not_linearizable") == 0);
  CHECK(text.find("process 1: read → 3") != std::string::npos);
  CHECK(text.find("it met the state 4") != std::string::npos);
}

TEST_CASE("explain: an operation of a history built in memory is placed by its history events") {
  // A run's history has no lines; its operations were placed as "events 2-3", which the
  // trace page read as its own (trace) events, a different numbering.
  ck::HistoryBuilder b;
  REQUIRE_FALSE(b.invoke(0, "write", std::nullopt, 1, 1));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nullptr, 2));
  REQUIRE_FALSE(b.invoke(1, "read", std::nullopt, nullptr, 3));
  REQUIRE_FALSE(b.complete(1, ck::Outcome::ok, 2, 4));
  const ck::History h = std::move(b).finish();
  auto model = ck::make_model("register");
  REQUIRE(model.ok());
  auto r = ck::check(h, **model, ck::CheckOptions{});
  REQUIRE(r.ok());
  REQUIRE(r->verdict == ck::Verdict::not_linearizable);
  CHECK(ck::explain_text(h, **model, *r).find("process 1: read → 2  (history events 2–3)") !=
        std::string::npos);
}

TEST_CASE("explain: every longest partial linearisation ends where its stated reason holds") {
  // c10-bad's failing part ends in a read that appends can no longer satisfy (the search
  // prunes there); the brute-force check confirms that claim, and the candidates' illegality
  // for ordinary stuck points.
  Loaded l = load("porcupine-kv/c10-bad.txt");
  ck::CheckResult r = run(l);
  REQUIRE(r.counterexample);
  const ck::PartReport& part = r.parts[r.counterexample->part];
  CHECK(r.counterexample->longest.size() >= 1);
  std::uint64_t skipped = 0;
  for (const auto& partial : r.counterexample->longest) {
    check_replays(l.file.history, *l.model, partial.steps);
    CHECK(std::find(part.ops.begin(), part.ops.end(), partial.stuck_op) != part.ops.end());
    CHECK(partial.unreachable_read == partial.candidates.empty());
  }
  auto problem = ck::testing::explanation_problem(l.file.history, *l.model, r, 8, &skipped);
  CHECK_MESSAGE(!problem, problem.value_or(""));
  CHECK(skipped == 0);
  CHECK(r.counterexample->longest[0].unreachable_read);
  std::string text = ck::explain_text(l.file.history, *l.model, r);
  CHECK(text.find("Then this read could not be placed, nor ever be:") != std::string::npos);
  std::string html = ck::explain_html(l.file.history, *l.model, r, "c10-bad");
  CHECK(html.find("no operation that could still come before it returns") != std::string::npos);
}

TEST_CASE("explain: with the generic path, every next op is illegal") {
  // The generic (JSON) path does not prune, so its explanations are all of the first kind.
  Loaded l = load("porcupine-kv/c10-bad.txt");
  ck::CheckOptions options;
  options.use_compiled_models = false;
  ck::CheckResult r = run(l, options);
  REQUIRE(r.counterexample);
  for (const auto& partial : r.counterexample->longest) {
    check_replays(l.file.history, *l.model, partial.steps);
    nlohmann::json state = l.model->initial_state();
    for (const auto& step : partial.steps)
      state = l.model->step(state, l.file.history.ops[step.op]).state;
    CHECK_FALSE(partial.unreachable_read);
    REQUIRE_FALSE(partial.candidates.empty());
    for (std::size_t op : partial.candidates) {
      CHECK_FALSE(l.model->step(state, l.file.history.ops[op]).legal);
    }
  }
  CHECK(!ck::testing::explanation_problem(l.file.history, *l.model, r));
}

TEST_CASE("explain: the HTML page is self-contained and marks the failing op") {
  Loaded l = load("knossos/cas-register/bad/rethink-fail-minimal.edn");
  ck::CheckResult r = run(l);
  std::string html = ck::explain_html(l.file.history, *l.model, r, "rethink <minimal>");
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("rethink &lt;minimal&gt;") != std::string::npos);
  CHECK(html.find("class=\"op ok stuck\"") != std::string::npos);
  CHECK(html.find("could not be placed; it met the state 4") != std::string::npos);
  CHECK(html.find("state after: 0") != std::string::npos);
  CHECK(html.find("<circle") != std::string::npos);
  for (const char* remote : {"src=", "href=", "http:", "https:", "@import", "url("}) {
    CAPTURE(remote);
    CHECK(html.find(remote) == std::string::npos);
  }
}

TEST_CASE("witness: a linearizable history's linearisation replays, part by part") {
  Loaded l = load("porcupine-kv/c10-ok.txt");
  ck::CheckOptions options;
  options.want_witness = true;
  ck::CheckResult r = run(l, options);
  REQUIRE(r.verdict == ck::Verdict::linearizable);
  REQUIRE(r.parts.size() == 10);
  for (const ck::PartReport& part : r.parts) {
    CHECK(part.verdict == ck::Verdict::linearizable);
    CHECK_FALSE(part.witness.empty());
    check_replays(l.file.history, *l.model, part.witness);
  }
  std::string html = ck::explain_html(l.file.history, *l.model, r, "c10-ok");
  CHECK(html.find("Linearizable") != std::string::npos);
}

TEST_CASE("report: the failing part is the same whatever the number of threads") {
  Loaded l = load("porcupine-kv/c50-bad.txt");
  std::optional<std::string> reported;
  for (unsigned threads : {1u, 2u, 4u, 1u, 3u}) {
    ck::CheckOptions options;
    options.threads = threads;
    ck::CheckResult r = run(l, options);
    REQUIRE(r.verdict == ck::Verdict::not_linearizable);
    std::string key = r.parts[r.counterexample->part].key;
    if (!reported) reported = key;
    CHECK(key == *reported);
  }
}

namespace {

// 24 writes whose outcome is unknown, then a read of a value none wrote: not
// linearizable, but only after trying every subset of the writes.
ck::History hard_history(int writers) {
  ck::HistoryBuilder b;
  for (int p = 0; p < writers; ++p) REQUIRE_FALSE(b.invoke(p, "write", std::nullopt, p));
  for (int p = 0; p < writers; ++p) REQUIRE_FALSE(b.complete(p, ck::Outcome::info, nullptr));
  REQUIRE_FALSE(b.invoke(writers, "read", std::nullopt, nullptr));
  REQUIRE_FALSE(b.invoke(writers + 1, "write", std::nullopt, -1));
  REQUIRE_FALSE(b.complete(writers, ck::Outcome::ok, 999));
  REQUIRE_FALSE(b.complete(writers + 1, ck::Outcome::ok, nullptr));
  return std::move(b).finish();
}

}  // namespace

TEST_CASE("budget: a search that outgrows its time ends in unknown") {
  ck::History h = hard_history(24);
  auto model = ck::make_model("register", 0);
  ck::CheckOptions options;
  options.timeout_s = 0.2;
  options.memory_bytes_max = std::uint64_t{8} << 30;
  auto r = ck::check(h, **model, options);
  REQUIRE(r.ok());
  CHECK(r->verdict == ck::Verdict::unknown);
  CHECK(r->unknown_reason.find("time budget") != std::string::npos);
  CHECK(r->elapsed_ms < 2000);
}

TEST_CASE("budget: a search that outgrows its memory ends in unknown, not out of memory") {
  ck::History h = hard_history(24);
  auto model = ck::make_model("register", 0);
  for (bool compiled : {true, false}) {
    ck::CheckOptions options;
    options.memory_bytes_max = 4 << 20;
    options.use_compiled_models = compiled;
    auto r = ck::check(h, **model, options);
    REQUIRE(r.ok());
    CHECK(r->verdict == ck::Verdict::unknown);
    CHECK(r->unknown_reason.find("memory budget") != std::string::npos);
  }
  // The same search with room enough finds the answer.
  ck::History small = hard_history(10);
  auto r = ck::check(small, **model);
  REQUIRE(r.ok());
  CHECK(r->verdict == ck::Verdict::not_linearizable);
}

TEST_CASE("budget: parts share the memory budget, and the rest wait for the starved one") {
  // Many easy parts and one hard one, in a kv history: the hard part gets the memory the
  // easy ones free when they finish.
  ck::HistoryBuilder b;
  for (int k = 0; k < 20; ++k) {
    std::string key = "easy" + std::to_string(k);
    REQUIRE_FALSE(b.invoke(100, "put", key, "v"));
    REQUIRE_FALSE(b.complete(100, ck::Outcome::ok, nullptr));
  }
  for (int p = 0; p < 14; ++p) REQUIRE_FALSE(b.invoke(p, "put", "hard", std::to_string(p)));
  for (int p = 0; p < 14; ++p) REQUIRE_FALSE(b.complete(p, ck::Outcome::info, nullptr));
  REQUIRE_FALSE(b.invoke(50, "get", "hard", nullptr));
  REQUIRE_FALSE(b.complete(50, ck::Outcome::ok, "none"));
  ck::History h = std::move(b).finish();
  auto model = ck::make_model("kv");
  ck::CheckOptions options;
  options.memory_bytes_max = 64 << 20;
  auto r = ck::check(h, **model, options);
  REQUIRE(r.ok());
  CHECK(r->verdict == ck::Verdict::not_linearizable);
  CHECK(r->parts[r->counterexample->part].key == "hard");
}
