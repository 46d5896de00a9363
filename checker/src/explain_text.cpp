// explain_text(): the verdict in words; for a failure, the failing part, its longest
// partial linearisations, and the op that could not be placed with the state it met.
#include <sstream>

#include "explain_common.hpp"

namespace faultline::checker {
namespace detail {

std::string op_place(const Operation& op) {
  if (op.invoke_line) {
    std::string place = "line " + std::to_string(op.invoke_line);
    if (op.complete_line) place += "–" + std::to_string(op.complete_line);
    return place;
  }
  std::string place = "history events " + std::to_string(op.invoke_event) + "–";
  return place + (op.completed() ? std::to_string(op.complete_event) : std::string("end"));
}

std::string op_label(const History& history, const Model& model, std::size_t op) {
  const Operation& o = history.ops[op];
  return "process " + std::to_string(o.process) + ": " + model.describe_operation(o) + "  (" +
         op_place(o) + ")";
}

std::string part_name(const PartReport& part) {
  return part.key.empty() ? std::string("the history") : "part \"" + part.key + "\"";
}

}  // namespace detail

namespace {

constexpr std::size_t kStepsShown = 12;

void write_partial(std::ostringstream& out, const History& history, const Model& model,
                   const PartialLinearisation& partial, std::size_t part_ops, bool first_shown) {
  const auto& steps = partial.steps;
  out << (first_shown ? "Longest partial linearisation: "
                      : "Another partial linearisation as long: ")
      << steps.size() << " operations placed (the part has " << part_ops << ")";
  std::size_t first = steps.size() > kStepsShown ? steps.size() - kStepsShown : 0;
  if (first > 0) out << " (the last " << kStepsShown << " shown)";
  out << ":\n";
  for (std::size_t i = first; i < steps.size(); ++i) {
    out << "  " << (i + 1) << ". " << detail::op_label(history, model, steps[i].op) << "\n"
        << "       state after: " << steps[i].state_after << "\n";
  }
  const std::string returned =
      partial.stuck_value.empty() ? std::string() : "  it returned " + partial.stuck_value + "\n";
  if (partial.unreachable_read) {
    out << "Then this read could not be placed, nor ever be:\n  "
        << detail::op_label(history, model, partial.stuck_op) << "\n"
        << returned << "  it met the state " << partial.stuck_state
        << ", and no operation that could still come before it returns can make that its "
           "value\n";
    return;
  }
  out << "Then this operation had to be placed and could not be:\n  "
      << detail::op_label(history, model, partial.stuck_op) << "\n"
      << returned << "  it met the state " << partial.stuck_state << "\n";
  if (partial.candidates.size() > 1) {
    out << "No other operation could come first either (each is illegal in that state):\n";
    for (std::size_t op : partial.candidates) {
      if (op != partial.stuck_op) out << "  " << detail::op_label(history, model, op) << "\n";
    }
  }
}

}  // namespace

std::string explain_text(const History& history, const Model& model, const CheckResult& result) {
  std::ostringstream out;
  out << "verdict: " << to_string(result.verdict) << " (" << result.model << " model, "
      << result.ops << " operations, " << result.parts.size() << " part"
      << (result.parts.size() == 1 ? "" : "s") << ", " << result.configurations
      << " configurations)\n";
  if (result.verdict == Verdict::unknown)
    out << "unknown because " << result.unknown_reason << "\n";
  if (!result.counterexample) return out.str();
  const Counterexample& c = *result.counterexample;
  const PartReport& part = result.parts[c.part];
  out << detail::part_name(part) << " (" << part.ops.size()
      << " operations) has no linearisation.\n"
      << "Initial state: " << c.initial_state << "\n";
  for (std::size_t i = 0; i < c.longest.size(); ++i) {
    if (i > 0) out << "\n";
    write_partial(out, history, model, c.longest[i], part.ops.size(), i == 0);
  }
  return out.str();
}

}  // namespace faultline::checker
