// The trace -> diagram model: reading and refusing traces, lane states, spans, bands,
// arrows, the causal slice (against a brute-force twin), selections and the text view.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "viz/causal.hpp"
#include "viz/diagram.hpp"
#include "viz/history.hpp"
#include "viz/html.hpp"
#include "viz/select.hpp"
#include "viz/text.hpp"
#include "viz_test_util.hpp"

using namespace faultline::viz;
using namespace faultline::viz::testing;

namespace {

std::string error_of(const json& doc) {
  auto trace = parse_trace(doc, "t.json");
  return trace.ok() ? "" : trace.error().message();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a bad trace is refused with the file, the JSON path and what was expected") {
  json doc = hand_built();
  CHECK(error_of(doc).empty());

  json bad = doc;
  bad["format"] = "faultline-history";
  CHECK(contains(error_of(bad), "t.json: $.format: expected \"faultline-trace\""));
  bad = doc;
  bad["version"] = 2;
  CHECK(contains(error_of(bad), "$.version: version 2 is newer than this faultline reads (1)"));
  bad = doc;
  bad.erase("events");
  CHECK(contains(error_of(bad), "$: missing field \"events\""));
  bad = doc;
  bad["events"][7]["t"] = 3;
  CHECK(contains(error_of(bad), "$.events[7].t: time runs backwards"));
  bad = doc;
  bad["events"][5]["to"] = 9;
  CHECK(contains(error_of(bad), "$.events[5].to: expected a node id (0 to 3 exclusive) or null"));
  bad = doc;
  bad["events"][3]["i"] = 1;
  CHECK(contains(error_of(bad), "$.events[3].i: expected more than the previous event's 2"));
  bad = doc;
  bad["events"][5].erase("msg");
  CHECK(contains(error_of(bad), "$.events[5]: missing field \"msg\""));
  bad = doc;
  bad["events"][0]["type"] = "ok";  // a client event: its op must be in the history
  CHECK(contains(error_of(bad), "$.events[0]: missing field \"op\""));
  bad = doc;
  bad["nodes"][1]["id"] = 5;
  CHECK(contains(error_of(bad), "$.nodes[1].id: expected 1"));

  auto text = parse_trace_text("{\"format\": \"faultline-trace\",\n  \"version\": 1,,}", "x.json");
  REQUIRE_FALSE(text.ok());
  CHECK(contains(text.error().message(), "x.json:2:16: not valid JSON: "));
  // A client history (JSON lines) is named as one, with the verb that draws it.
  auto history = parse_trace_text(
      "{\"format\":\"faultline-history\",\"version\":1}\n{\"f\":\"read\",\"type\":\"invoke\"}\n",
      "h.jsonl");
  REQUIRE_FALSE(history.ok());
  CHECK(contains(history.error().message(),
                 "h.jsonl: holds one JSON value per line (JSON lines), not one JSON document: a "
                 "client history; 'faultline check FILE' checks it"));
}

TEST_CASE("an event type this reader does not know is kept, not refused") {
  json doc = hand_built();
  doc["events"][2] = {{"i", 2}, {"t", 0}, {"type", "teleport"}, {"node", 1}, {"to", "mars"}};
  const Trace trace = parsed(doc);
  CHECK(trace.events[2].type == EventType::unknown);
  CHECK(describe(trace, 2) == "teleport to=mars");
}

TEST_CASE(
    "lanes: coloured by role with the term, one segment per change, changes at one instant "
    "merged") {
  const Trace trace = parsed(hand_built());
  const Diagram d = build_diagram(trace);
  CHECK(d.style.colour_key == "role");
  CHECK(d.style.label_keys == std::vector<std::string>{"term"});
  std::vector<std::string> a_labels, c_labels;
  for (const Segment& s : d.segments) {
    if (s.lane == 0) a_labels.push_back(s.label);
    if (s.lane == 2) c_labels.push_back(s.label);
  }
  // role=candidate and term=1 at t=10 are one segment, not a sliver "candidate" then "candidate
  // t1".
  CHECK(a_labels == std::vector<std::string>{"follower", "candidate t1", "leader t1"});
  CHECK(c_labels == std::vector<std::string>{""});  // c never annotated: one neutral segment
  for (std::size_t k = 1; k < d.segments.size(); ++k) {
    if (d.segments[k].lane != d.segments[k - 1].lane) continue;
    CHECK(d.segments[k - 1].t1 == d.segments[k].t0);  // contiguous
  }
  CHECK(d.segments.back().t1 == trace.end_ns);
  CHECK(state_colour("leader", 0) == state_colour("leader", 5));
  CHECK(state_colour("lame duck", 0) != state_colour("lame duck", 1));
}

TEST_CASE("arrows: delivered, dropped, duplicated and in flight, spans, bands and markers") {
  const Trace trace = parsed(hand_built());
  const Diagram d = build_diagram(trace);
  REQUIRE(d.arrows.size() == 7);  // ids 1..5, the copy 6, the heartbeat 7
  const Arrow& dropped = d.arrows[1];
  CHECK(dropped.fate == Fate::dropped);
  CHECK(dropped.drop_reason == "partitioned in flight");
  CHECK(dropped.end_event == 9);
  const Arrow& copy = d.arrows[5];
  CHECK(copy.duplicate);
  CHECK(copy.fate == Fate::delivered);
  CHECK(copy.send_event == 14);
  CHECK(copy.end_event == 16);
  const Arrow& heartbeat = d.arrows[6];
  CHECK(heartbeat.fate == Fate::in_flight);
  CHECK(heartbeat.t1 == trace.end_ns);
  CHECK(d.arrow_of_event[7] == 0);
  CHECK(d.arrow_of_event[0] == kNone);

  REQUIRE(d.spans.size() == 2);
  CHECK((d.spans[0].lane == 2 && d.spans[0].kind == SpanKind::down && d.spans[0].t0 == 21 &&
         d.spans[0].t1 == 25));
  CHECK((d.spans[1].lane == 1 && d.spans[1].kind == SpanKind::paused && d.spans[1].t1 == 28));
  REQUIRE(d.bands.size() == 1);
  CHECK((d.bands[0].t0 == 20 && d.bands[0].t1 == 26 && d.bands[0].what == "isolate c"));
  std::multiset<MarkerKind> kinds;
  for (const Marker& m : d.markers) kinds.insert(m.kind);
  CHECK(kinds.count(MarkerKind::clock) == 1);
  CHECK(kinds.count(MarkerKind::restart) == 1);
  CHECK(kinds.count(MarkerKind::violation) == 1);
}

TEST_CASE("an open crash and an open partition run to the trace's end") {
  json doc = hand_built();
  doc["events"].erase(21);  // no heal
  doc["events"].erase(20);  // no restart
  for (std::size_t k = 0; k < doc["events"].size(); ++k) doc["events"][k]["i"] = k;
  doc["result"]["violations"][0]["event"] = 24;
  const Trace trace = parsed(doc);
  const Diagram d = build_diagram(trace);
  CHECK((d.spans[0].end_event == kNone && d.spans[0].t1 == trace.end_ns));
  CHECK((d.bands[0].end_event == kNone && d.bands[0].t1 == trace.end_ns));
}

TEST_CASE("why it broke: the causal past of the hand-built violation, event by event") {
  const Trace trace = parsed(hand_built());
  const std::vector<bool> past = causal_past(trace, 26);
  std::vector<std::size_t> in;
  for (std::size_t k = 0; k < past.size(); ++k) {
    if (past[k]) in.push_back(k);
  }
  CHECK(in == kHandBuiltPast);
  // The copy's delivery follows the duplicate, which follows the original's send (and
  // what b did before it), and c's own earlier events; not a's election, nor the drop.
  const std::vector<bool> copy = causal_past(trace, 16);
  CHECK((copy[14] && copy[13] && copy[8] && copy[2] && copy[15] && copy[10]));
  CHECK_FALSE(copy[11]);
  CHECK_FALSE(copy[9]);
  CHECK(trace.findings.at(0).event == 26);
}

namespace {

// A random trace: messages sent, delivered, dropped and duplicated among `nodes` nodes,
// local events, world events. Its own tiny generator, so it is the same everywhere.
json random_trace(std::uint64_t seed, int nodes, int steps) {
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  auto next = [&](std::uint64_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % n;
  };
  json events = json::array();
  std::vector<std::tuple<std::uint64_t, int, int>> flight;  // id, from, to
  std::uint64_t id = 0;
  for (int k = 0, t = 0; k < steps; ++k, t += static_cast<int>(next(3))) {
    const auto roll = next(10);
    const int node = static_cast<int>(next(static_cast<std::uint64_t>(nodes)));
    const int other =
        static_cast<int>((node + 1 + next(static_cast<std::uint64_t>(nodes - 1))) % nodes);
    if (roll < 3 || flight.empty()) {
      flight.emplace_back(++id, node, other);
      events.push_back(
          {{"t", t}, {"type", "send"}, {"node", node}, {"to", other}, {"msg", "m"}, {"id", id}});
    } else if (roll < 6) {
      const auto pick = next(flight.size());
      auto [m, from, to] = flight[pick];
      flight.erase(flight.begin() + static_cast<std::ptrdiff_t>(pick));
      events.push_back(
          {{"t", t}, {"type", "deliver"}, {"node", to}, {"from", from}, {"msg", "m"}, {"id", m}});
    } else if (roll < 7) {
      const auto pick = next(flight.size());
      auto [m, from, to] = flight[pick];
      flight.erase(flight.begin() + static_cast<std::ptrdiff_t>(pick));
      events.push_back({{"t", t},
                        {"type", "drop"},
                        {"node", from},
                        {"to", to},
                        {"msg", "m"},
                        {"id", m},
                        {"reason", "lost"}});
    } else if (roll < 8) {
      auto [m, from, to] = flight[next(flight.size())];
      flight.emplace_back(++id, from, to);
      events.push_back({{"t", t},
                        {"type", "duplicate"},
                        {"node", from},
                        {"to", to},
                        {"msg", "m"},
                        {"id", id},
                        {"of", m}});
    } else if (roll < 9) {
      events.push_back(
          {{"t", t}, {"type", "annotate"}, {"node", node}, {"key", "x"}, {"value", k}});
    } else {
      events.push_back(
          {{"t", t}, {"type", "partition"}, {"node", nullptr}, {"fault", k}, {"what", "w"}});
    }
  }
  std::vector<std::string> names;
  for (int n = 0; n < nodes; ++n) names.push_back("n" + std::to_string(n));
  return trace_doc(names, events);
}

// The slow twin: happens-before as the transitive closure of its definition, read from the
// JSON directly (not through causal_edges): e before f on one node (both the node's own
// events), a send before its delivery or drop, a send before its duplicate, a duplicate
// before the copy's delivery.
std::vector<std::vector<bool>> closure(const json& events) {
  const std::size_t n = events.size();
  std::vector<std::vector<bool>> hb(n, std::vector<bool>(n, false));
  auto own = [](const json& e) {
    return !e["node"].is_null() && e["type"] != "drop" && e["type"] != "duplicate";
  };
  for (std::size_t f = 0; f < n; ++f) {
    hb[f][f] = true;
    for (std::size_t e = 0; e < f; ++e) {
      const json &a = events[e], &b = events[f];
      const bool program = own(a) && own(b) && a["node"] == b["node"];
      const bool sent = (a["type"] == "send" || a["type"] == "duplicate") &&
                        (b["type"] == "deliver" || b["type"] == "drop") && a["id"] == b["id"];
      const bool copied = (a["type"] == "send" || a["type"] == "duplicate") &&
                          b["type"] == "duplicate" && a["id"] == b["of"];
      if (program || sent || copied) hb[e][f] = true;
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!hb[i][k]) continue;
      for (std::size_t j = 0; j < n; ++j) {
        if (hb[k][j]) hb[i][j] = true;
      }
    }
  }
  return hb;
}

}  // namespace

