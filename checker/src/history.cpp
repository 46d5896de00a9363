// HistoryBuilder: pairs invocations with completions, process by process, and refuses
// events that cannot follow the ones before them.
#include <algorithm>
#include <string>

#include "checker/history.hpp"
#include "text_input.hpp"

namespace faultline::checker {
namespace {

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::invoke:
      return "invoke";
    case EventType::ok:
      return "ok";
    case EventType::fail:
      return "fail";
    case EventType::info:
      return "info";
  }
  return "?";
}

Outcome outcome_of(EventType type) {
  switch (type) {
    case EventType::ok:
      return Outcome::ok;
    case EventType::fail:
      return Outcome::fail;
    default:
      return Outcome::info;
  }
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::fail:
      return "fail";
    case Outcome::info:
      return "info";
  }
  return "?";
}

std::optional<std::string> HistoryBuilder::add(Event event) {
  if (auto error = check_time(event)) return error;
  auto error = event.type == EventType::invoke ? open_operation(event) : close_operation(event);
  if (error) return error;
  if (event.time_ns) last_time_ns_ = event.time_ns;
  ++history_.event_count;
  return std::nullopt;
}

std::optional<std::string> HistoryBuilder::invoke(std::int64_t process, std::string f,
                                                  std::optional<std::string> key,
                                                  nlohmann::json value,
                                                  std::optional<std::int64_t> time_ns) {
  Event event;
  event.process = process;
  event.type = EventType::invoke;
  event.f = std::move(f);
  event.key = std::move(key);
  event.value = std::move(value);
  event.time_ns = time_ns;
  return add(std::move(event));
}

std::optional<std::string> HistoryBuilder::complete(std::int64_t process, Outcome outcome,
                                                    nlohmann::json value,
                                                    std::optional<std::int64_t> time_ns) {
  Event event;
  event.process = process;
  event.type = outcome == Outcome::ok     ? EventType::ok
               : outcome == Outcome::fail ? EventType::fail
                                          : EventType::info;
  event.value = std::move(value);
  event.time_ns = time_ns;
  return add(std::move(event));
}

std::optional<std::string> HistoryBuilder::check_time(const Event& event) {
  if (!event.time_ns || !last_time_ns_ || *event.time_ns >= *last_time_ns_) return std::nullopt;
  return "time runs backwards: this event is at " + std::to_string(*event.time_ns) +
         " ns, the one before it at " + std::to_string(*last_time_ns_) +
         " ns (events must be in time order)";
}

std::optional<std::string> HistoryBuilder::open_operation(Event& event) {
  if (event.f.empty()) return std::string("an invocation needs an operation name (f)");
  auto [it, inserted] = open_.try_emplace(event.process, history_.ops.size());
  if (!inserted) {
    const Operation& open = history_.ops[it->second];
    std::string where =
        open.invoke_line ? " (line " + std::to_string(open.invoke_line) + ")" : std::string();
    return "process " + std::to_string(event.process) + " invokes '" + detail::brief_text(event.f) +
           "' while its '" + detail::brief_text(open.f) + "'" + where +
           " is still open (a process has one operation at a time)";
  }
  Operation op;
  op.process = event.process;
  op.f = std::move(event.f);
  op.key = std::move(event.key);
  op.input = std::move(event.value);
  op.invoke_event = history_.event_count;
  op.invoke_time_ns = event.time_ns;
  op.invoke_line = event.line;
  history_.ops.push_back(std::move(op));
  return std::nullopt;
}

std::optional<std::string> HistoryBuilder::close_operation(Event& event) {
  auto it = open_.find(event.process);
  if (it == open_.end()) {
    return "a completion (" + std::string(to_string(event.type)) + ") for process " +
           std::to_string(event.process) + ", which has no open invocation";
  }
  Operation& op = history_.ops[it->second];
  if (!event.f.empty() && event.f != op.f) {
    return "the completion's f '" + detail::brief_text(event.f) +
           "' differs from its invocation's '" + detail::brief_text(op.f) + "'";
  }
  if (event.key && event.key != op.key) {
    return "the completion's key '" + detail::brief_text(*event.key) +
           "' differs from its invocation's key";
  }
  op.outcome = outcome_of(event.type);
  op.output = std::move(event.value);
  op.complete_event = history_.event_count;
  op.complete_time_ns = event.time_ns;
  op.complete_line = event.line;
  open_.erase(it);
  return std::nullopt;
}

History HistoryBuilder::finish() && {
  open_.clear();
  return std::move(history_);
}

namespace {

nlohmann::json event_json(const Operation& op, bool invocation) {
  nlohmann::json line = nlohmann::json::object();
  line["process"] = op.process;
  line["type"] = invocation ? "invoke" : std::string(to_string(op.outcome));
  line["f"] = op.f;
  if (op.key) line["key"] = *op.key;
  line["value"] = invocation ? op.input : op.output;
  auto time = invocation ? op.invoke_time_ns : op.complete_time_ns;
  std::uint64_t position = invocation ? op.invoke_event : op.complete_event;
  line["time"] = time ? *time : static_cast<std::int64_t>(position);
  return line;
}

}  // namespace

std::string to_jsonl(const History& history) {
  struct Line {
    std::uint64_t event;
    std::size_t op;
    bool invocation;
  };
  std::vector<Line> lines;
  for (std::size_t i = 0; i < history.ops.size(); ++i) {
    lines.push_back({history.ops[i].invoke_event, i, true});
    if (history.ops[i].completed()) lines.push_back({history.ops[i].complete_event, i, false});
  }
  std::sort(lines.begin(), lines.end(),
            [](const Line& a, const Line& b) { return a.event < b.event; });
  std::string out = "{\"format\":\"faultline-history\",\"version\":1}\n";
  for (const Line& line : lines) {
    out += event_json(history.ops[line.op], line.invocation).dump();
    out += '\n';
  }
  return out;
}

}  // namespace faultline::checker
