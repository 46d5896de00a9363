#include "checker_crosscheck.hpp"

#include <doctest/doctest.h>

#include <map>

#include "checker_random_histories.hpp"

namespace faultline::checker::testing {
namespace {

struct Tally {
  std::uint64_t linearizable = 0;
  std::uint64_t not_linearizable = 0;
  std::uint64_t with_unknown_outcomes = 0;
  std::uint64_t with_failures = 0;
};

Verdict fast_verdict(const History& history, const Model& model, bool compiled, unsigned threads) {
  CheckOptions options;
  options.threads = threads;
  options.use_compiled_models = compiled;
  auto result = check(history, model, options);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message()));
  return result->verdict;
}

void tally(Tally& t, const History& history, Verdict verdict) {
  (verdict == Verdict::linearizable ? t.linearizable : t.not_linearizable) += 1;
  bool unknown = false;
  bool failed = false;
  for (const Operation& op : history.ops) {
    unknown = unknown || op.unknown_outcome();
    failed = failed || op.outcome == Outcome::fail;
  }
  t.with_unknown_outcomes += unknown;
  t.with_failures += failed;
}

}  // namespace

void cross_check(std::uint64_t count, std::uint64_t seed) {
  Rng rng(seed);
  std::map<std::string, Tally> tallies;
  const auto& models = random_models();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string& name = models[i % models.size()];
    RandomCase c = random_case(name, rng, 8);
    auto model = make_model(c.model, c.init, c.options);
    REQUIRE(model.ok());
    Verdict slow = check_brute_force(c.history, **model, 8);
    REQUIRE(slow != Verdict::unknown);
    Verdict compiled = fast_verdict(c.history, **model, true, i % 16 == 0 ? 2 : 1);
    Verdict generic = fast_verdict(c.history, **model, false, 1);
    if (compiled != slow || generic != slow) {
      FAIL_CHECK("case " << i << ": model " << c.model << ", init " << c.init.dump()
                         << ", failed cas observes " << c.options.failed_cas_observes
                         << ", nil read unknown " << c.options.nil_read_is_unknown
                         << "\nbrute force " << to_string(slow) << ", compiled "
                         << to_string(compiled) << ", generic " << to_string(generic) << "\n"
                         << to_jsonl(c.history));
      return;
    }
    tally(tallies[name], c.history, slow);
  }
  // Sometimes-properties: the comparison means something only if both verdicts, unknown
  // outcomes and failures all occur often, for every model.
  for (const auto& [name, t] : tallies) {
    std::uint64_t n = t.linearizable + t.not_linearizable;
    CAPTURE(name);
    CHECK(t.linearizable * 10 >= n);
    CHECK(t.not_linearizable * 10 >= n);
    CHECK(t.with_unknown_outcomes * 5 >= n);
    if (name != "register" && name != "set" && name != "queue" && name != "multi-register") {
      CHECK(t.with_failures * 10 >= n);
    }
    MESSAGE(name << ": " << t.linearizable << " linearizable, " << t.not_linearizable << " not, "
                 << t.with_unknown_outcomes << " with unknown outcomes, " << t.with_failures
                 << " with failed ops");
  }
}

}  // namespace faultline::checker::testing