TEST_CASE("the causal slice equals a brute-force transitive closure on 300 random traces") {
  std::size_t non_trivial = 0;  // slices that are neither just the target nor everything
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const json doc = random_trace(seed, 2 + static_cast<int>(seed % 3), 40);
    const Trace trace = parsed(doc);
    const auto hb = closure(doc["events"]);
    const CausalEdges edges = causal_edges(trace);
    for (std::size_t target = 0; target < trace.events.size(); ++target) {
      const std::vector<bool> past = causal_past(edges, target);
      std::size_t size = 0;
      for (std::size_t e = 0; e < trace.events.size(); ++e) {
        REQUIRE_MESSAGE(past[e] == hb[e][target],
                        "seed " << seed << ", event " << e << " before " << target);
        size += past[e] ? 1 : 0;
      }
      non_trivial += size > 1 && size < target + 1 ? 1 : 0;
    }
  }
  CHECK(non_trivial > 3000);  // the twin was asked real questions
}

TEST_CASE("selections: --only, --kinds, --from and --to pick events, bad words name the flag") {
  const Trace trace = parsed(hand_built());
  auto s = make_selection(trace, {"a,c", "message,fault", "12ns", "0.00000002s"});
  REQUIRE(s.ok());
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < trace.events.size(); ++k) {
    if (s->shows(trace.events[k])) shown.push_back(k);
  }
  // From 12 ns to 20 ns, on a and c: a's drop (at 13), c's send (14), a's delivery (15),
  // c's deliveries (17, 18), and the partition (20: the world's events show on any nodes).
  CHECK(shown == std::vector<std::size_t>{9, 10, 11, 15, 16, 18});
  Selection all;
  CHECK(all.shows(trace.events[26]));  // findings are always shown
  Event noise;
  noise.type = EventType::disk_write;
  CHECK_FALSE(all.shows(noise));
  noise.type = EventType::timer;
  CHECK_FALSE(all.shows(noise));

  auto bad_node = make_selection(trace, {"a,zz", "", "", ""});
  REQUIRE_FALSE(bad_node.ok());
  CHECK(bad_node.error().message() == "--only zz: no such node in test.json; nodes: a, b, c");
  auto bad_kind = make_selection(trace, {"", "message,disks", "", ""});
  REQUIRE_FALSE(bad_kind.ok());
  CHECK(contains(bad_kind.error().message(), "--kinds disks: expected a list of message"));
  auto backwards = make_selection(trace, {"", "", "3s", "1s"});
  REQUIRE_FALSE(backwards.ok());
  CHECK(backwards.error().message() == "--to 1s: is before --from 3s");
}

