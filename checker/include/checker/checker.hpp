#pragma once
// faultline's linearizability checker: is there one sequential order of a history's
// operations, consistent with real time, in which every result is what the model returns?
//
// In-process use (what the simulator's clients do at the end of a run):
//
//   using namespace faultline::checker;
//   HistoryBuilder builder;
//   auto e1 = builder.invoke(/*process*/ 0, "put", "x", "1", /*time_ns*/ 1200);
//   auto e2 = builder.invoke(1, "get", "x", nullptr, 1300);
//   auto e3 = builder.complete(0, Outcome::ok, "1", 1500);
//   auto e4 = builder.complete(1, Outcome::ok, "1", 1600);   // each eN: error text or nullopt
//   History history = std::move(builder).finish();
//   auto model = make_model("kv");             // values: JSON; a get of an absent key is null
//   CheckOptions options;
//   options.timeout_s = 10;
//   Expected<CheckResult> result = check(history, **model, options);
//   if (!result) report(result.error().message());                 // an op the model cannot read
//   else if (result->verdict == Verdict::not_linearizable) print(explain_text(history, *result));
//
// Algorithm: Wing & Gong's search with Lowe's memoisation of (linearised set, state),
// per part of a P-compositional partition (parts run in parallel threads); a work budget
// (configurations explored), a time budget and a memory budget turn the verdict into
// `unknown` instead of running without end or out of memory. The verdict, and which part
// is reported as failing, do not depend on thread timing (unless the time budget runs
// out, which is timing by nature; the work budget is not).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/history.hpp"
#include "checker/input_error.hpp"
#include "checker/model.hpp"

namespace faultline::checker {

enum class Verdict : std::uint8_t { linearizable, not_linearizable, unknown };

// "linearizable", "not_linearizable", "unknown"
std::string_view to_string(Verdict verdict);

struct CheckOptions {
  // A budget of work: configurations (distinct linearised set and state pairs) explored,
  // summed over every part; 0: none. When it runs out the verdict is unknown, with a reason
  // naming this budget. Unlike timeout_s it does not depend on the machine: the same history
  // and options give the same verdict and the same count on every run and any number of
  // threads (each part gets its share of what is left before each round). A failure found
  // within the budget is still reported. In-run checks should use this, not timeout_s.
  std::uint64_t max_configurations = 0;
  double timeout_s = 0;                         // search time budget (wall clock); 0: none
  std::uint64_t memory_bytes_max = 1ULL << 30;  // search memory budget, all threads together
  unsigned threads = 0;                         // parts checked at once; 0: one per core
  bool want_witness = false;                    // keep a linearisation of each good part
  bool use_compiled_models = true;              // false: built-ins run on their JSON twin
};

struct LinearisationStep {
  std::size_t op = 0;       // index into History::ops
  std::string state_after;  // the model's description of the state after this op (at most
                            // about 200 characters: a long one keeps its head and tail)
};
using Linearisation = std::vector<LinearisationStep>;

// A longest prefix the search could linearise, and why it could go no further: either
// stuck_op had to come next (the earliest return among the ops not placed) and it and
// every other candidate are illegal in stuck_state; or (unreachable_read) stuck_op is a
// read, and no op that could still come before it returns can turn stuck_state into the
// value it read (only appends were left, or nothing that changes the state at all).
struct PartialLinearisation {
  Linearisation steps;
  std::size_t stuck_op = 0;             // the op that could not be placed
  std::string stuck_state;              // the state it met (a long one cut around where it
                                        // first differs from the op's result)
  std::string stuck_value;              // the op's result when too long to show whole, cut
                                        // around where it first differs from the state
  std::vector<std::size_t> candidates;  // every op that could have come next; none was legal
                                        // (empty for an unreachable read)
  bool unreachable_read = false;
};

struct PartReport {
  std::string key;               // the partition key ("" when not partitioned)
  std::vector<std::size_t> ops;  // indices into History::ops, invocation order
  Verdict verdict = Verdict::unknown;
  std::string unknown_reason;
  std::uint64_t configurations = 0;  // distinct (linearised set, state) pairs explored
  Linearisation witness;             // when linearizable and CheckOptions::want_witness
};

struct Counterexample {
  std::size_t part = 0;  // index into CheckResult::parts: the first part that fails
  std::string initial_state;
  std::vector<PartialLinearisation> longest;  // up to three, the first found first
};

struct CheckResult {
  Verdict verdict = Verdict::unknown;
  std::string model;
  std::size_t ops = 0;            // client operations in the history
  std::vector<PartReport> parts;  // in order of each part's first invocation
  double elapsed_ms = 0;          // partitioning and search, not reading the history
  std::string unknown_reason;
  std::optional<Counterexample> counterexample;  // when not linearizable
  std::uint64_t configurations = 0;
};

// Errors: an operation the model cannot interpret (it names the op and its source line).
Expected<CheckResult> check(const History& history, const Model& model,
                            const CheckOptions& options = {});

// The slow twin: tries every order consistent with real time (and every subset of the
// unknown-outcome ops), on the model's JSON form, without partitioning. Unknown if the
// history has more than max_ops operations that could take effect.
Verdict check_brute_force(const History& history, const Model& model, std::size_t max_ops = 10);

// A readable account of a result: the verdict, and for a failure the failing part, its
// longest partial linearisations, the op that could not be placed and the state it met.
std::string explain_text(const History& history, const Model& model, const CheckResult& result);

// One self-contained HTML page (no network): a row per process, a bar per operation,
// linearisation points, the failing operation highlighted, states on hover.
std::string explain_html(const History& history, const Model& model, const CheckResult& result,
                         std::string_view title);

}  // namespace faultline::checker
