// The models' semantics on small histories whose verdicts are worked out by hand, and a
// model written against the public interface, as a protocol would add its own.
#include <doctest/doctest.h>

#include <checker/checker.hpp>

namespace ck = faultline::checker;

namespace {

// Builds a history in the order of the calls.
class Script {
 public:
  Script& invoke(std::int64_t p, std::string f, nlohmann::json v = nullptr,
                 std::optional<std::string> key = std::nullopt) {
    REQUIRE_FALSE(b_.invoke(p, std::move(f), std::move(key), std::move(v)));
    return *this;
  }
  Script& ok(std::int64_t p, nlohmann::json v = nullptr) { return done(p, ck::Outcome::ok, v); }
  Script& fail(std::int64_t p, nlohmann::json v = nullptr) { return done(p, ck::Outcome::fail, v); }
  Script& info(std::int64_t p) { return done(p, ck::Outcome::info, nullptr); }
  ck::History history() { return std::move(b_).finish(); }

 private:
  Script& done(std::int64_t p, ck::Outcome o, nlohmann::json v) {
    REQUIRE_FALSE(b_.complete(p, o, std::move(v)));
    return *this;
  }
  ck::HistoryBuilder b_;
};

ck::Verdict verdict(const ck::History& h, const std::string& model, nlohmann::json init = nullptr,
                    ck::ModelOptions options = {}) {
  auto m = ck::make_model(model, init, options);
  REQUIRE(m.ok());
  auto r = ck::check(h, **m);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  // The slow twin must agree on every hand-made case too.
  if (h.ops.size() <= 10) CHECK(ck::check_brute_force(h, **m) == r->verdict);
  return r->verdict;
}

constexpr auto kYes = ck::Verdict::linearizable;
constexpr auto kNo = ck::Verdict::not_linearizable;

}  // namespace

TEST_CASE("register: a read concurrent with a write may see either value, not a later one") {
  // MIT 6.824 2017 quiz 2, section VII: write 100 overlaps reads of 100 and 0.
  auto ok = Script()
                .invoke(0, "write", 100)
                .invoke(1, "read")
                .invoke(2, "read")
                .ok(2, 0)
                .ok(1, 100)
                .ok(0)
                .history();
  CHECK(verdict(ok, "register", 0) == kYes);
  // A read of 200 finishes before a read of 0 starts: the write cannot be undone.
  auto bad = Script()
                 .invoke(0, "write", 200)
                 .invoke(1, "read")
                 .ok(1, 200)
                 .invoke(2, "read")
                 .ok(2, 0)
                 .ok(0)
                 .history();
  CHECK(verdict(bad, "register", 0) == kNo);
}

TEST_CASE("register: an unknown outcome may take effect late, or never") {
  auto late = Script()
                  .invoke(0, "write", 1)
                  .info(0)
                  .invoke(1, "read")
                  .ok(1, 0)
                  .invoke(1, "read")
                  .ok(1, 1)
                  .history();
  CHECK(verdict(late, "register", 0) == kYes);
  auto never = Script().invoke(0, "write", 1).invoke(1, "read").ok(1, 0).history();
  CHECK(verdict(never, "register", 0) == kYes);
  auto undone = Script()
                    .invoke(0, "write", 1)
                    .info(0)
                    .invoke(1, "read")
                    .ok(1, 1)
                    .invoke(1, "read")
                    .ok(1, 0)
                    .history();
  CHECK(verdict(undone, "register", 0) == kNo);
  auto failed = Script().invoke(0, "write", 1).fail(0).invoke(1, "read").ok(1, 1).history();
  CHECK(verdict(failed, "register", 0) == kNo);  // a failed write did not happen
}

TEST_CASE("cas-register: a failed cas, as no effect or as an observation") {
  // cas [0 1] fails while the value is 0 and nothing else runs: impossible if a failure
  // means the value differed, fine if it only means "did not take effect".
  auto h = Script().invoke(0, "cas", {0, 1}).fail(0).history();
  ck::ModelOptions observes;
  observes.failed_cas_observes = true;
  CHECK(verdict(h, "cas-register", 0) == kYes);
  CHECK(verdict(h, "cas-register", 0, observes) == kNo);
  auto swap = Script().invoke(0, "cas", {0, 1}).ok(0).invoke(1, "read").ok(1, 1).history();
  CHECK(verdict(swap, "cas-register", 0) == kYes);
  CHECK(verdict(swap, "cas-register", 2) == kNo);
}

