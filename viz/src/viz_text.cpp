// The terminal view and the one-line description of an event (the page shows the same
// descriptions, so the log and the page never disagree).
#include <map>
#include <sstream>

#include "viz/diagram.hpp"
#include "viz/text.hpp"
#include "viz_json.hpp"

namespace faultline::viz {
namespace {

constexpr std::size_t kBodyCharsMax = 240;  // a terminal line, not a dump; the page has all

std::string signed_time(std::int64_t ns) {
  return (ns < 0 ? "-" : "+") + format_time(ns < 0 ? -ns : ns);
}

// A message body as `key=value` pairs (strings unquoted), shortened for a terminal.
std::string body_text(const nlohmann::json& raw) {
  auto body = raw.find("body");
  if (body == raw.end()) return "";
  std::string text;
  if (body->is_object()) {
    for (const auto& [key, value] : body->items()) {
      text +=
          " " + key + "=" + (value.is_string() ? value.get<std::string>() : detail::dump(value));
    }
  } else {
    text = " " + detail::dump(*body);
  }
  if (text.size() > kBodyCharsMax) {
    text = text.substr(0, kBodyCharsMax) + "... (" + std::to_string(text.size() - kBodyCharsMax) +
           " more chars)";
  }
  return text;
}

std::string message_text(const Trace& trace, const Event& e, const nlohmann::json& raw) {
  const std::string what = e.name + " #" + std::to_string(e.msg_id);
  switch (e.type) {
    case EventType::send:
      return "-> " + trace.node_name(e.peer) + " " + what + body_text(raw);
    case EventType::deliver:
      return "<- " + trace.node_name(e.peer) + " " + what + body_text(raw);
    case EventType::drop:
      return "-x " + trace.node_name(e.peer) + " " + what + " dropped (" +
             detail::string_or(raw, "reason", "?") + ")";
    default:  // duplicate
      return "=> " + trace.node_name(e.peer) + " " + what + " duplicated (a copy of #" +
             std::to_string(e.of) + ")";
  }
}

std::string timer_text(const Event& e, const nlohmann::json& raw) {
  if (!e.name.empty()) return "timer: " + e.name;
  const std::string wait = detail::string_or(raw, "wait");
  if (wait == "recv") return "timer: receive timed out";
  if (wait == "sleep") return "timer: sleep ended";
  if (wait == "sync") return "timer: disk sync done";
  return "timer" + (wait.empty() ? "" : ": " + wait);
}

std::string network_text(const Event& e, const nlohmann::json& raw) {
  const std::string fault = "#" + std::to_string(detail::int_or(raw, "fault"));
  const std::string what = detail::string_or(raw, "what");
  const bool all =
      detail::bool_or(raw, "all") || !raw.contains("fault");  // as the diagram reads it
  switch (e.type) {
    case EventType::partition:
      return "PARTITION " + fault + ": " + what;
    case EventType::link_fault:
      return "LINK FAULT " + fault + ": " + what;
    case EventType::heal:
      return all ? "heal all partitions" : "heal partition " + fault;
    default:
      return all ? "heal all links" : "heal links " + fault;
  }
}

std::string clock_text(const nlohmann::json& raw) {
  const std::string change = detail::string_or(raw, "change", "?");
  if (change == "drift") return "CLOCK drift " + std::to_string(detail::int_or(raw, "ppm")) + "ppm";
  return "CLOCK " + change + " " + signed_time(detail::int_or(raw, "ns"));
}

std::string disk_text(const Event& e, const nlohmann::json& raw) {
  switch (e.type) {
    case EventType::disk_write:
      return "disk write " + std::to_string(detail::int_or(raw, "bytes")) + " bytes";
    case EventType::disk_sync:
      return "disk sync (" + std::to_string(detail::int_or(raw, "writes")) + " writes durable)";
    case EventType::disk_loss:
      if (detail::bool_or(raw, "wiped")) {
        return "DISK WIPED (" + std::to_string(detail::int_or(raw, "lost")) +
               " keys and log records gone, synced or not)";
      }
      return "DISK LOST " + std::to_string(detail::int_or(raw, "lost")) + " unsynced writes" +
             (detail::bool_or(raw, "torn") ? " (the last one torn)" : "");
    default:
      return "DISK CORRUPT read (bit " + std::to_string(detail::int_or(raw, "bit")) + ")";
  }
}

std::string client_text(const Trace& trace, const Event& e) {
  const nlohmann::json& h = trace.history()[e.op];
  std::string text = detail::string_or(h, "type", "?") + " " + detail::string_or(h, "f", "?");
  if (auto key = h.find("key"); key != h.end() && !key->is_null()) {
    text += " " + (key->is_string() ? key->get<std::string>() : detail::dump(*key));
  }
  if (auto value = h.find("value"); value != h.end() && !value->is_null()) {
    text += " " + detail::dump(*value);
  }
  return text + " (process " + std::to_string(detail::int_or(h, "process")) + ")";
}

std::string finding_text(const Trace& trace, const Event& e, const nlohmann::json& raw) {
  const std::int64_t k = detail::int_or(raw, "finding", -1);
  std::string text = "VIOLATION " + (e.name.empty() ? std::string("?") : e.name);
  if (k >= 0 && static_cast<std::size_t>(k) < trace.findings.size()) {
    text += ": " + trace.findings[static_cast<std::size_t>(k)].message;
  }
  return text;
}

std::string other_text(const nlohmann::json& raw) {
  std::string text = detail::string_or(raw, "type", "?");
  for (const auto& [key, value] : raw.items()) {
    if (key == "i" || key == "t" || key == "type" || key == "node") continue;
    text += " " + key + "=" + (value.is_string() ? value.get<std::string>() : detail::dump(value));
  }
  return text;
}

// Annotations of one node at one instant, printed as one line with old -> new values.
class StateLine {
 public:
  explicit StateLine(std::size_t nodes) : last_(nodes) {}

