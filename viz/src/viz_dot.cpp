// to_dot(): pick the events to draw (one row each), keep a window if there are too many,
// then write columns, rows, lifelines and message arrows with fixed positions.
#include <algorithm>
#include <map>
#include <sstream>

#include "viz/dot.hpp"
#include "viz/text.hpp"
#include "viz_assert.hpp"
#include "viz_json.hpp"

namespace faultline::viz {
namespace {

constexpr double kRowPt = 24;
constexpr double kColumnPt = 170;
constexpr double kTimeX = 30;
constexpr double kWorldX = 120;
constexpr std::size_t kLabelCharsMax = 26;

enum class Shape : std::uint8_t { point, box, drop };

struct Item {               // one row of the diagram
  std::size_t pos = kNone;  // its event (the first of an annotation group)
  int lane = kWorld;        // kWorld: the network column
  Shape shape = Shape::point;
  std::string label;
  std::string fill;
  std::string tooltip;
};

std::string dot_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string shorten(std::string text) {
  if (text.size() <= kLabelCharsMax) return text;
  std::size_t cut = kLabelCharsMax - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

const Segment* segment_at(const Diagram& d, int lane, std::int64_t t) {
  auto first = std::lower_bound(d.segments.begin(), d.segments.end(), lane,
                                [](const Segment& s, int value) { return s.lane < value; });
  auto last = std::upper_bound(first, d.segments.end(), lane,
                               [](int value, const Segment& s) { return value < s.lane; });
  auto after = std::upper_bound(first, last, t,
                                [](std::int64_t value, const Segment& s) { return value < s.t0; });
  return after == first ? nullptr : &*(after - 1);
}

// The box that stands for an event, or a point (label empty) for messages and the like.
Item item_for(const Trace& trace, std::size_t pos) {
  const Event& e = trace.events[pos];
  Item item{pos,
            e.node,
            Shape::box,
            "",
            "#f4f4f4",
            format_time(e.t_ns) + " " + trace.node_name(e.node) + ": " + describe(trace, pos)};
  switch (e.type) {
    case EventType::send:
    case EventType::deliver:
    case EventType::duplicate:
    case EventType::disk_write:
    case EventType::disk_sync:
      item.shape = Shape::point;
      break;
    case EventType::drop:
      item.shape = Shape::drop;
      item.lane = e.peer;  // drawn toward the receiver, where the message did not arrive
      break;
    case EventType::crash:
      item.label = "CRASH";
      item.fill = "#f3a9a9";
      break;
    case EventType::pause:
      item.label = "PAUSE";
      item.fill = "#f7cf94";
      break;
    case EventType::violation:
      item.label = "VIOLATION " + e.name;
      item.fill = "#ff7b7b";
      break;
    case EventType::error:
      item.label = describe(trace, pos);
      item.fill = "#ff7b7b";
      break;
    case EventType::client:
      item.label = describe(trace, pos);
      item.fill = "#dbe8fb";
      break;
    case EventType::partition:
    case EventType::link_fault:
      item.label = describe(trace, pos);
      item.fill = "#dccbf2";
      break;
    default:
      item.label = describe(trace, pos);
      break;
  }
  if (e.type == EventType::client) item.label = item.label.substr(0, item.label.find(" (process"));
  item.label = shorten(item.label);
  return item;
}

// Annotations of one node at one instant are one box, labelled with the lane's state
// after them ("leader t3"); drawn only when they change the lane's declared keys.
std::size_t annotation_group(const Trace& trace, const Diagram& d, const Selection& s,
                             std::size_t pos, std::vector<Item>& items) {
  const Event& first = trace.events[pos];
  bool styled = d.style.colour_key.empty();
  std::string changes;
  std::size_t end = pos;
  for (; end < trace.events.size(); ++end) {
    const Event& e = trace.events[end];
    if (e.type != EventType::annotate || e.node != first.node || e.t_ns != first.t_ns) break;
    if (!s.shows(e)) continue;
    styled = styled || e.name == d.style.colour_key ||
             std::count(d.style.label_keys.begin(), d.style.label_keys.end(), e.name) > 0;
    changes +=
        (changes.empty() ? "" : ", ") + e.name + "=" + annotation_text(trace.raw(end)["value"]);
  }
  if (styled && !changes.empty()) {
    const Segment* seg = segment_at(d, first.node, first.t_ns);
    Item item{pos,
              first.node,
              Shape::box,
              seg && !seg->label.empty() ? seg->label : changes,
              seg ? seg->colour : "#f4f4f4",
              format_time(first.t_ns) + " " + trace.node_name(first.node) + ": " + changes};
    item.label = shorten(item.label);
    items.push_back(std::move(item));
  }
  return end;
}

std::vector<Item> select_items(const Trace& trace, const Diagram& d, const Selection& s) {
  std::vector<Item> items;
  for (std::size_t pos = 0; pos < trace.events.size();) {
    const Event& e = trace.events[pos];
    if (e.type == EventType::annotate && e.node != kWorld && s.node_shown(e.node) &&
        s.time_shown(e.t_ns)) {
      pos = annotation_group(trace, d, s, pos, items);
      continue;
    }
    if (s.shows(e)) items.push_back(item_for(trace, pos));
    ++pos;
  }
  return items;
}

// Too many rows: keep max_events of them, ending at the first violation when there is one.
std::string keep_window(const Trace& trace, std::vector<Item>& items, std::size_t max_events) {
  if (items.size() <= max_events) return "";
  std::size_t end = max_events;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (trace.events[items[k].pos].type == EventType::violation) {
      end = std::max(max_events, k + 1);
      break;
    }
  }
  const std::size_t begin = end - max_events;
  const std::size_t total = items.size();
  const std::string from = format_time(trace.events[items[begin].pos].t_ns);
  const std::string to = format_time(trace.events[items[end - 1].pos].t_ns);
  items = std::vector<Item>(items.begin() + static_cast<std::ptrdiff_t>(begin),
                            items.begin() + static_cast<std::ptrdiff_t>(end));
  return "showing " + std::to_string(max_events) + " of " + std::to_string(total) + " events (" +
         from + " to " + to + "); choose with --from, --to, --only, --kinds or --limit";
}

class DotWriter {
 public:
  DotWriter(const Trace& trace, const Diagram& d, const Selection& s, std::vector<Item> items)
      : trace_(trace), d_(d), items_(std::move(items)), row_of_(trace.events.size(), kNone) {
    for (std::size_t k = 0; k < items_.size(); ++k) row_of_[items_[k].pos] = k;
    bool world = false;
    for (const Item& item : items_) world = world || item.lane == kWorld;
    double x = world ? kWorldX + kColumnPt * 0.8 : kWorldX;
    for (std::size_t lane = 0; lane < trace.nodes.size(); ++lane) {
      if (!s.node_shown(static_cast<int>(lane))) continue;
      lane_x_[static_cast<int>(lane)] = x;
      x += kColumnPt;
    }
    if (world) lane_x_[kWorld] = kWorldX;
  }