TEST_CASE("cas-register: Knossos' nil read says nothing, elsewhere it reads nil") {
  auto h = Script().invoke(0, "write", 3).ok(0).invoke(1, "read").ok(1, nullptr).history();
  ck::ModelOptions knossos;
  knossos.nil_read_is_unknown = true;
  CHECK(verdict(h, "cas-register", nullptr) == kNo);
  CHECK(verdict(h, "cas-register", nullptr, knossos) == kYes);
}

TEST_CASE("kv: keys are independent, absent keys read null, append extends \"\"") {
  auto h = Script()
               .invoke(0, "get", nullptr, "a")
               .ok(0, nullptr)
               .invoke(0, "append", "x", "a")
               .ok(0)
               .invoke(1, "append", "y", "b")
               .invoke(0, "get", nullptr, "b")
               .ok(0, "y")
               .ok(1)
               .invoke(0, "cas", {"x", "z"}, "a")
               .ok(0)
               .invoke(0, "get", nullptr, "a")
               .ok(0, "z")
               .history();
  CHECK(verdict(h, "kv") == kYes);
  auto m = ck::make_model("kv");
  auto r = ck::check(h, **m);
  REQUIRE(r.ok());
  CHECK(r->parts.size() == 2);
  CHECK(r->parts[0].key == "a");
  // With every key starting at "" a get of an absent key reads "", not null.
  CHECK(verdict(h, "kv", "") == kNo);
  CHECK(verdict(Script().invoke(0, "get", nullptr, "q").ok(0, "").history(), "kv", "") == kYes);
  CHECK(verdict(Script().invoke(0, "get", nullptr, "q").ok(0, 5).history(), "kv", {{"q", 5}}) ==
        kYes);
}

TEST_CASE("kv: equal strings built differently are one state") {
  // "ab" by put, and "a" + "b" by appends, must compare equal.
  auto h = Script()
               .invoke(0, "append", "a", "k")
               .ok(0)
               .invoke(0, "append", "b", "k")
               .ok(0)
               .invoke(1, "get", nullptr, "k")
               .ok(1, "ab")
               .invoke(1, "cas", {"ab", "c"}, "k")
               .ok(1)
               .history();
  CHECK(verdict(h, "kv") == kYes);
}

TEST_CASE("kv: an unknown append nothing shows may be left out, unless a failed cas saw it") {
  ck::ModelOptions observes;
  observes.failed_cas_observes = true;
  // The append (never answered) is the only way the cas from "" could fail: it took
  // effect, though no read shows its piece.
  auto seen_by_cas = Script()
                         .invoke(0, "append", "p1;", "k")
                         .invoke(1, "cas", {"", "c;"}, "k")
                         .fail(1)
                         .history();
  CHECK(verdict(seen_by_cas, "kv", "", observes) == kYes);
  // Without the failed cas: a read after it that shows nothing of it places it later or
  // nowhere; one that shows another piece only is fine too.
  // An unknown append of "p1;", then "p2;" appended and a read of `read`.
  auto after_p2 = [](const char* read) {
    return Script()
        .invoke(0, "append", "p1;", "k")
        .invoke(1, "append", "p2;", "k")
        .ok(1)
        .invoke(1, "get", nullptr, "k")
        .ok(1, read)
        .history();
  };
  CHECK(verdict(after_p2("p2;"), "kv", "") == kYes);
  // A read that shows it where it cannot be: not linearizable either way.
  CHECK(verdict(after_p2("p2;p1;p1;"), "kv", "") == kNo);
  // Shown by a read, it stays: only its having happened explains the read.
  auto shown = Script().invoke(0, "append", "p1;", "k").invoke(1, "get", nullptr, "k").ok(1, "p1;").history();
  CHECK(verdict(shown, "kv", "") == kYes);
  // Many unknown appends nothing shows cost the search nothing: 24 of them, each free to
  // happen or not before any put, are 2^24 sets to try without leaving them out.
  Script many;
  for (int p = 0; p < 24; ++p) many.invoke(p, "append", "q" + std::to_string(p) + ";", "k");
  // Puts erase what they did, so which of them happened never shows in a read.
  for (int i = 0; i < 8; ++i) {
    const std::string v = "v" + std::to_string(i) + ";";
    many.invoke(99, "put", v, "k").ok(99).invoke(98, "get", nullptr, "k").ok(98, v);
  }
  const ck::History h = many.history();
  auto m = ck::make_model("kv", "");
  REQUIRE(m.ok());
  ck::CheckOptions budget;
  budget.max_configurations = 10000;
  auto r = ck::check(h, **m, budget);
  REQUIRE(r.ok());
  CHECK(r->verdict == kYes);
}