  // Records the change; returns the "key: old -> new" part.
  std::string change(const Event& e, const nlohmann::json& value) {
    const std::string text = annotation_text(value);
    auto& known = last_[static_cast<std::size_t>(e.node)];
    auto it = known.find(e.name);
    std::string part = e.name + ": " + (it == known.end() ? text : it->second + " -> " + text);
    known[e.name] = text;
    return part;
  }

 private:
  std::vector<std::map<std::string, std::string>> last_;  // node -> key -> value
};

std::string line_prefix(const Trace& trace, const Event& e) {
  std::string time = format_time(e.t_ns);
  std::string who = trace.node_name(e.node);
  std::string line(time.size() < 14 ? 14 - time.size() : 0, ' ');
  line += time + "  " + who;
  line.append(who.size() < 8 ? 8 - who.size() : 1, ' ');
  return line;
}

std::string hidden_note(const Trace& trace, const Selection& selection, const TextStats& stats) {
  std::string hidden;
  for (std::size_t k = 0; k < kKindCount; ++k) {
    if (stats.hidden_by_kind[k] == 0) continue;
    hidden += (hidden.empty() ? "" : ", ") + std::to_string(stats.hidden_by_kind[k]) + " " +
              std::string(to_string(static_cast<Kind>(k)));
  }
  std::string note = "# " + trace.source + ": " + std::to_string(trace.events.size()) +
                     " events, " + std::to_string(stats.events_shown) + " shown";
  if (selection.from_ns || selection.to_ns) {
    note += ", from " + format_time(selection.from_ns.value_or(0)) + " to " +
            format_time(selection.to_ns.value_or(trace.end_ns));
  }
  if (!hidden.empty()) {
    note += "; hidden: " + hidden +
            " (--kinds all shows every kind; --kinds takes any of "
            "message,fault,state,client,disk,timer,log)";
  }
  return note;
}

}  // namespace

std::string format_time(std::int64_t ns) {
  if (ns < 0) return "-" + format_time(-ns);
  const std::int64_t seconds = ns / 1'000'000'000, fraction = ns % 1'000'000'000;
  if (fraction == 0) return std::to_string(seconds) + "s";
  std::string digits = std::to_string(fraction);
  digits.insert(0, 9 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return std::to_string(seconds) + "." + digits + "s";
}

std::string describe(const Trace& trace, std::size_t pos) {
  const Event& e = trace.events[pos];
  const nlohmann::json& raw = trace.raw(pos);
  switch (e.type) {
    case EventType::start:
    case EventType::restart:
      return std::string(e.type == EventType::start ? "start" : "RESTART") + " (incarnation " +
             std::to_string(detail::int_or(raw, "incarnation")) + ")";
    case EventType::finish:
      return "actor finished";
    case EventType::crash:
      return "CRASH";
    case EventType::pause:
      return "PAUSE";
    case EventType::resume:
      return "resume";
    case EventType::send:
    case EventType::deliver:
    case EventType::drop:
    case EventType::duplicate:
      return message_text(trace, e, raw);
    case EventType::timer:
      return timer_text(e, raw);
    case EventType::partition:
    case EventType::heal:
    case EventType::link_fault:
    case EventType::link_heal:
      return network_text(e, raw);
    case EventType::clock:
      return clock_text(raw);
    case EventType::disk_write:
    case EventType::disk_sync:
    case EventType::disk_loss:
    case EventType::disk_corrupt:
      return disk_text(e, raw);
    case EventType::annotate:
      return e.name + " = " + annotation_text(raw["value"]);
    case EventType::client:
      return client_text(trace, e);
    case EventType::ignore:
      return "ignored #" + std::to_string(e.msg_id) + " from " + trace.node_name(e.peer) + ": " +
             detail::string_or(raw, "reason", "?");
    case EventType::violation:
      return finding_text(trace, e, raw);
    case EventType::log:
      return detail::string_or(raw, "text");
    case EventType::error:
      return "ERROR " + detail::string_or(raw, "text");
    case EventType::unknown:
      return other_text(raw);
  }
  return other_text(raw);
}

TextStats print_text(const Trace& trace, const Selection& selection, std::ostream& out) {
  TextStats stats;
  for (const Event& e : trace.events) {
    if (selection.shows(e))
      ++stats.events_shown;
    else if (selection.node_shown(e.node) && selection.time_shown(e.t_ns)) {
      ++stats.hidden_by_kind[static_cast<std::size_t>(kind_of(e.type))];
    }
  }
  out << hidden_note(trace, selection, stats) << '\n';
  ++stats.lines;
  StateLine state(trace.nodes.size());
  std::string pending;  // an annotation line still gathering changes of its instant
  std::size_t pending_pos = kNone;
  auto flush = [&] {
    if (pending.empty()) return;
    out << pending << '\n';
    ++stats.lines;
    pending.clear();
  };
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    const bool shown = selection.shows(e);
    if (e.type == EventType::annotate && e.node != kWorld) {
      // Every annotation updates what the next "old -> new" shows, shown or not.
      const std::string part = state.change(e, trace.raw(pos)["value"]);
      if (!shown) continue;
      const Event* last = pending_pos == kNone ? nullptr : &trace.events[pending_pos];
      if (last != nullptr && !pending.empty() && last->node == e.node && last->t_ns == e.t_ns) {
        pending += ", " + part;
      } else {
        flush();
        pending = line_prefix(trace, e) + "state " + part;
      }
      pending_pos = pos;
      continue;
    }
    if (!shown) continue;
    flush();
    out << line_prefix(trace, e) << describe(trace, pos) << '\n';
    ++stats.lines;
  }
  flush();
  return stats;
}

}  // namespace faultline::viz
