// Reading a trace: every field a view relies on is checked here, once, with the JSON path
// of what is wrong, so the views can trust what they draw.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "viz/trace.hpp"

namespace faultline::viz {
namespace {

constexpr std::array<std::string_view, 27> kTypeNames = {
    "start",     "finish",  "send",       "deliver",   "drop",      "duplicate",    "timer",
    "crash",     "restart", "pause",      "resume",    "partition", "heal",         "link_fault",
    "link_heal", "clock",   "disk_write", "disk_sync", "disk_loss", "disk_corrupt", "annotate",
    "client",    "ignore",  "violation",  "log",       "error",     "unknown"};

// A client event's type is its history type (invoke, ok, fail, info): the simulator's
// export lets the history's own "type" replace "client" (docs/formats.md says "client").
bool is_client_type(std::string_view name) {
  return name == "client" || name == "invoke" || name == "ok" || name == "fail" || name == "info";
}

EventType type_named(std::string_view name) {
  if (is_client_type(name)) return EventType::client;
  for (std::size_t k = 0; k + 1 < kTypeNames.size(); ++k) {
    if (kTypeNames[k] == name) return static_cast<EventType>(k);
  }
  return EventType::unknown;
}

// Errors carry the source and a JSON path; this throws only inside the reader, and
// parse_trace turns it into a returned InputError.
struct Bad {
  std::string path;
  std::string what;
};

std::string describe_json(const nlohmann::json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

const nlohmann::json& field(const nlohmann::json& object, const std::string& path,
                            const char* key) {
  auto it = object.find(key);
  if (it == object.end()) throw Bad{path, std::string("missing field \"") + key + "\""};
  return *it;
}

std::uint64_t unsigned_field(const nlohmann::json& object, const std::string& path,
                             const char* key) {
  const nlohmann::json& j = field(object, path, key);
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
    throw Bad{path + "." + key, "expected a non-negative integer, got " + describe_json(j)};
  }
  return j.get<std::uint64_t>();
}

std::string string_field(const nlohmann::json& object, const std::string& path, const char* key) {
  const nlohmann::json& j = field(object, path, key);
  if (!j.is_string()) throw Bad{path + "." + key, "expected a string, got " + describe_json(j)};
  return j.get<std::string>();
}

// A node reference: null (the world) or an index into nodes.
int node_field(const nlohmann::json& object, const std::string& path, const char* key,
               std::size_t node_count) {
  const nlohmann::json& j = field(object, path, key);
  if (j.is_null()) return kWorld;
  if (j.is_number_integer() && j.get<std::int64_t>() >= 0 && j.get<std::uint64_t>() < node_count) {
    return static_cast<int>(j.get<std::int64_t>());
  }
  throw Bad{path + "." + key, "expected a node id (0 to " + std::to_string(node_count) +
                                  " exclusive) or null, got " + describe_json(j)};
}

void check_header(const nlohmann::json& doc) {
  if (!doc.is_object()) throw Bad{"$", "expected a JSON object (a faultline trace)"};
  auto format = doc.find("format");
  if (format == doc.end() || *format != "faultline-trace") {
    // viz reads traces only (no simulation runs); a repro or a scenario is drawn by
    // running it, and the user is told how.
    std::string hint = " (is this a trace written by 'faultline run --trace'?)";
    if (format != doc.end() && format->is_string()) {
      const std::string name = format->get<std::string>();
      if (name.rfind("faultline-repro/", 0) == 0) {
        hint = ": a repro file; draw it with 'faultline replay FILE --html PAGE.html' (or "
               "--print, --svg), or write its trace with 'faultline replay FILE --trace T.json'";
      } else if (name.rfind("faultline-scenario/", 0) == 0) {
        hint = ": a scenario file; draw it with 'faultline run FILE --html PAGE.html' (or "
               "--print, --svg), or write its trace with 'faultline run FILE --trace T.json'";
      }
    }
    throw Bad{"$.format", std::string("expected \"faultline-trace\", got ") +
                              (format == doc.end() ? "nothing" : describe_json(*format)) + hint};
  }
  const nlohmann::json& version = field(doc, "$", "version");
  if (!version.is_number_integer() || version.get<std::int64_t>() < 1) {
    throw Bad{"$.version", "expected a positive integer, got " + describe_json(version)};
  }
  if (version.get<std::int64_t>() > kTraceVersion) {
    throw Bad{"$.version", "version " + version.dump() + " is newer than this faultline reads (" +
                               std::to_string(kTraceVersion) + "); update faultline"};
  }
}

std::vector<Node> read_nodes(const nlohmann::json& doc) {
  const nlohmann::json& nodes = field(doc, "$", "nodes");
  if (!nodes.is_array()) throw Bad{"$.nodes", "expected an array of nodes"};
  std::vector<Node> out;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::string path = "$.nodes[" + std::to_string(k) + "]";
    if (!nodes[k].is_object()) throw Bad{path, "expected an object {id, name, role}"};
    if (unsigned_field(nodes[k], path, "id") != k) {
      throw Bad{path + ".id", "expected " + std::to_string(k) + " (nodes are listed by id)"};
    }
    Node node{string_field(nodes[k], path, "name"), ""};
    for (std::size_t j = 0; j < out.size(); ++j) {
      // --only and the lanes go by name: two nodes of one name would be one lane.
      if (out[j].name == node.name) {
        throw Bad{path + ".name", "'" + node.name + "' is the name of $.nodes[" +
                                      std::to_string(j) + "] too; each node has a name of its own"};
      }
    }
    if (auto role = nodes[k].find("role"); role != nodes[k].end() && role->is_string()) {
      node.role = role->get<std::string>();
    }
    out.push_back(std::move(node));
  }
  return out;
}

// The fields particular to each type, as the views use them.
void read_type_fields(const nlohmann::json& e, const std::string& path, Event& event,
                      std::size_t node_count, std::size_t history_size) {
  switch (event.type) {
    case EventType::send:
    case EventType::drop:
    case EventType::duplicate:
    case EventType::deliver:
      event.peer =
          node_field(e, path, event.type == EventType::deliver ? "from" : "to", node_count);
      event.msg_id = unsigned_field(e, path, "id");
      event.name = string_field(e, path, "msg");
      if (event.type == EventType::duplicate) event.of = unsigned_field(e, path, "of");
      break;
    case EventType::ignore:
      event.peer = node_field(e, path, "from", node_count);
      event.msg_id = unsigned_field(e, path, "id");
      break;
    case EventType::annotate:
      event.name = string_field(e, path, "key");
      field(e, path, "value");
      break;
    case EventType::client: {
      event.op = unsigned_field(e, path, "op");
      if (event.op >= history_size) {
        throw Bad{path + ".op", "expected an index into $.history (" +
                                    std::to_string(history_size) + " events), got " +
                                    std::to_string(event.op)};
      }
      if (auto f = e.find("f"); f != e.end() && f->is_string()) event.name = f->get<std::string>();
      break;
    }
    case EventType::timer:
      // Named timers (e.g. "election timeout") are newer than the wait kinds.
      if (auto name = e.find("name"); name != e.end() && name->is_string()) {
        event.name = name->get<std::string>();
      }
      break;
    case EventType::violation:
      if (auto name = e.find("name"); name != e.end() && name->is_string()) {
        event.name = name->get<std::string>();
      }
      break;
    default:
      break;
  }
}

Event read_event(const nlohmann::json& e, std::size_t k, std::size_t node_count,
                 std::size_t history_size) {
  const std::string path = "$.events[" + std::to_string(k) + "]";
  if (!e.is_object()) throw Bad{path, "expected an event object {i, t, type, node, ...}"};
  Event event;
  event.i = unsigned_field(e, path, "i");
  const nlohmann::json& t = field(e, path, "t");
  if (!t.is_number_integer() || t.get<std::int64_t>() < 0) {
    throw Bad{path + ".t",
              "expected a time in ns (a non-negative integer), got " + describe_json(t)};
  }
  event.t_ns = t.get<std::int64_t>();
  event.type = type_named(string_field(e, path, "type"));
  event.node = node_field(e, path, "node", node_count);
  read_type_fields(e, path, event, node_count, history_size);
  return event;
}

std::vector<Event> read_events(const nlohmann::json& doc, std::size_t node_count) {
  const nlohmann::json& events = field(doc, "$", "events");
  if (!events.is_array()) throw Bad{"$.events", "expected an array of events"};
  const std::size_t history_size = doc["history"].size();
  std::vector<Event> out;
  out.reserve(events.size());
  for (std::size_t k = 0; k < events.size(); ++k) {
    Event event = read_event(events[k], k, node_count, history_size);
    if (!out.empty() && event.i <= out.back().i) {
      throw Bad{"$.events[" + std::to_string(k) + "].i",
                "expected more than the previous event's " + std::to_string(out.back().i)};
    }
    if (!out.empty() && event.t_ns < out.back().t_ns) {
      throw Bad{"$.events[" + std::to_string(k) + "].t",
                "time runs backwards (" + std::to_string(event.t_ns) + " after " +
                    std::to_string(out.back().t_ns) + ")"};
    }
    out.push_back(std::move(event));
  }
  return out;
}

void check_history(const nlohmann::json& doc) {
  const nlohmann::json& history = doc["history"];
  if (!history.is_array()) throw Bad{"$.history", "expected an array of history events"};
  for (std::size_t k = 0; k < history.size(); ++k) {
    if (!history[k].is_object()) {
      throw Bad{"$.history[" + std::to_string(k) + "]",
                "expected a history event {process, type, f, ...}"};
    }
  }
}

std::vector<Finding> read_findings(const nlohmann::json& doc, const Trace& trace) {
  std::vector<Finding> out;
  auto result = doc.find("result");
  if (result == doc.end()) return out;
  if (!result->is_object()) throw Bad{"$.result", "expected an object"};
  auto violations = result->find("violations");
  if (violations == result->end()) return out;
  if (!violations->is_array()) throw Bad{"$.result.violations", "expected an array"};
  for (std::size_t k = 0; k < violations->size(); ++k) {
    const std::string path = "$.result.violations[" + std::to_string(k) + "]";
    const nlohmann::json& v = (*violations)[k];
    if (!v.is_object()) throw Bad{path, "expected a finding object {kind, name, message, ...}"};
    Finding f;
    f.kind = string_field(v, path, "kind");
    f.name = string_field(v, path, "name");
    f.message = v.value("message", "");
    auto event = v.find("event");
    if (event != v.end() && event->is_number_integer() && event->get<std::int64_t>() >= 0) {
      f.event = trace.position_of(event->get<std::uint64_t>());
    }
    if (auto t = v.find("time_ns"); t != v.end() && t->is_number_integer()) {
      f.t_ns = t->get<std::int64_t>();
    }
    if (auto node = v.find("node"); node != v.end() && node->is_string()) {
      f.node = node->get<std::string>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::string_view to_string(EventType type) {
  return kTypeNames[static_cast<std::size_t>(type)];
}

bool is_message(EventType type) {
  return type == EventType::send || type == EventType::deliver || type == EventType::drop ||
         type == EventType::duplicate;
}

std::size_t Trace::position_of(std::uint64_t i) const {
  auto it = std::lower_bound(events.begin(), events.end(), i,
                             [](const Event& e, std::uint64_t value) { return e.i < value; });
  return it != events.end() && it->i == i ? static_cast<std::size_t>(it - events.begin()) : kNone;
}

int Trace::node_named(std::string_view name) const {
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (nodes[k].name == name || std::to_string(k) == name) return static_cast<int>(k);
  }
  return kWorld;
}

std::string Trace::node_name(int node) const {
  return node >= 0 && static_cast<std::size_t>(node) < nodes.size() ? nodes[node].name : "-";
}

Expected<Trace> parse_trace(nlohmann::json doc, std::string source) {
  Trace trace;
  trace.source = std::move(source);
  try {
    check_header(doc);
    if (!doc.contains("history")) doc["history"] = nlohmann::json::array();
    if (!doc.contains("meta")) doc["meta"] = nlohmann::json::object();
    if (!doc["meta"].is_object()) throw Bad{"$.meta", "expected an object"};
    check_history(doc);
    trace.nodes = read_nodes(doc);
    trace.events = read_events(doc, trace.nodes.size());
    trace.findings = read_findings(doc, trace);
    trace.end_ns = trace.events.empty() ? 0 : trace.events.back().t_ns;
    if (auto result = doc.find("result"); result != doc.end()) {
      auto sim_time = result->find("sim_time_ns");
      if (sim_time != result->end() && sim_time->is_number_integer()) {
        trace.end_ns = std::max(trace.end_ns, sim_time->get<std::int64_t>());
      }
    }
  } catch (const Bad& bad) {
    return InputError{trace.source + ": " + bad.path, bad.what};
  }
  trace.doc = std::move(doc);
  return trace;
}

Expected<Trace> parse_trace_text(std::string_view text, std::string source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // One JSON value per line (a client history) is named as such, not by its line 2.
    if (const std::optional<std::string> format = checker::json_lines_format(text)) {
      const bool history = *format == "faultline-history";
      return InputError{
          source, std::string("holds one JSON value per line (JSON lines), not one JSON document") +
                      (history ? ": a client history; 'faultline check FILE' checks it, "
                                 "'faultline check FILE --html PAGE.html' draws it"
                               : "; viz reads a trace written by 'faultline run --trace'")};
    }
    return checker::json_syntax_error(source, text, e.byte, e.what());
  }
  return parse_trace(std::move(doc), std::move(source));
}

Expected<Trace> read_trace_file(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InputError{path, "is a directory, not a trace file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return InputError{path, "cannot read this file (does it exist?)"};
  Expected<std::string> text =
      checker::read_capped(in, path, max_bytes, "raise it with --max-input-bytes");
  if (!text) return text.error();
  return parse_trace_text(*text, path);
}

}  // namespace faultline::viz
