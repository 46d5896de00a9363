// to_html(): the page's data as JSON (columns of numbers where there are many rows, so a
// 50,000-event trace stays a few megabytes and parses fast), the script and the style.
#include <algorithm>
#include <map>
#include <sstream>

#include "viz/causal.hpp"
#include "viz/html.hpp"
#include "viz/text.hpp"
#include "viz_assert.hpp"
#include "viz_json.hpp"
#include "viz_page_assets.hpp"

namespace faultline::viz {
namespace {

using nlohmann::json;

// -1 for "none" reads better in the script than SIZE_MAX (which JSON would round).
json index_or_minus(std::size_t index) {
  return index == kNone ? json(-1) : json(index);
}

json events_json(const Trace& trace, const Diagram& d) {
  json t = json::array(), node = json::array(), kind = json::array(), type = json::array(),
       text = json::array(), arrow = json::array();
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    t.push_back(e.t_ns);
    node.push_back(e.node);
    kind.push_back(static_cast<int>(kind_of(e.type)));
    type.push_back(static_cast<int>(e.type));
    text.push_back(describe(trace, pos));
    arrow.push_back(index_or_minus(d.arrow_of_event[pos]));
  }
  json kinds = json::array(), types = json::array();
  for (std::size_t k = 0; k < kKindCount; ++k) kinds.push_back(to_string(static_cast<Kind>(k)));
  for (int k = 0; k <= static_cast<int>(EventType::unknown); ++k) {
    types.push_back(to_string(static_cast<EventType>(k)));
  }
  return {{"t", t},       {"node", node},   {"kind", kind},   {"type", type},
          {"text", text}, {"arrow", arrow}, {"kinds", kinds}, {"types", types}};
}

json arrows_json(const Trace& trace, const Diagram& d) {
  std::map<std::string, std::size_t> type_index;
  json types = json::array();
  json from = json::array(), to = json::array(), t0 = json::array(), t1 = json::array(),
       send = json::array(), end = json::array(), msg = json::array(), fate = json::array(),
       dup = json::array(), id = json::array(), reason = json::array(), body = json::array();
  for (const Arrow& a : d.arrows) {
    auto [it, added] = type_index.emplace(a.msg, types.size());
    if (added) types.push_back(a.msg);
    from.push_back(a.from);
    to.push_back(a.to);
    t0.push_back(a.t0);
    t1.push_back(a.t1);
    send.push_back(a.send_event);
    end.push_back(index_or_minus(a.end_event));
    msg.push_back(it->second);
    fate.push_back(static_cast<int>(a.fate));
    dup.push_back(a.duplicate ? 1 : 0);
    id.push_back(a.id);
    reason.push_back(a.drop_reason);
    const json& raw = trace.raw(a.send_event);
    body.push_back(raw.contains("body") ? raw["body"] : json(nullptr));
  }
  return {{"from", from},     {"to", to},     {"t0", t0},      {"t1", t1},         {"send", send},
          {"end", end},       {"msg", msg},   {"fate", fate},  {"duplicate", dup}, {"id", id},
          {"reason", reason}, {"body", body}, {"types", types}};
}

json segments_json(const Diagram& d) {
  json out = json::array();
  for (const Segment& s : d.segments) {
    out.push_back({s.lane, s.t0, s.t1, index_or_minus(s.event), s.value, s.label, s.colour});
  }
  return out;
}

json spans_bands_markers(const Diagram& d) {
  json spans = json::array(), bands = json::array(), markers = json::array();
  for (const Span& s : d.spans) {
    spans.push_back({s.lane, s.kind == SpanKind::down ? "down" : "paused", s.t0, s.t1,
                     s.begin_event, index_or_minus(s.end_event)});
  }
  for (const Band& b : d.bands) {
    bands.push_back({b.kind == BandKind::partition ? "partition" : "link fault", b.t0, b.t1,
                     b.begin_event, index_or_minus(b.end_event), b.what});
  }
  static constexpr const char* kMarkers[] = {"clock", "restart", "violation", "error", "log"};
  for (const Marker& m : d.markers) {
    markers.push_back({m.lane, kMarkers[static_cast<int>(m.kind)], m.t, m.event, m.text});
  }
  return {{"spans", spans}, {"bands", bands}, {"markers", markers}};
}

// Per node, per key: the positions where the key changed and its values, for the state
// table at any cursor position (the script binary-searches them).
json annotations_json(const Trace& trace) {
  std::vector<std::map<std::string, std::pair<json, json>>> per_node(trace.nodes.size());
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    if (e.type != EventType::annotate || e.node == kWorld) continue;
    auto& [positions, values] = per_node[static_cast<std::size_t>(e.node)][e.name];
    positions.push_back(pos);
    values.push_back(annotation_text(trace.raw(pos)["value"]));
  }
  json out = json::array();
  for (const auto& keys : per_node) {
    json node = json::object();
    for (const auto& [key, columns] : keys)
      node[key] = {{"at", columns.first}, {"value", columns.second}};
    out.push_back(node);
  }
  return out;
}

json history_json(const HistoryReport& h) {
  json ops = json::array();
  for (const OpBar& op : h.ops) {
    ops.push_back({op.process, op.node, op.t0, op.t1, index_or_minus(op.invoke_event),
                   index_or_minus(op.complete_event), op.outcome, op.text});
  }
  json candidates = json::array();
  for (std::size_t c : h.candidates) candidates.push_back(c);
  return {{"ops", ops},
          {"verdict", h.verdict},
          {"model", h.model},
          {"explanation", h.explanation},
          {"stuck_op", index_or_minus(h.stuck_op)},
          {"candidates", candidates}};
}

