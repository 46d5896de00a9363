#pragma once
// The trace as something to draw, shared by the DOT diagram and the HTML page: a lane per
// node with its state segments, crash and pause spans, partition and link-fault bands,
// point markers (clock changes, restarts, findings), and one arrow per message copy.
//
// Lanes are coloured from annotations through a small declared mapping (LaneStyle): which
// annotation key colours a lane (Raft's `role`) and which keys label it (`term`). Nothing
// else here knows a protocol.
//
// Invariants of a Diagram that build_diagram() returned:
//   - segments are grouped by lane, each lane's in time order, and cover [0, end_ns];
//   - spans, bands, markers and arrows are each in order of their first event;
//   - every t0 <= t1, and t1 <= Trace::end_ns;
//   - an arrow's send_event is the send (or duplicate) event of its message; its end_event,
//     when not kNone, is that message's deliver or drop, after the send.
#include <cstdint>
#include <string>
#include <vector>

#include "viz/trace.hpp"

namespace faultline::viz {

struct LaneStyle {
  std::string colour_key;               // "" when no annotation colours lanes
  std::vector<std::string> label_keys;  // shown with the colour value: "leader t3"
};

// The declared mapping: the first key of kColourKeys that the trace annotates, else
// (any other protocol) the annotated key with the fewest distinct string values.
LaneStyle lane_style_for(const Trace& trace);

// A stable colour for a state value: well-known values (follower, candidate, leader, ...)
// have their own; others take a palette colour by their order of first appearance.
std::string state_colour(const std::string& value, std::size_t first_seen_rank);

struct Segment {  // a lane's state from t0 to t1
  int lane = 0;
  std::int64_t t0 = 0, t1 = 0;
  std::size_t event = kNone;  // the annotation that began it (kNone: from the start)
  std::string value;          // of the colour key ("" before the first annotation)
  std::string label;          // value plus the label keys: "leader t3"
  std::string colour;
};

enum class SpanKind : std::uint8_t { down, paused };
struct Span {  // a node crashed (until restart) or paused (until resume)
  int lane = 0;
  SpanKind kind = SpanKind::down;
  std::int64_t t0 = 0, t1 = 0;
  std::size_t begin_event = kNone, end_event = kNone;  // end: kNone while open at the end
};

enum class BandKind : std::uint8_t { partition, link_fault };
struct Band {  // a fault of the network, over every lane
  BandKind kind = BandKind::partition;
  std::uint64_t fault = 0;
  std::int64_t t0 = 0, t1 = 0;
  std::size_t begin_event = kNone, end_event = kNone;
  std::string what;  // "isolate s2", "links duplicate 1/4"
};

enum class MarkerKind : std::uint8_t { clock, restart, violation, error, log };
struct Marker {
  int lane = kWorld;
  MarkerKind kind = MarkerKind::log;
  std::int64_t t = 0;
  std::size_t event = kNone;
  std::string text;
};

enum class Fate : std::uint8_t { delivered, dropped, in_flight };
struct Arrow {  // one copy of one message, from its send to its delivery or drop
  int from = 0, to = 0;
  std::int64_t t0 = 0, t1 = 0;  // t1: delivery or drop; the trace's end while in flight
  std::size_t send_event = kNone, end_event = kNone;
  std::uint64_t id = 0;
  std::string msg;
  Fate fate = Fate::in_flight;
  bool duplicate = false;   // a copy the network made
  std::string drop_reason;  // lost, partitioned, partitioned in flight, receiver down
};

struct Diagram {
  LaneStyle style;
  std::vector<Segment> segments;
  std::vector<Span> spans;
  std::vector<Band> bands;
  std::vector<Marker> markers;
  std::vector<Arrow> arrows;
  std::vector<std::size_t> arrow_of_event;  // by event position: its arrow, or kNone
};

Diagram build_diagram(const Trace& trace);
Diagram build_diagram(const Trace& trace, LaneStyle style);

// One readable value of an annotation ("leader", "3", or compact JSON for structures).
std::string annotation_text(const nlohmann::json& value);

}  // namespace faultline::viz