  std::size_t write(std::ostream& out, const std::string& title) {
    out << "digraph faultline_trace {\n"
        << "  layout=neato; inputscale=72; splines=false; outputorder=edgesfirst;\n"
        << "  labelloc=t; fontname=Helvetica; fontsize=12; label=" << dot_string(title) << ";\n"
        << "  node [fontname=Helvetica, fontsize=8, pin=true];\n"
        << "  edge [fontname=Helvetica, fontsize=7, arrowsize=0.6];\n";
    write_headers(out);
    for (std::size_t row = 0; row < items_.size(); ++row) write_item(out, row);
    write_lifelines(out);
    write_bands(out);
    std::size_t arrows = 0;
    for (std::size_t row = 0; row < items_.size(); ++row) arrows += write_message(out, row);
    out << "}\n";
    return arrows;
  }

 private:
  double y(double row) const { return (static_cast<double>(items_.size()) - row) * kRowPt; }
  bool shown(int lane) const { return lane != kWorld && lane_x_.count(lane) > 0; }
  double x_of(int lane) const {
    auto it = lane_x_.find(lane);
    return it == lane_x_.end() ? kWorldX : it->second;
  }

  std::string pos(double x, double row) const {
    std::ostringstream s;
    s << "pos=\"" << x << "," << y(row) << "!\"";
    return s.str();
  }

  std::int64_t window_start() const {
    return items_.empty() ? 0 : trace_.events[items_.front().pos].t_ns;
  }
  std::int64_t window_end() const {
    return items_.empty() ? 0 : trace_.events[items_.back().pos].t_ns;
  }

