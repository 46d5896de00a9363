// The history's bars and verdict: the trace's history events become a checker History
// (through the same builder every history format uses), checked against the model its
// operations suggest, with one thread and a budget.
#include <checker/checker.hpp>

#include "viz/history.hpp"
#include "viz_json.hpp"

namespace faultline::viz {
namespace {

namespace ck = faultline::checker;

std::optional<ck::EventType> event_type(const std::string& type) {
  if (type == "invoke") return ck::EventType::invoke;
  if (type == "ok") return ck::EventType::ok;
  if (type == "fail") return ck::EventType::fail;
  if (type == "info") return ck::EventType::info;
  return std::nullopt;
}

Expected<ck::History> build_history(const Trace& trace) {
  const nlohmann::json& events = trace.history();
  ck::HistoryBuilder builder;
  for (std::size_t k = 0; k < events.size(); ++k) {
    const nlohmann::json& h = events[k];
    const std::string where = trace.source + ": $.history[" + std::to_string(k) + "]";
    const auto type = event_type(detail::string_or(h, "type"));
    auto process = h.find("process");
    if (!type || process == h.end() || !process->is_number_integer()) {
      return InputError{where,
                        "expected {process (integer), type (invoke, ok, fail or info), "
                        "f, key, value, time}"};
    }
    ck::Event event;
    event.process = process->get<std::int64_t>();
    event.type = *type;
    event.f = detail::string_or(h, "f");
    if (auto key = h.find("key"); key != h.end() && key->is_string())
      event.key = key->get<std::string>();
    if (auto value = h.find("value"); value != h.end()) event.value = *value;
    if (auto time = h.find("time"); time != h.end() && time->is_number_integer()) {
      event.time_ns = time->get<std::int64_t>();
    }
    if (auto error = builder.add(std::move(event))) return InputError{where, *error};
  }
  return std::move(builder).finish();
}

// History event index -> trace event position, from the client events' `op`.
std::vector<std::size_t> trace_positions(const Trace& trace) {
  std::vector<std::size_t> at(trace.history().size(), kNone);
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    if (e.type == EventType::client && at[e.op] == kNone) at[e.op] = pos;
  }
  return at;
}

std::vector<OpBar> bars(const Trace& trace, const ck::History& history, const ck::Model* model) {
  const std::vector<std::size_t> at = trace_positions(trace);
  std::vector<OpBar> out;
  for (const ck::Operation& op : history.ops) {
    OpBar bar;
    bar.process = op.process;
    bar.invoke_event = op.invoke_event < at.size() ? at[op.invoke_event] : kNone;
    bar.complete_event =
        op.completed() && op.complete_event < at.size() ? at[op.complete_event] : kNone;
    if (bar.invoke_event != kNone) bar.node = trace.events[bar.invoke_event].node;
    bar.t0 = op.invoke_time_ns.value_or(0);
    bar.t1 = op.complete_time_ns.value_or(trace.end_ns);
    bar.outcome = std::string(ck::to_string(op.outcome));
    bar.text = model ? model->describe_operation(op) : op.f;
    if (op.completed()) bar.text += " -> " + bar.outcome;
    if (op.completed() && !op.output.is_null()) bar.text += " " + detail::dump(op.output);
    out.push_back(std::move(bar));
  }
  return out;
}

void record_verdict(HistoryReport& report, const ck::History& history, const ck::Model& model,
                    const ck::CheckResult& result) {
  report.verdict = std::string(ck::to_string(result.verdict));
  if (result.verdict == ck::Verdict::unknown) report.explanation = result.unknown_reason;
  if (result.verdict != ck::Verdict::not_linearizable) return;
  report.explanation = ck::explain_text(history, model, result);
  if (result.counterexample && !result.counterexample->longest.empty()) {
    const ck::PartialLinearisation& longest = result.counterexample->longest.front();
    report.stuck_op = longest.stuck_op;
    report.candidates = longest.candidates;
  }
}

// The run's own linearizability check, when the trace records it.
const nlohmann::json* recorded_check(const Trace& trace) {
  const nlohmann::json& result = trace.doc.contains("result") ? trace.doc["result"] : trace.doc;
  if (!result.is_object() || !result.contains("checks") || !result["checks"].is_array()) return nullptr;
  for (const nlohmann::json& c : result["checks"]) {
    if (c.is_object() && c.value("name", "") == "linearizability" && c.contains("status") &&
        c["status"].is_string()) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

Expected<HistoryReport> check_history(const Trace& trace, const CheckBudget& budget) {
  auto history = build_history(trace);
  if (!history) return history.error();
  HistoryReport report;
  if (history->ops.empty()) {
    report.verdict = "not checked";
    report.explanation = "the trace has no client operations";
    return report;
  }
  // The run recorded which model it checked with and what it found (the trace's
  // result.checks): use that model; the verdict shown is the run's own.
  const nlohmann::json* recorded = recorded_check(trace);
  report.model = recorded != nullptr && recorded->contains("data") &&
                         (*recorded)["data"].contains("model")
                     ? (*recorded)["data"]["model"].get<std::string>()
                     : ck::infer_model(*history);
  // ... and from the state it started from (2PC's accounts start with balances): without
  // it the page called every 2PC history not linearizable where the run found it was.
  const nlohmann::json init =
      recorded != nullptr && recorded->contains("data") && (*recorded)["data"].contains("init")
          ? (*recorded)["data"]["init"]
          : nlohmann::json();
  auto model = ck::make_model(report.model, init);
  if (!model) {
    report.ops = bars(trace, *history, nullptr);
    report.verdict = "not checked";
    report.explanation = model.error().message();
    return report;
  }
  report.ops = bars(trace, *history, model->get());
  ck::CheckOptions options;
  options.threads = 1;
  options.timeout_s = budget.timeout_s;
  options.memory_bytes_max = budget.memory_bytes_max;
  auto result = ck::check(*history, **model, options);
  if (!result) {
    report.verdict = "not checked";
    report.explanation = "model " + report.model + ": " + result.error().message();
    return report;
  }
  record_verdict(report, *history, **model, *result);
  if (recorded != nullptr) {
    const std::string status = (*recorded)["status"].get<std::string>();
    const std::string run_verdict = status == "held"       ? "linearizable"
                                    : status == "violated" ? "not_linearizable"
                                                           : "unknown";
    if (run_verdict != report.verdict && result->verdict == ck::Verdict::unknown) {
      // The page's own search ran out of its budget; the run's verdict stands.
      report.verdict = run_verdict;
      report.explanation = "as the run found it (the page's own search could not decide: " +
                           result->unknown_reason + ")";
    }
  }
  return report;
}

}  // namespace faultline::viz
