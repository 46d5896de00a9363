#include "protocols/run_checks.hpp"

#include <algorithm>

#include "checker/checker.hpp"

namespace faultline::protocols {
namespace {

checker::Outcome outcome_of(sim::OpType type) {
  switch (type) {
    case sim::OpType::ok:
      return checker::Outcome::ok;
    case sim::OpType::fail:
      return checker::Outcome::fail;
    default:
      return checker::Outcome::info;
  }
}

// The simulator's history as the checker's, event for event. An error names the event.
std::optional<std::string> convert(const sim::ClientHistory& in, checker::History& out) {
  checker::HistoryBuilder builder;
  std::size_t index = 0;
  for (const sim::HistoryEvent& e : in.events()) {
    std::optional<std::string> error;
    if (e.type == sim::OpType::invoke) {
      error = builder.invoke(e.process, e.f, e.key, e.value, e.time);
    } else {
      error = builder.complete(e.process, outcome_of(e.type), e.value, e.time);
    }
    if (error) return "history event " + std::to_string(index) + ": " + *error;
    ++index;
  }
  out = std::move(builder).finish();
  return std::nullopt;
}

// A finding's message stays readable; the whole explanation is in `data`.
constexpr std::size_t kExplanationChars = 4000;

}  // namespace

void check_linearizability(sim::Simulation& sim, Checks& checks, std::string_view model_name,
                           std::uint64_t budget) {
  check_linearizability(sim, checks, model_name, budget, nullptr);
}

void check_linearizability(sim::Simulation& sim, Checks& checks, std::string_view model_name,
                           std::uint64_t budget, const nlohmann::json& init) {
  const std::string name = "linearizability";
  checker::History h;
  if (auto error = convert(sim.history(), h)) {
    // A client recorded something impossible: the verdict is unknown, and why.
    checks.record(name, CheckStatus::unknown, *error);
    return;
  }
  nlohmann::json data = {{"model", model_name}, {"ops", h.ops.size()}};
  if (!init.is_null()) data["init"] = init;  // written into --history's header
  auto model = checker::make_model(std::string(model_name), init);
  FAULTLINE_ASSERT(model.ok(), "a protocol checks its history with a model that exists");
  checker::CheckOptions options;
  options.threads = 1;  // the run's own thread: no scheduling enters the verdict
  options.timeout_s = 0;  // never wall-clock time inside a run
  // Counted work, not time: configurations explored, the same count on every machine.
  // The memory bound (a count of what the single-threaded search stored, so also the
  // same everywhere) only guards against a budget set absurdly high.
  options.max_configurations = budget;
  options.memory_bytes_max = std::max<std::uint64_t>(budget * 128, 256ULL << 20);
  auto result = checker::check(h, **model, options);
  if (!result) {
    checks.record(name, CheckStatus::unknown, result.error().message(), data);
    return;
  }
  data["configurations"] = result->configurations;
  switch (result->verdict) {
    case checker::Verdict::linearizable:
      checks.record(name, CheckStatus::held, {}, data);
      return;
    case checker::Verdict::unknown:
      checks.record(name, CheckStatus::unknown, result->unknown_reason, data);
      return;
    case checker::Verdict::not_linearizable:
      break;
  }
  std::string explanation = checker::explain_text(h, **model, *result);
  data["explanation"] = explanation;
  if (explanation.size() > kExplanationChars) {
    explanation.resize(kExplanationChars);
    explanation += "…";
  }
  checks.record(name, CheckStatus::violated, {}, data);
  sim.report(sim::Finding{.kind = sim::FindingKind::linearizability,
                          .name = name,
                          .message = explanation});
}

void schedule_liveness(sim::Simulation& sim, Checks& checks, sim::Time heal_ns, sim::Duration bound,
                       LivenessProbe probe) {
  const std::string name = "liveness";
  const sim::Time deadline = heal_ns + bound;
  if (deadline > sim.config().time_limit_ns) {
    checks.record(name, CheckStatus::skipped,
                  "the run ends at " + sim::format_time(sim.config().time_limit_ns) +
                      ", before the faults' end (" + sim::format_time(heal_ns) +
                      ") plus the bound (" + sim::format_time(bound) + ")");
    return;
  }
  checks.record(name, CheckStatus::skipped, "the run stopped before the liveness deadline");
  sim.at(deadline, "liveness check",
         [&checks, heal_ns, bound, probe = std::move(probe), name](sim::Simulation& s) {
           const LivenessFinding found = probe(s);
           const std::string& stuck = found.stuck;
           nlohmann::json data = {{"heal_ns", heal_ns}, {"bound_ns", bound}};
           if (!found.not_judged.empty()) data["not_judged"] = found.not_judged;
           if (stuck.empty()) {
             checks.record(
                 name, CheckStatus::held,
                 found.not_judged.empty() ? std::string{} : "not judged: " + found.not_judged,
                 data);
             return;
           }
           checks.record(name, CheckStatus::violated, stuck, data);
           // A step without an end (a crash for good) stays in force after the last fault
           // ends: the nodes still down or paused are named, so that a protocol that
           // cannot be live without them is not read as failing with everything healed.
           std::string down;
           for (sim::NodeId id = 0; id < s.node_count(); ++id) {
             if (!s.is_up(id) || s.is_paused(id))
               down += (down.empty() ? "" : ",") + s.node_name(id);
           }
           s.report(sim::Finding{
               .kind = sim::FindingKind::liveness,
               .name = name,
               .message = "the faults ended at " + sim::format_time(heal_ns) +
                          (down.empty() ? "" : " (down or paused still: " + down + ")") + "; at " +
                          sim::format_time(s.now()) + " (bound " + sim::format_time(bound) +
                          "): " + stuck});
         });
}

}  // namespace faultline::protocols