  // A column's header names the node and its state as the window opens; invisible anchors
  // above the first row and below the last carry its lifeline through the whole window.
  void write_headers(std::ostream& out) const {
    const double bottom = static_cast<double>(items_.size()) - 0.4;
    for (const auto& [lane, x] : lane_x_) {
      std::string label = lane == kWorld ? "network" : trace_.nodes[lane].name;
      if (lane != kWorld) {
        label += "\n(" + trace_.nodes[lane].role + ")";
        const Segment* seg = segment_at(d_, lane, window_start());
        if (seg && !seg->label.empty()) label += "\n" + seg->label;
        out << "  a" << lane << " [shape=point, style=invis, " << pos(x, -0.6) << "];\n"
            << "  z" << lane << " [shape=point, style=invis, " << pos(x, bottom) << "];\n";
      }
      out << "  h" << lane + 1 << " [shape=plaintext, fontsize=11, label=" << dot_string(label)
          << ", " << pos(x, -1.8) << "];\n";
    }
  }

  double item_x(const Item& item) const {
    const std::size_t arrow = d_.arrow_of_event[item.pos];
    if (item.shape != Shape::drop || arrow == kNone) {
      return x_of(item.lane);
    }
    const Arrow& a = d_.arrows[arrow];
    const double from = x_of(a.from);
    if (!shown(a.to)) return from + kColumnPt * 0.3;
    // Lost on the way: halfway; refused on arrival (receiver down, partitioned in
    // flight): just short of the receiver.
    const double to = x_of(a.to);
    return a.t1 == a.t0 ? (from + to) / 2 : to + (from < to ? -14 : 14);
  }

  void write_item(std::ostream& out, std::size_t row) const {
    const Item& item = items_[row];
    const Event& e = trace_.events[item.pos];
    out << "  t" << row << " [shape=plaintext, fontsize=7, fontcolor=\"#888888\", label="
        << dot_string(format_time(e.t_ns)) << ", " << pos(kTimeX, static_cast<double>(row))
        << "];\n";
    out << "  e" << item.pos << " [" << pos(item_x(item), static_cast<double>(row))
        << ", tooltip=" << dot_string(item.tooltip);
    switch (item.shape) {
      case Shape::point:
        out << ", shape=point, width=0.07, color=\"#333333\"";
        break;
      case Shape::drop:
        out << ", shape=plaintext, fontsize=13, fontcolor=\"#d62020\", label=\"x\"";
        break;
      case Shape::box:
        out << ", shape=box, style=\"rounded,filled\", height=0.2, width=0, margin=\"0.04,0.01\", "
               "fillcolor=\""
            << item.fill << "\", label=" << dot_string(item.label);
        break;
    }
    out << "];\n";
  }

  // A lifeline between two rows of a lane: its state's colour, dashed while down.
  void write_lifelines(std::ostream& out) const {
    struct Last {
      std::string node;
      std::int64_t t;
    };
    std::map<int, Last> last;  // lane -> its latest point
    for (const auto& [lane, x] : lane_x_) {
      if (lane != kWorld) last[lane] = Last{"a" + std::to_string(lane), window_start()};
    }
    for (const Item& item : items_) {
      if (item.shape == Shape::drop || !shown(item.lane)) continue;
      const std::int64_t t = trace_.events[item.pos].t_ns;
      Last& prev = last[item.lane];
      out << "  " << prev.node << " -> e" << item.pos << " [arrowhead=none, "
          << lifeline_style(item.lane, prev.t, t) << "];\n";
      prev = Last{"e" + std::to_string(item.pos), t};
    }
    for (const auto& [lane, prev] : last) {
      out << "  " << prev.node << " -> z" << lane << " [arrowhead=none, "
          << lifeline_style(lane, prev.t, window_end()) << "];\n";
    }
  }

  std::string lifeline_style(int lane, std::int64_t t0, std::int64_t t1) const {
    for (const Span& s : d_.spans) {
      if (s.lane != lane || s.t0 > t0 || s.t1 < t1) continue;
      return s.kind == SpanKind::down ? "style=dashed, color=\"#cc3333\", penwidth=1"
                                      : "style=dotted, color=\"#e08a1e\", penwidth=2";
    }
    const Segment* seg = segment_at(d_, lane, t0);
    return "color=\"" + (seg && !seg->value.empty() ? seg->colour : std::string("#bbbbbb")) +
           "\", penwidth=4";
  }

  void write_bands(std::ostream& out) const {
    for (const Band& b : d_.bands) {
      if (b.end_event == kNone || row_of_[b.begin_event] == kNone ||
          row_of_[b.end_event] == kNone) {
        continue;
      }
      out << "  e" << b.begin_event << " -> e" << b.end_event
          << " [arrowhead=none, penwidth=5, color=\"#b79be0\"];\n";
    }
  }