TEST_CASE("multi-register: a transaction is atomic") {
  auto write_both = nlohmann::json::array({{"write", "x", 1}, {"write", "y", 1}});
  auto read_both = nlohmann::json::array({{"read", "x", nullptr}, {"read", "y", nullptr}});
  auto torn = Script()
                  .invoke(0, "txn", write_both)
                  .invoke(1, "txn", read_both)
                  .ok(1, {{"read", "x", 1}, {"read", "y", 0}})
                  .ok(0, write_both)
                  .history();
  nlohmann::json init = {{"x", 0}, {"y", 0}};
  CHECK(verdict(torn, "multi-register", init) == kNo);
  auto whole = Script()
                   .invoke(0, "txn", write_both)
                   .invoke(1, "txn", read_both)
                   .ok(1, {{"read", "x", 1}, {"read", "y", 1}})
                   .ok(0, write_both)
                   .history();
  CHECK(verdict(whole, "multi-register", init) == kYes);
}

TEST_CASE("set: a read returns every element, in any order, each once") {
  auto h = Script()
               .invoke(0, "add", 1)
               .ok(0)
               .invoke(1, "add", 2)
               .invoke(0, "read")
               .ok(0, {2, 1})
               .ok(1)
               .history();
  CHECK(verdict(h, "set") == kYes);
  auto twice = Script().invoke(0, "add", 1).ok(0).invoke(0, "read").ok(0, {1, 1}).history();
  CHECK(verdict(twice, "set") == kNo);
  auto lost =
      Script().invoke(0, "add", 1).ok(0).invoke(0, "read").ok(0, nlohmann::json::array()).history();
  CHECK(verdict(lost, "set") == kNo);
}

TEST_CASE("queue: first in, first out, dequeue of an empty queue returns null") {
  auto fifo = Script()
                  .invoke(0, "enqueue", 1)
                  .ok(0)
                  .invoke(0, "enqueue", 2)
                  .ok(0)
                  .invoke(1, "dequeue")
                  .ok(1, 1)
                  .invoke(1, "dequeue")
                  .ok(1, 2)
                  .invoke(1, "dequeue")
                  .ok(1, nullptr)
                  .history();
  CHECK(verdict(fifo, "queue") == kYes);
  auto lifo = Script()
                  .invoke(0, "enqueue", 1)
                  .ok(0)
                  .invoke(0, "enqueue", 2)
                  .ok(0)
                  .invoke(1, "dequeue")
                  .ok(1, 2)
                  .history();
  CHECK(verdict(lifo, "queue") == kNo);
}

TEST_CASE("mutex: two holders at once are impossible") {
  auto both = Script().invoke(0, "acquire").invoke(1, "acquire").ok(0).ok(1).history();
  CHECK(verdict(both, "mutex") == kNo);
  auto turns = Script()
                   .invoke(0, "acquire")
                   .ok(0)
                   .invoke(1, "acquire")
                   .invoke(0, "release")
                   .ok(0)
                   .ok(1)
                   .history();
  CHECK(verdict(turns, "mutex") == kYes);
}

