// build_diagram(): one pass over the events, keeping each lane's current state, the open
// spans and bands, and the message copies in flight.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>

#include "viz/diagram.hpp"
#include "viz/text.hpp"
#include "viz_assert.hpp"
#include "viz_json.hpp"

namespace faultline::viz {
namespace {

// The declared mapping (the only protocol knowledge in viz/): keys that colour a lane, in
// order of preference, and keys that label it, with the short prefix the label uses.
constexpr std::array<std::string_view, 5> kColourKeys = {"role", "state", "status", "phase",
                                                         "mode"};
struct LabelKey {
  std::string_view key, prefix;
};
constexpr std::array<LabelKey, 4> kLabelKeys = {
    {{"term", "t"}, {"ballot", "b"}, {"epoch", "e"}, {"view", "v"}}};

// Colours of well-known states; the same value is the same colour in every protocol.
struct NamedColour {
  std::string_view value, colour;
};
constexpr std::array<NamedColour, 10> kStateColours = {{{"follower", "#cfe3f5"},
                                                        {"candidate", "#f9d479"},
                                                        {"pre-candidate", "#fbe7b0"},
                                                        {"precandidate", "#fbe7b0"},
                                                        {"leader", "#86cf98"},
                                                        {"learner", "#ddd3f3"},
                                                        {"primary", "#86cf98"},
                                                        {"backup", "#cfe3f5"},
                                                        {"coordinator", "#86cf98"},
                                                        {"participant", "#cfe3f5"}}};
constexpr std::array<std::string_view, 8> kPalette = {"#b7d6e8", "#f4c29e", "#c6e2c0", "#e3c6e3",
                                                      "#f0e0a0", "#c5cdef", "#f2b8b8", "#d0e8e4"};
constexpr std::string_view kNoStateColour = "#ececec";

std::string label_of(const std::string& value, const std::map<std::string, std::string>& keys) {
  std::string label = value;
  for (const LabelKey& k : kLabelKeys) {
    auto it = keys.find(std::string(k.key));
    if (it == keys.end()) continue;
    label += (label.empty() ? "" : " ") + std::string(k.prefix) + it->second;
  }
  return label;
}

// Each lane's state: the colour value and the label keys' values, as they change.
class LaneStates {
 public:
  LaneStates(const Trace& trace, const LaneStyle& style, Diagram& out)
      : trace_(trace),
        style_(style),
        out_(out),
        current_(trace.nodes.size(), kNone),
        labels_(trace.nodes.size()) {
    for (std::size_t lane = 0; lane < trace.nodes.size(); ++lane) {
      current_[lane] = out_.segments.size();
      out_.segments.push_back(Segment{static_cast<int>(lane), 0, trace.end_ns, kNone, "", "",
                                      std::string(kNoStateColour)});
    }
  }

  void annotate(std::size_t pos, const Event& e) {
    const bool colours = e.name == style_.colour_key;
    const bool labels = std::find(style_.label_keys.begin(), style_.label_keys.end(), e.name) !=
                        style_.label_keys.end();
    if (e.node == kWorld || (!colours && !labels)) return;
    const auto lane = static_cast<std::size_t>(e.node);
    const std::string text = annotation_text(trace_.raw(pos)["value"]);
    Segment next = out_.segments[current_[lane]];
    if (colours) next.value = text;
    if (labels) labels_[lane][e.name] = text;
    next.label = label_of(next.value, labels_[lane]);
    next.colour = colour_of(next.value);
    Segment& cur = out_.segments[current_[lane]];
    if (next.label == cur.label && next.value == cur.value) return;
    if (cur.t0 == e.t_ns) {
      // Several keys changed at one instant: one segment, not slivers.
      next.event = cur.event == kNone ? pos : cur.event;
      cur = next;
      return;
    }
    VIZ_ASSERT(cur.t0 <= e.t_ns, "a lane's state changes before its previous change");
    cur.t1 = e.t_ns;
    next.t0 = e.t_ns;
    next.t1 = trace_.end_ns;
    next.event = pos;
    current_[lane] = out_.segments.size();
    out_.segments.push_back(std::move(next));
  }

