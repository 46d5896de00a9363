#pragma once
// The trace's client history as bars (one per operation, from invocation to completion)
// with the linearizability verdict, which viz computes itself with the checker: a trace
// records the history, not the verdict (and a run stopped by an invariant never checked it).
#include <cstdint>
#include <string>
#include <vector>

#include "viz/trace.hpp"

namespace faultline::viz {

struct OpBar {
  std::int64_t process = 0;
  int node = kWorld;                   // the client node that ran it, when the trace says
  std::size_t invoke_event = kNone;    // positions in Trace::events (kNone: not in it)
  std::size_t complete_event = kNone;  // kNone: never completed
  std::int64_t t0 = 0, t1 = 0;         // invocation, completion (the trace's end if open)
  std::string outcome;                 // ok, fail, info (info also when never completed)
  std::string text;                    // "put k1 0.1 -> ok"
};

struct HistoryReport {
  std::vector<OpBar> ops;               // in invocation order (the checker's op order)
  std::string verdict;                  // linearizable, not_linearizable, unknown, not checked
  std::string model;                    // the model it was checked against
  std::string explanation;              // why not (or why unknown / not checked)
  std::size_t stuck_op = kNone;         // index into ops: the op that could not be placed
  std::vector<std::size_t> candidates;  // ops that could have come next instead
};

struct CheckBudget {
  // No wall-clock limit by default: a page's verdict must not depend on the machine. The
  // memory budget is a count of what the search stored, the same everywhere.
  double timeout_s = 0;
  std::uint64_t memory_bytes_max = 256ULL << 20;
};

// A history that is not a history (a completion with no invocation, a missing process) is
// bad input, with its JSON path; one the inferred model cannot read is "not checked".
Expected<HistoryReport> check_history(const Trace& trace, const CheckBudget& budget = {});

}  // namespace faultline::viz