TEST_CASE("models: operations and initial states they cannot read are bad input") {
  auto check_error = [](const ck::History& h, const std::string& model) {
    auto m = ck::make_model(model);
    REQUIRE(m.ok());
    auto r = ck::check(h, **m);
    REQUIRE_FALSE(r.ok());
    return r.error().message();
  };
  CHECK(check_error(Script().invoke(0, "cas", {1, 2}).history(), "register") ==
        "operation 0 (process 0): the register model has no operation 'cas' (it has read, write)");
  CHECK(check_error(Script().invoke(0, "get").history(), "kv").find("needs a key") !=
        std::string::npos);
  CHECK(check_error(Script().invoke(0, "cas", 1).history(), "cas-register")
            .find("cas takes [expected, new], found 1") != std::string::npos);
  CHECK(check_error(Script().invoke(0, "append", 1, "k").history(), "kv")
            .find("append takes a string") != std::string::npos);
  CHECK(check_error(Script().invoke(0, "txn", {{"frob", "x", 1}}).history(), "multi-register")
            .find("[read key value] or [write key value]") != std::string::npos);
  CHECK(ck::make_model("set", 3).error().message() ==
        "--init: the set model starts from a list of elements, not 3");
  CHECK(ck::make_model("btree").error().message().find("no model named 'btree'") !=
        std::string::npos);
  CHECK(ck::builtin_models().size() == 7);
}

TEST_CASE("models: the model a history's operations suggest") {
  CHECK(ck::infer_model(Script().invoke(0, "cas", {1, 2}).history()) == "cas-register");
  CHECK(ck::infer_model(Script().invoke(0, "read", nullptr, "k").history()) == "kv");
  CHECK(ck::infer_model(Script().invoke(0, "append", "x").history()) == "kv");
  CHECK(ck::infer_model(Script().invoke(0, "txn", nlohmann::json::array()).history()) ==
        "multi-register");
  CHECK(ck::infer_model(Script().invoke(0, "dequeue").history()) == "queue");
  CHECK(ck::infer_model(Script().invoke(0, "acquire").history()) == "mutex");
  CHECK(ck::infer_model(Script().invoke(0, "add", 1).history()) == "set");
}

namespace {

// Counters by key (each starts at 0), written only against the public interface.
class CounterModel final : public ck::Model {
 public:
  std::string name() const override { return "counter"; }
  nlohmann::json initial_state() const override { return nlohmann::json::object(); }
  ck::Step step(const nlohmann::json& state, const ck::Operation& op) const override {
    int count = state.value(*op.key, 0);
    if (op.f == "increment") {
      nlohmann::json next = state;
      next[*op.key] = count + 1;
      return {true, next};
    }
    bool known = op.outcome == ck::Outcome::ok;
    return {!known || op.output == count, state};
  }
  std::optional<std::string> partition(const ck::Operation& op) const override { return op.key; }
  bool read_only(const ck::Operation& op) const override { return op.f == "read"; }
};

}  // namespace

TEST_CASE("a model written against the public interface is checked like a built-in one") {
  CounterModel counter;
  auto good = Script()
                  .invoke(0, "increment", nullptr, "a")
                  .invoke(1, "read", nullptr, "a")
                  .ok(1, 1)
                  .ok(0)
                  .invoke(2, "read", nullptr, "b")
                  .ok(2, 0)
                  .history();
  auto r = ck::check(good, counter);
  REQUIRE(r.ok());
  CHECK(r->verdict == kYes);
  CHECK(r->parts.size() == 2);
  CHECK(ck::check_brute_force(good, counter) == kYes);
  auto bad = Script()
                 .invoke(0, "increment", nullptr, "a")
                 .ok(0)
                 .invoke(1, "read", nullptr, "a")
                 .ok(1, 2)
                 .history();
  auto r2 = ck::check(bad, counter);
  REQUIRE(r2.ok());
  CHECK(r2->verdict == kNo);
  REQUIRE(r2->counterexample);
  CHECK(r2->counterexample->longest[0].stuck_state == "{\"a\":1}");
}