TEST_CASE("times on the command line: units, fractions, and what is refused") {
  CHECK(*parse_time("1s", "--from") == 1'000'000'000);
  CHECK(*parse_time("1.5s", "--from") == 1'500'000'000);
  CHECK(*parse_time("250ms", "--from") == 250'000'000);
  CHECK(*parse_time("0.25ms", "--from") == 250'000);
  CHECK(*parse_time("7us", "--from") == 7'000);
  CHECK(*parse_time("42", "--from") == 42);
  for (const char* bad :
       {"", "s", "1.2.3s", "1h", "-1s", "0.5ns", "1.0000000001s", "999999999999s"}) {
    auto t = parse_time(bad, "--to");
    CHECK_MESSAGE(!t.ok(), bad);
  }
  CHECK(format_time(1'422'108'906) == "1.422108906s");
  CHECK(format_time(15'000'000) == "0.015s");
  CHECK(format_time(0) == "0s");
}

TEST_CASE(
    "the text view: disk and timer hidden by default and said so, state changes as old -> new") {
  json doc = hand_built();
  auto& events = doc["events"];
  const json term = {{"t", 15}, {"type", "annotate"}, {"node", 0}, {"key", "term"}, {"value", 2}};
  const json disk = {{"t", 10}, {"type", "disk_write"}, {"node", 0}, {"bytes", 7}};
  const json named = {
      {"t", 10}, {"type", "timer"}, {"node", 0}, {"wait", "recv"}, {"name", "election timeout"}};
  const json sleep = {{"t", 10}, {"type", "timer"}, {"node", 0}, {"wait", "sleep"}};
  events.insert(events.begin() + 13, term);
  events.insert(events.begin() + 6, disk);
  events.insert(events.begin() + 6, named);
  events.insert(events.begin() + 6, sleep);
  for (std::size_t k = 0; k < events.size(); ++k) events[k]["i"] = k;
  doc["result"]["violations"][0]["event"] = 30;
  const Trace trace = parsed(doc);

  std::ostringstream quiet;
  print_text(trace, Selection{}, quiet);
  const std::string text = quiet.str();
  CHECK(contains(text, "hidden: 1 disk, 2 timer (--kinds all shows every kind"));
  CHECK_FALSE(contains(text, "disk write"));
  CHECK(contains(text, "0.00000001s  a       state role: follower -> candidate, term: 1\n"));
  CHECK(contains(text, "state role: candidate -> leader, term: 1 -> 2"));
  CHECK(contains(text, "-> b RequestVote #1 term=1"));
  CHECK(contains(text, "-x c RequestVote #2 dropped (partitioned in flight)"));
  CHECK(contains(text, "=> c Ping #6 duplicated (a copy of #5)"));
  CHECK(contains(text, "VIOLATION two leaders: a and b lead term 1"));

  std::ostringstream loud;
  print_text(trace, *make_selection(trace, {"a", "all", "", "10ns"}), loud);
  CHECK(contains(loud.str(), "timer: election timeout"));  // a named timer by its name
  CHECK(contains(loud.str(), "timer: sleep ended"));       // else by what it waited for
  CHECK(contains(loud.str(), "disk write 7 bytes"));
  CHECK_FALSE(contains(loud.str(), "<- a RequestVote"));  // b's delivery: not on a
  CHECK_FALSE(contains(loud.str(), "Vote #3"));           // after --to
}

TEST_CASE("a protocol without a role: lanes coloured by its fewest-valued string annotation") {
  json events = json::array({
      {{"t", 0}, {"type", "annotate"}, {"node", 0}, {"key", "phase"}, {"value", "prepare"}},
      {{"t", 0}, {"type", "annotate"}, {"node", 0}, {"key", "decision"}, {"value", "none"}},
      {{"t", 1}, {"type", "annotate"}, {"node", 0}, {"key", "phase"}, {"value", "commit"}},
      {{"t", 2}, {"type", "annotate"}, {"node", 1}, {"key", "vote"}, {"value", "yes"}},
  });
  const Trace trace = parsed(trace_doc({"coord", "p1"}, events));
  CHECK(lane_style_for(trace).colour_key == "phase");  // a declared key wins
  json other = json::array({
      {{"t", 0}, {"type", "annotate"}, {"node", 0}, {"key", "mood"}, {"value", "a"}},
      {{"t", 1}, {"type", "annotate"}, {"node", 0}, {"key", "mood"}, {"value", "b"}},
      {{"t", 1}, {"type", "annotate"}, {"node", 1}, {"key", "colour"}, {"value", "red"}},
      {{"t", 1}, {"type", "annotate"}, {"node", 1}, {"key", "count"}, {"value", 4}},
  });
  const Trace generic = parsed(trace_doc({"x", "y"}, other));
  CHECK(lane_style_for(generic).colour_key == "colour");  // one distinct value beats two
  const Diagram d = build_diagram(generic);
  REQUIRE(d.segments.size() == 3);
  CHECK((d.segments[0].lane == 0 && d.segments[0].value.empty()));  // x has no colour
  CHECK((d.segments[1].lane == 1 && d.segments[1].value.empty() && d.segments[1].t1 == 1));
  CHECK((d.segments[2].lane == 1 && d.segments[2].value == "red" && d.segments[2].t0 == 1));
}

TEST_CASE("history: bars per operation, the verdict, and the operation that could not be placed") {
  json history = json::array({
      {{"process", 0}, {"type", "invoke"}, {"f", "put"}, {"key", "x"}, {"value", "1"}, {"time", 1}},
      {{"process", 0}, {"type", "ok"}, {"f", "put"}, {"key", "x"}, {"value", "1"}, {"time", 2}},
      {{"process", 1}, {"type", "invoke"}, {"f", "get"}, {"key", "x"}, {"time", 3}},
      {{"process", 1}, {"type", "ok"}, {"f", "get"}, {"key", "x"}, {"value", "2"}, {"time", 4}},
  });
  json events = json::array();
  for (int k = 0; k < 4; ++k) {
    json e = history[k];
    e["t"] = e["time"];
    e.erase("time");
    e["node"] = k < 2 ? 0 : 1;
    e["op"] = k;
    events.push_back(e);
  }
  const Trace trace = parsed(trace_doc({"c0", "c1"}, events, history));
  auto report = check_history(trace);
  REQUIRE(report.ok());
  CHECK(report->verdict == "not_linearizable");
  CHECK(report->model == "kv");
  REQUIRE(report->ops.size() == 2);
  CHECK(report->stuck_op == 1);
  CHECK((report->ops[1].invoke_event == 2 && report->ops[1].complete_event == 3));
  CHECK(report->ops[1].node == 1);
  CHECK(contains(report->ops[1].text, "-> ok"));

  history[3]["value"] = "1";
  events[3]["value"] = "1";
  auto fine = check_history(parsed(trace_doc({"c0", "c1"}, events, history)));
  REQUIRE(fine.ok());
  CHECK(fine->verdict == "linearizable");
  CHECK(fine->stuck_op == kNone);

  history[1]["process"] = 7;  // a completion with no invocation
  auto bad = check_history(parsed(trace_doc({"c0", "c1"}, json::array(), history)));
  REQUIRE_FALSE(bad.ok());
  CHECK(
      contains(bad.error().message(), "test.json: $.history[1]: a completion (ok) for process 7"));
}

TEST_CASE("the page's data: counts as in the trace, the slice of each finding, deterministic") {
  const Trace trace = parsed(hand_built());
  const Diagram d = build_diagram(trace);
  const HistoryReport history = *check_history(trace);
  const json data = page_data(trace, d, history, {});
  CHECK(data["events"]["t"].size() == trace.events.size());
  CHECK(data["arrows"]["from"].size() == 7);
  CHECK(data["arrows"]["body"][0] == json{{"term", 1}});
  CHECK(data["arrows"]["body"][1].is_null());
  REQUIRE(data["findings"].size() == 1);
  CHECK(data["findings"][0]["slice"] == json::parse("[[0,9],[11,13],[24,27]]"));
  CHECK(data["findings"][0]["slice_count"] == kHandBuiltPast.size());
  CHECK(data["annotations"][0]["role"]["value"] ==
        json::parse(R"(["follower","candidate","leader"])"));
  CHECK(data["scenario"].is_null());
  CHECK(to_html(trace, d, history) == to_html(trace, d, history));

  json doc = hand_built();
  doc["meta"]["scenario"] = {{"name", "split vote"}, {"description", "two <candidates>"}};
  const Trace with_scenario = parsed(doc);
  const json scenario = page_data(with_scenario, d, history, {})["scenario"];
  CHECK(scenario["description"] == "two <candidates>");
  // No "<" from the data reaches the page raw: it cannot end the script element early.
  const std::string page = to_html(with_scenario, d, history);
  CHECK(contains(page, "two \\u003ccandidates>"));
  CHECK_FALSE(contains(page, "two <candidates>"));
}
