#include "raft/raft_history.hpp"

#include <chrono>

#include "checker/checker.hpp"

namespace faultline::raft {

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
std::optional<std::string> convert(const sim::History& in, checker::History& out) {
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

constexpr std::size_t kExplanationChars = 4000;

}  // namespace

HistoryVerdict check_history(const sim::History& history) {
  HistoryVerdict v;
  checker::History h;
  if (auto error = convert(history, h)) {
    v.explanation = *error;  // a client recorded something impossible: unknown, with why
    return v;
  }
  v.ops = h.ops.size();
  auto model = checker::make_model("kv");
  if (!model) {
    v.explanation = model.error().message();
    return v;
  }
  checker::CheckOptions options;
  options.threads = 1;     // one core: runs stay single-threaded, like the simulation
  options.timeout_s = 10;  // a budget: beyond it the verdict is unknown, never a guess
  options.memory_bytes_max = 256ULL << 20;
  auto result = checker::check(h, **model, options);
  if (!result) {
    v.explanation = result.error().message();
    return v;
  }
  v.elapsed_ms = result->elapsed_ms;
  switch (result->verdict) {
    case checker::Verdict::linearizable:
      v.verdict = HistoryVerdict::Kind::linearizable;
      break;
    case checker::Verdict::not_linearizable:
      v.verdict = HistoryVerdict::Kind::not_linearizable;
      v.explanation = checker::explain_text(h, **model, *result);
      if (v.explanation.size() > kExplanationChars) {
        v.explanation.resize(kExplanationChars);
        v.explanation += "…";
      }
      break;
    case checker::Verdict::unknown:
      v.verdict = HistoryVerdict::Kind::unknown;
      v.explanation = result->unknown_reason;
      break;
  }
  return v;
}

nlohmann::json history_summary(const HistoryVerdict& v) {
  const char* names[] = {"linearizable", "not_linearizable", "unknown"};
  nlohmann::json j = {{"verdict", names[static_cast<int>(v.verdict)]},
                      {"ops", v.ops},
                      {"elapsed_ms", v.elapsed_ms}};
  if (!v.explanation.empty() && v.verdict != HistoryVerdict::Kind::not_linearizable) {
    j["reason"] = v.explanation;
  }
  return j;
}

}  // namespace faultline::raft