 private:
  std::string colour_of(const std::string& value) {
    if (value.empty()) return std::string(kNoStateColour);
    auto [it, added] = ranks_.emplace(value, ranks_.size());
    return state_colour(value, it->second);
  }

  const Trace& trace_;
  const LaneStyle& style_;
  Diagram& out_;
  std::vector<std::size_t> current_;  // lane -> its open segment
  std::vector<std::map<std::string, std::string>> labels_;
  std::map<std::string, std::size_t> ranks_;  // value -> order of first appearance
};

// Crash/restart and pause/resume spans, per lane.
void node_span(Diagram& out, std::vector<std::size_t>& open, std::size_t pos, const Event& e,
               std::int64_t end_ns) {
  if (e.node == kWorld) return;
  const auto lane = static_cast<std::size_t>(e.node);
  auto close = [&] {
    if (open[lane] == kNone) return;
    out.spans[open[lane]].t1 = e.t_ns;
    out.spans[open[lane]].end_event = pos;
    open[lane] = kNone;
  };
  switch (e.type) {
    case EventType::crash:
    case EventType::pause:
      close();  // a paused node that crashes is down from then on
      open[lane] = out.spans.size();
      out.spans.push_back(Span{e.node,
                               e.type == EventType::crash ? SpanKind::down : SpanKind::paused,
                               e.t_ns, end_ns, pos, kNone});
      break;
    case EventType::restart:
    case EventType::resume:
      close();
      break;
    default:
      break;
  }
}

// Partition and link-fault bands: opened by id, closed by id or all at once.
void network_band(Diagram& out, std::map<std::uint64_t, std::size_t>& open, std::size_t pos,
                  const Event& e, const nlohmann::json& raw, std::int64_t end_ns) {
  const bool partition = e.type == EventType::partition || e.type == EventType::heal;
  const BandKind kind = partition ? BandKind::partition : BandKind::link_fault;
  const auto fault = static_cast<std::uint64_t>(detail::int_or(raw, "fault", 0));
  if (e.type == EventType::partition || e.type == EventType::link_fault) {
    open[fault] = out.bands.size();
    out.bands.push_back(
        Band{kind, fault, e.t_ns, end_ns, pos, kNone, detail::string_or(raw, "what")});
    return;
  }
  const bool all = detail::bool_or(raw, "all") || !raw.contains("fault");
  for (auto it = open.begin(); it != open.end();) {
    if (all || it->first == fault) {
      out.bands[it->second].t1 = e.t_ns;
      out.bands[it->second].end_event = pos;
      it = open.erase(it);
    } else {
      ++it;
    }
  }
}

void marker(Diagram& out, std::size_t pos, const Event& e, const Trace& trace) {
  MarkerKind kind = MarkerKind::log;
  switch (e.type) {
    case EventType::clock:
      kind = MarkerKind::clock;
      break;
    case EventType::restart:
      kind = MarkerKind::restart;
      break;
    case EventType::violation:
      kind = MarkerKind::violation;
      break;
    case EventType::error:
      kind = MarkerKind::error;
      break;
    case EventType::log:
      kind = MarkerKind::log;
      break;
    default:
      return;
  }
  out.markers.push_back(Marker{e.node, kind, e.t_ns, pos, describe(trace, pos)});
}

// Message copies: a send or a duplicate opens one; its delivery or drop ends it.
class Messages {
 public:
  explicit Messages(Diagram& out) : out_(out) {}

  void on(std::size_t pos, const Event& e, const nlohmann::json& raw) {
    if (e.type == EventType::send || e.type == EventType::duplicate) {
      if (e.node == kWorld || e.peer == kWorld) return;  // no lane to draw it between
      if (in_flight_.count(e.msg_id)) return;            // an id sent twice: keep the first
      in_flight_[e.msg_id] = out_.arrows.size();
      out_.arrow_of_event[pos] = out_.arrows.size();
      out_.arrows.push_back(Arrow{e.node, e.peer, e.t_ns, e.t_ns, pos, kNone, e.msg_id, e.name,
                                  Fate::in_flight, e.type == EventType::duplicate, ""});
      return;
    }
    auto it = in_flight_.find(e.msg_id);
    if (it == in_flight_.end()) return;  // its send is not in this trace
    Arrow& arrow = out_.arrows[it->second];
    VIZ_ASSERT(arrow.send_event < pos && arrow.t0 <= e.t_ns, "a message ends before its send");
    arrow.end_event = pos;
    arrow.t1 = e.t_ns;
    arrow.fate = e.type == EventType::deliver ? Fate::delivered : Fate::dropped;
    if (e.type == EventType::drop) arrow.drop_reason = detail::string_or(raw, "reason");
    out_.arrow_of_event[pos] = it->second;
    in_flight_.erase(it);
  }