  // The arrow of a send (or duplicate) row: to its delivery or drop when that is drawn,
  // else a short stub naming where it went. Returns 1 for a whole arrow.
  std::size_t write_message(std::ostream& out, std::size_t row) const {
    const Item& item = items_[row];
    const Event& e = trace_.events[item.pos];
    const std::size_t index = d_.arrow_of_event[item.pos];
    if (index == kNone) return 0;
    const Arrow& a = d_.arrows[index];
    const bool start = e.type == EventType::send || e.type == EventType::duplicate;
    const std::size_t other = start ? a.end_event : a.send_event;
    if (other != kNone && row_of_[other] != kNone) {
      if (!start) return 0;  // drawn from its send's row
      out << "  e" << a.send_event << " -> e" << other << " [" << arrow_style(a) << "];\n";
      return 1;
    }
    if (e.type == EventType::drop) return 0;
    const std::string text =
        start ? a.msg + " -> " + trace_.node_name(a.to) : a.msg + " <- " + trace_.node_name(a.from);
    out << "  s" << item.pos
        << " [shape=plaintext, fontsize=7, fontcolor=\"#777777\", label=" << dot_string(text)
        << ", " << pos(item_x(item) + 50, static_cast<double>(row) + 0.35) << "];\n  e" << item.pos
        << " -> s" << item.pos << " [arrowhead=none, style=dotted, color=\"#999999\"];\n";
    return 0;
  }

  // Classes name what an edge is in the SVG (message, copy, dropped), for readers and tests.
  std::string arrow_style(const Arrow& a) const {
    const char* what = a.fate == Fate::dropped ? "message dropped"
                       : a.duplicate           ? "message copy"
                                               : "message";
    std::string style = std::string("class=\"") + what +
                        "\", label=" + dot_string(a.msg + (a.duplicate ? " (copy)" : "")) +
                        ", color=" + dot_string(message_colour(a.msg)) +
                        ", fontcolor=" + dot_string(message_colour(a.msg));
    if (a.duplicate) style += ", style=dashed";
    if (a.fate == Fate::dropped) style += ", style=dashed, color=\"#d62020\", arrowhead=none";
    return style;
  }

  std::string message_colour(const std::string& msg) const {
    static constexpr std::string_view kColours[] = {"#1f5fa8", "#2e8540", "#8a4fbf", "#b35900",
                                                    "#00838f", "#6d4c41", "#c2185b", "#455a64"};
    auto [it, added] = msg_rank_.emplace(msg, msg_rank_.size());
    return std::string(kColours[it->second % std::size(kColours)]);
  }

  const Trace& trace_;
  const Diagram& d_;
  std::vector<Item> items_;
  std::vector<std::size_t> row_of_;                      // event position -> its row, or kNone
  std::map<int, double> lane_x_;                         // shown lanes (and the world) -> x
  mutable std::map<std::string, std::size_t> msg_rank_;  // message type -> colour, in order met
};

std::string diagram_title(const Trace& trace) {
  const nlohmann::json& meta = trace.meta();
  std::string title = detail::run_title(meta, trace.source);
  if (auto faults = meta.find("faults"); faults != meta.end() && faults->is_string()) {
    title += ", faults " + faults->get<std::string>();
  }
  // The planted bugs and the scenario: a diagram of figure8.json said only "raft seed 1".
  if (auto bugs = meta.find("bugs"); bugs != meta.end() && bugs->is_array() && !bugs->empty()) {
    std::string names;
    for (const auto& b : *bugs)
      names += (names.empty() ? "" : ", ") + (b.is_string() ? b.get<std::string>() : b.dump());
    title += ", planted bugs: " + names;
  }
  if (auto s = meta.find("scenario");
      s != meta.end() && s->is_object() && s->contains("name") && (*s)["name"].is_string()) {
    title += " — " + (*s)["name"].get<std::string>();
  }
  return title;
}

}  // namespace

DotOutput to_dot(const Trace& trace, const Diagram& diagram, const DotOptions& options) {
  DotOutput out;
  std::vector<Item> items = select_items(trace, diagram, options.selection);
  for (std::size_t k = 1; k < items.size(); ++k) {
    VIZ_ASSERT(items[k - 1].pos < items[k].pos, "diagram rows follow the trace's order");
  }
  out.events_selected = items.size();
  out.note = keep_window(trace, items, std::max<std::size_t>(options.max_events, 1));
  out.events_drawn = items.size();
  std::ostringstream text;
  DotWriter writer(trace, diagram, options.selection, std::move(items));
  out.arrows_drawn =
      writer.write(text, diagram_title(trace) + (out.note.empty() ? "" : "\n" + out.note));
  out.text = text.str();
  return out;
}

}  // namespace faultline::viz
