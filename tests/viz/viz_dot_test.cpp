// The space-time diagram: rows in the trace's order, one arrow per message whose both ends
// are drawn, a window that ends at the violation, and DOT that Graphviz's dot accepts.
#include <doctest/doctest.h>

#include <cctype>

#include "viz/diagram.hpp"
#include "viz/dot.hpp"
#include "viz_test_util.hpp"

using namespace faultline::viz;
using namespace faultline::viz::testing;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The y of each event's point, in the order the DOT lists them ("  e12 [pos=\"x,y!\"").
// (Read by hand: std::regex trips a false uninitialised warning in the sanitizer build.)
std::vector<std::pair<std::size_t, double>> event_rows(const std::string& dot) {
  std::vector<std::pair<std::size_t, double>> rows;
  const std::string open = "\n  e";
  for (std::size_t at = dot.find(open); at != std::string::npos; at = dot.find(open, at + 1)) {
    std::size_t end = at + open.size();
    while (end < dot.size() && std::isdigit(static_cast<unsigned char>(dot[end]))) ++end;
    const std::string pos = " [pos=\"";
    if (end == at + open.size() || dot.compare(end, pos.size(), pos) != 0) continue;  // an edge
    const std::size_t comma = dot.find(',', end);
    rows.emplace_back(std::stoul(dot.substr(at + open.size(), end - at - open.size())),
                      std::stod(dot.substr(comma + 1)));
  }
  return rows;
}

}  // namespace

TEST_CASE("the diagram: time runs down in trace order, arrows, drops, copies and boxes") {
  const Trace trace = parsed(hand_built());
  const Diagram d = build_diagram(trace);
  const DotOutput out = to_dot(trace, d, DotOptions{});
  const auto rows = event_rows(out.text);
  REQUIRE(rows.size() == out.events_drawn);
  for (std::size_t k = 1; k < rows.size(); ++k) {
    CHECK(rows[k - 1].first < rows[k].first);    // trace order...
    CHECK(rows[k - 1].second > rows[k].second);  // ...downward (Graphviz's y grows upward)
  }
  // Vote requests to b and c, the vote, c's gossip, the ping and its copy: both ends drawn.
  // The heartbeat is in flight at the end: a stub names where it went.
  CHECK(out.arrows_drawn == 6);
  CHECK(count(out.text, "class=\"message\"") == 4);
  CHECK(count(out.text, "class=\"message dropped\"") == 1);
  CHECK(count(out.text, "class=\"message copy\"") == 1);
  CHECK(count(out.text, "label=\"Heartbeat -> c\"") == 1);
  CHECK(count(out.text, "label=\"CRASH\"") == 1);
  CHECK(count(out.text, "label=\"PARTITION #1: isolate c\"") == 1);
  CHECK(count(out.text, "label=\"VIOLATION two leaders\"") == 1);
  CHECK(count(out.text, "label=\"candidate t1\"") == 1);  // role and term at one instant: one box
  CHECK(count(out.text, "label=\"leader t1\"") == 1);
  CHECK(count(out.text, "style=dashed, color=\"#cc3333\"") == 1);  // c's lifeline while down
  CHECK(out.note.empty());
  CHECK(to_dot(trace, d, DotOptions{}).text == out.text);  // deterministic
}

TEST_CASE("a diagram with too many events keeps a window ending at the violation, and says so") {
  const Trace trace = parsed(hand_built());
  DotOptions options;
  options.max_events = 5;
  const DotOutput out = to_dot(trace, build_diagram(trace), options);
  CHECK(out.events_drawn == 5);
  CHECK(out.events_selected > 5);
  CHECK(out.note.find("showing 5 of") == 0);
  const auto rows = event_rows(out.text);
  REQUIRE(!rows.empty());
  CHECK(rows.back().first == 26);  // the violation is the last row
}

TEST_CASE("--only: messages to nodes not drawn end in a stub that names them") {
  const Trace trace = parsed(hand_built());
  DotOptions options;
  options.selection.nodes = {true, true, false};
  const DotOutput out = to_dot(trace, build_diagram(trace), options);
  CHECK(out.text.find("label=\"c\\n") == std::string::npos);  // no column for c
  CHECK(count(out.text, "label=\"RequestVote -> c\"") == 0);  // dropped: an x, not a stub
  CHECK(count(out.text, "label=\"Ping -> c\"") == 2);         // the ping and its copy
  CHECK(count(out.text, "label=\"Gossip <- c\"") == 1);
  CHECK(out.arrows_drawn == 3);  // a <-> b only; the dropped request ends at its x
}

TEST_CASE("Graphviz's dot reads the diagram and draws every message arrow") {
  if (!find_graphviz()) {
    MESSAGE("Graphviz's dot is not installed: skipped (CI installs graphviz)");
    return;
  }
  const Trace trace = parsed(hand_built());
  const DotOutput out = to_dot(trace, build_diagram(trace), DotOptions{});
  TempDir dir("viz-dot");
  const std::string svg = (dir / "d.svg").string();
  REQUIRE(render_graphviz(out.text, "svg", svg).empty());
  const std::string drawn = slurp(svg);
  CHECK(count(drawn, "class=\"edge message\"") == 4);
  CHECK(count(drawn, "class=\"edge message dropped\"") == 1);
  CHECK(count(drawn, "class=\"edge message copy\"") == 1);
  CHECK(drawn.find(">VIOLATION two leaders<") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(svg + ".partial"));

  // A broken DOT file: dot fails, and nothing is left behind.
  const std::string bad = (dir / "bad.svg").string();
  CHECK(render_graphviz("digraph {", "svg", bad).find("could not render svg") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(bad));
  CHECK_FALSE(std::filesystem::exists(bad + ".partial"));
  CHECK_FALSE(std::filesystem::exists(bad + ".partial.dot"));
}