  void finish(std::int64_t end_ns) {
    for (const auto& [id, index] : in_flight_) out_.arrows[index].t1 = end_ns;
  }

 private:
  Diagram& out_;
  std::unordered_map<std::uint64_t, std::size_t> in_flight_;  // id -> arrow (lookup only)
};

}  // namespace

std::string annotation_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : detail::dump(value);
}

std::string state_colour(const std::string& value, std::size_t first_seen_rank) {
  for (const NamedColour& c : kStateColours) {
    if (c.value == value) return std::string(c.colour);
  }
  return std::string(kPalette[first_seen_rank % kPalette.size()]);
}

LaneStyle lane_style_for(const Trace& trace) {
  std::set<std::string> keys;
  std::map<std::string, std::set<std::string>> string_values;  // key -> distinct values
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    if (e.type != EventType::annotate) continue;
    keys.insert(e.name);
    const nlohmann::json& value = trace.raw(pos)["value"];
    if (value.is_string()) string_values[e.name].insert(value.get<std::string>());
  }
  LaneStyle style;
  for (std::string_view key : kColourKeys) {
    if (keys.count(std::string(key))) {
      style.colour_key = key;
      break;
    }
  }
  if (style.colour_key.empty()) {
    std::size_t fewest = kNone;
    for (const auto& [key, values] : string_values) {
      if (values.size() < fewest) {
        fewest = values.size();
        style.colour_key = key;
      }
    }
  }
  for (const LabelKey& k : kLabelKeys) {
    if (keys.count(std::string(k.key))) style.label_keys.emplace_back(k.key);
  }
  return style;
}

Diagram build_diagram(const Trace& trace) {
  return build_diagram(trace, lane_style_for(trace));
}

Diagram build_diagram(const Trace& trace, LaneStyle style) {
  Diagram out;
  out.style = std::move(style);
  out.arrow_of_event.assign(trace.events.size(), kNone);
  LaneStates lanes(trace, out.style, out);
  Messages messages(out);
  std::vector<std::size_t> open_spans(trace.nodes.size(), kNone);
  std::map<std::uint64_t, std::size_t> open_partitions, open_links;
  for (std::size_t pos = 0; pos < trace.events.size(); ++pos) {
    const Event& e = trace.events[pos];
    const nlohmann::json& raw = trace.raw(pos);
    if (e.type == EventType::annotate) lanes.annotate(pos, e);
    if (is_message(e.type)) messages.on(pos, e, raw);
    node_span(out, open_spans, pos, e, trace.end_ns);
    if (e.type == EventType::partition || e.type == EventType::heal) {
      network_band(out, open_partitions, pos, e, raw, trace.end_ns);
    }
    if (e.type == EventType::link_fault || e.type == EventType::link_heal) {
      network_band(out, open_links, pos, e, raw, trace.end_ns);
    }
    marker(out, pos, e, trace);
  }
  messages.finish(trace.end_ns);
  for (const Span& s : out.spans) VIZ_ASSERT(s.t0 <= s.t1, "a span ends before it begins");
  for (const Band& b : out.bands) VIZ_ASSERT(b.t0 <= b.t1, "a band ends before it begins");
  // Lanes were opened in lane order, so sort once by (lane, time) for drawing per lane.
  std::stable_sort(out.segments.begin(), out.segments.end(),
                   [](const Segment& a, const Segment& b) { return a.lane < b.lane; });
  return out;
}

}  // namespace faultline::viz