// Ranges [a, b) of positions in the causal past: compact for a mostly contiguous slice.
json slice_ranges(const std::vector<bool>& in_past) {
  json ranges = json::array();
  for (std::size_t pos = 0; pos < in_past.size();) {
    if (!in_past[pos]) {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < in_past.size() && in_past[end]) ++end;
    ranges.push_back({pos, end});
    pos = end;
  }
  return ranges;
}

json findings_json(const Trace& trace, const HistoryReport& history) {
  json out = json::array();
  const CausalEdges edges = causal_edges(trace);
  for (std::size_t k = 0; k < trace.findings.size(); ++k) {
    const Finding& f = trace.findings[k];
    const std::size_t target = finding_event(trace, history, k);
    json finding = {{"kind", f.kind}, {"name", f.name}, {"message", f.message},
                    {"t", f.t_ns},    {"node", f.node}, {"event", index_or_minus(target)}};
    if (target != kNone) {
      const std::vector<bool> in_past = causal_past(edges, target);
      finding["slice"] = slice_ranges(in_past);
      finding["slice_count"] = std::count(in_past.begin(), in_past.end(), true);
    }
    out.push_back(std::move(finding));
  }
  return out;
}

json scenario_json(const json& meta) {
  auto scenario = meta.find("scenario");
  if (scenario == meta.end()) return nullptr;
  if (scenario->is_string()) return {{"name", *scenario}, {"description", ""}};
  if (!scenario->is_object()) return nullptr;
  return {{"name", detail::string_or(*scenario, "name")},
          {"description", detail::string_or(*scenario, "description")}};
}

json initial_json(const Trace& trace, const Selection& s) {
  json nodes = json::array();
  for (std::size_t k = 0; k < trace.nodes.size(); ++k) {
    if (!s.node_shown(static_cast<int>(k))) nodes.push_back(k);
  }
  return {{"from", s.from_ns.value_or(0)},
          {"to", s.to_ns.value_or(trace.end_ns)},
          {"hidden_nodes", nodes},
          {"kinds", s.kinds}};
}

// JSON inside <script>: "</script>" or "<!--" in a string must not end or confuse the
// element. '<' only occurs inside strings, where \u003c is the same character.
std::string script_safe(const json& j) {
  const std::string text = detail::dump(j);
  std::string out;
  out.reserve(text.size() + text.size() / 50);
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::size_t finding_event(const Trace& trace, const HistoryReport& history, std::size_t finding) {
  const Finding& f = trace.findings.at(finding);
  VIZ_ASSERT(history.stuck_op == kNone || history.stuck_op < history.ops.size(),
             "the stuck operation is one of the history's");
  if (f.kind == "linearizability" && history.stuck_op != kNone) {
    const OpBar& op = history.ops[history.stuck_op];
    return op.complete_event != kNone ? op.complete_event : op.invoke_event;
  }
  return f.event;
}

json page_data(const Trace& trace, const Diagram& diagram, const HistoryReport& history,
               const HtmlOptions& options) {
  json nodes = json::array();
  for (const Node& n : trace.nodes) nodes.push_back({{"name", n.name}, {"role", n.role}});
  json meta = trace.meta();
  json result = trace.doc.contains("result") ? trace.doc["result"] : json::object();
  result.erase("violations");  // they are in "findings", with their slices
  json data = {
      {"title", detail::run_title(trace.meta(), trace.source)},
      {"source", trace.source},
      {"meta", meta},
      {"scenario", scenario_json(meta)},
      {"result", result},
      {"end", trace.end_ns},
      {"nodes", nodes},
      {"style",
       {{"colour_key", diagram.style.colour_key}, {"label_keys", diagram.style.label_keys}}},
      {"events", events_json(trace, diagram)},
      {"arrows", arrows_json(trace, diagram)},
      {"segments", segments_json(diagram)},
      {"annotations", annotations_json(trace)},
      {"history", history_json(history)},
      {"findings", findings_json(trace, history)},
      {"initial", initial_json(trace, options.initial)}};
  data.update(spans_bands_markers(diagram));
  return data;
}

std::string to_html(const Trace& trace, const Diagram& diagram, const HistoryReport& history,
                    const HtmlOptions& options) {
  const std::string title = detail::run_title(trace.meta(), trace.source);
  std::ostringstream page;
  // The error hook comes first, so an error anywhere in the page is reported in it.
  page << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
       << html_escape(title) << "</title>\n<script>window.faultlineErrors = [];"
       << "window.addEventListener('error', function (e) { window.faultlineErrors.push("
       << "String(e.message)); });</script>\n<style>" << detail::kPageStyle << "</style>\n"
       << "</head><body>\n<div id=\"app\"><h1 id=\"title\">" << html_escape(title)
       << "</h1><noscript>This page draws the trace with JavaScript; run "
          "'faultline viz TRACE --print' for a text view.</noscript></div>\n"
       << "<script type=\"application/json\" id=\"faultline-data\">"
       << script_safe(page_data(trace, diagram, history, options)) << "</script>\n<script>"
       << detail::kPageScript << "</script>\n</body></html>\n";
  return page.str();
}

}  // namespace faultline::viz
