#include "checker_crosscheck.hpp"

#include <doctest/doctest.h>

#include <map>

#include "checker_random_histories.hpp"

namespace faultline::checker::testing {
namespace {

// Whether some sequence of `window` ops (each at most once, any order) starting from
// `state` leaves `read` legal.
bool read_placeable(const Model& model, const History& history, const nlohmann::json& state,
                    const std::vector<std::size_t>& window, std::vector<bool>& used,
                    std::size_t read) {
  if (model.step(state, history.ops[read]).legal) return true;
  for (std::size_t i = 0; i < window.size(); ++i) {
    if (used[i]) continue;
    Step step = model.step(state, history.ops[window[i]]);
    if (!step.legal) continue;
    used[i] = true;
    bool found = read_placeable(model, history, step.state, window, used, read);
    used[i] = false;
    if (found) return true;
  }
  return false;
}

std::optional<std::string> partial_problem(const History& history, const Model& model,
                                           const PartReport& part,
                                           const PartialLinearisation& partial,
                                           std::size_t window_max, std::uint64_t* skipped) {
  nlohmann::json state = model.initial_state();
  std::vector<bool> placed(history.ops.size(), false);
  for (std::size_t i = 0; i < partial.steps.size(); ++i) {
    std::size_t op = partial.steps[i].op;
    Step step = model.step(state, history.ops[op]);
    if (!step.legal) return "step " + std::to_string(i) + " does not replay";
    // An op with an unknown outcome stays open to the end, whatever its `info` event.
    const Operation& o = history.ops[op];
    std::uint64_t returned = o.unknown_outcome() ? kNeverCompleted : o.complete_event;
    for (std::size_t j = 0; j < i; ++j) {
      if (returned < history.ops[partial.steps[j].op].invoke_event)
        return "step " + std::to_string(i) + " returned before an earlier step was invoked";
    }
    state = step.state;
    placed[op] = true;
  }
  const Operation& stuck = history.ops[partial.stuck_op];
  if (placed[partial.stuck_op]) return std::string("the stuck op was placed");
  if (!partial.unreachable_read) {
    if (partial.candidates.empty()) return std::string("no candidates");
    for (std::size_t op : partial.candidates) {
      if (model.step(state, history.ops[op]).legal)
        return "candidate " + std::to_string(op) + " is legal in " + state.dump();
    }
    return std::nullopt;
  }
  if (!stuck.completed()) return std::string("an unreachable read without a return");
  std::vector<std::size_t> window;
  for (std::size_t op : part.ops) {
    const Operation& o = history.ops[op];
    bool searched = o.outcome != Outcome::fail || model.keeps_failed(o);
    if (!placed[op] && op != partial.stuck_op && searched &&
        o.invoke_event < stuck.complete_event) {
      window.push_back(op);
    }
  }
  if (window.size() > window_max) {
    if (skipped) ++*skipped;
    return std::nullopt;
  }
  std::vector<bool> used(window.size(), false);
  if (read_placeable(model, history, state, window, used, partial.stuck_op))
    return "the unreachable read can be placed from " + state.dump();
  return std::nullopt;
}

struct Tally {
  std::uint64_t linearizable = 0;
  std::uint64_t not_linearizable = 0;
  std::uint64_t with_unknown_outcomes = 0;
  std::uint64_t with_failures = 0;
  std::uint64_t unreachable_reads = 0;  // explanations of that kind (compiled path)
};

CheckResult fast_check(const History& history, const Model& model, bool compiled,
                       unsigned threads) {
  CheckOptions options;
  options.threads = threads;
  options.use_compiled_models = compiled;
  auto result = check(history, model, options);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message()));
  return std::move(*result);
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

std::optional<std::string> explanation_problem(const History& history, const Model& model,
                                               const CheckResult& result, std::size_t window_max,
                                               std::uint64_t* skipped) {
  if (!result.counterexample) return std::string("no counterexample");
  const Counterexample& c = *result.counterexample;
  if (c.longest.empty()) return std::string("no partial linearisation");
  for (std::size_t i = 0; i < c.longest.size(); ++i) {
    auto problem =
        partial_problem(history, model, result.parts[c.part], c.longest[i], window_max, skipped);
    if (problem) return "partial linearisation " + std::to_string(i) + ": " + *problem;
  }
  return std::nullopt;
}

void cross_check(std::uint64_t count, std::uint64_t seed, const std::vector<std::string>& flavors) {
  Rng rng(seed);
  std::map<std::string, Tally> tallies;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string& name = flavors[i % flavors.size()];
    RandomCase c = random_case(name, rng, 8);
    auto model = make_model(c.model, c.init, c.options);
    REQUIRE(model.ok());
    Verdict slow = check_brute_force(c.history, **model, 8);
    REQUIRE(slow != Verdict::unknown);
    CheckResult compiled = fast_check(c.history, **model, true, i % 16 == 0 ? 2 : 1);
    CheckResult generic = fast_check(c.history, **model, false, 1);
    std::optional<std::string> problem;
    if (slow == Verdict::not_linearizable) {
      problem = explanation_problem(c.history, **model, compiled, 8);
      if (!problem) problem = explanation_problem(c.history, **model, generic, 8);
    }
    if (compiled.verdict != slow || generic.verdict != slow || problem) {
      FAIL_CHECK(
          "case " << i << ": model " << c.model << ", init " << c.init.dump()
                  << ", failed cas observes " << c.options.failed_cas_observes
                  << ", nil read unknown " << c.options.nil_read_is_unknown << "\nbrute force "
                  << to_string(slow) << ", compiled " << to_string(compiled.verdict) << ", generic "
                  << to_string(generic.verdict) << "\n"
                  << (problem ? "explanation: " + *problem + "\n" : "") << to_jsonl(c.history));
      return;
    }
    tally(tallies[name], c.history, slow);
    if (compiled.counterexample) {
      for (const auto& partial : compiled.counterexample->longest)
        tallies[name].unreachable_reads += partial.unreachable_read;
    }
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
    // The pruning behind unreachable-read explanations runs on the compiled value models.
    if (name == "register" || name == "cas-register" || name == "kv" || name == "kv-appends" ||
        name == "kv-pieces") {
      CHECK(t.unreachable_reads * 50 >= t.not_linearizable);
    }
    MESSAGE(name << ": " << t.linearizable << " linearizable, " << t.not_linearizable << " not, "
                 << t.with_unknown_outcomes << " with unknown outcomes, " << t.with_failures
                 << " with failed ops, " << t.unreachable_reads
                 << " unreachable-read explanations");
  }
}

}  // namespace faultline::checker::testing
