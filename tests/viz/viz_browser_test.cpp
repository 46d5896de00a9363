// The trace page in a real browser: headless Chromium loads pages that `faultline viz`
// made from real runs. The page writes what it drew into the DOM (#summary), which
// --dump-dom shows; the test compares it with counts taken from the trace itself, steps
// the cursor with the keyboard handler (#selftest), checks the causal slice against the
// library's, reads a screenshot, and times a 50,000-event page.
// Built only where Chromium and zlib are installed (scripts/install-deps --with-browser).
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "viz/causal.hpp"
#include "viz/diagram.hpp"
#include "viz/text.hpp"
#include "viz_png.hpp"
#include "viz_test_util.hpp"

using namespace faultline::viz;
using namespace faultline::viz::testing;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  json summary;
  double wall_ms = 0;  // the whole browser process, start-up included
};

std::string unescape_html(const std::string& text) {
  std::string out;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] != '&') {
      out += text[k];
      continue;
    }
    const std::size_t semi = text.find(';', k);
    const std::string entity = text.substr(k, semi - k + 1);
    if (entity == "&amp;")
      out += '&';
    else if (entity == "&lt;")
      out += '<';
    else if (entity == "&gt;")
      out += '>';
    else if (entity == "&quot;")
      out += '"';
    else if (entity == "&nbsp;")
      out += "\xc2\xa0";
    else
      out += entity;
    k = semi;
  }
  return out;
}

std::string chromium_command(const TempDir& dir, const std::string& what, const fs::path& page,
                             const std::string& fragment) {
  static int runs = 0;  // a fresh profile for every browser run
  const fs::path profile = dir / ("profile-" + std::to_string(++runs));
  return std::string("'") + FAULTLINE_CHROMIUM +
         "' --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync --hide-scrollbars --window-size=1400,1000 "
         "--virtual-time-budget=5000 --user-data-dir='" +
         profile.string() + "' " + what + " 'file://" + page.string() + fragment + "' 2>/dev/null";
}

Loaded load(const TempDir& dir, const fs::path& page, const std::string& fragment) {
  const auto started = std::chrono::steady_clock::now();
  FILE* pipe = ::popen(chromium_command(dir, "--dump-dom", page, fragment).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string dom;
  std::array<char, 65536> buffer{};
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
    dom.append(buffer.data(), n);
  REQUIRE(::pclose(pipe) == 0);
  Loaded loaded;
  loaded.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const std::string open = "<pre id=\"summary\" hidden=\"\">";
  const auto start = dom.find(open);
  REQUIRE_MESSAGE(start != std::string::npos, "the page wrote no summary: " << dom.substr(0, 2000));
  const auto end = dom.find("</pre>", start);
  loaded.summary =
      json::parse(unescape_html(dom.substr(start + open.size(), end - start - open.size())));
  return loaded;
}

// Makes a trace with the binary and the page with `faultline viz`; returns the trace.
Trace make_page(const TempDir& dir, const std::string& name, const std::string& run_args,
                int expect) {
  const fs::path trace = dir / (name + ".json");
  const Ran ran = run_faultline("run " + run_args + " --trace " + trace.string());
  REQUIRE_MESSAGE(ran.status == expect, ran.out);
  REQUIRE(run_faultline("viz " + trace.string() + " --html " + (dir / (name + ".html")).string())
              .status == 0);
  auto parsed_trace = read_trace_file(trace.string());
  REQUIRE(parsed_trace.ok());
  return std::move(*parsed_trace);
}

struct Counts {
  std::size_t arrows = 0, drops = 0, duplicates = 0, ops = 0;
};

// Straight from the trace's events, not through the diagram the page was made from.
Counts counts_of(const Trace& trace) {
  Counts c;
  for (const Event& e : trace.events) {
    c.arrows += e.type == EventType::send || e.type == EventType::duplicate;
    c.drops += e.type == EventType::drop;
    c.duplicates += e.type == EventType::duplicate;
  }
  for (const json& h : trace.history()) c.ops += h["type"] == "invoke";
  return c;
}

bool hidden_by_default(const Event& e) {
  return e.type == EventType::disk_write || e.type == EventType::disk_sync ||
         e.type == EventType::timer;
}

void check_first_drawing(const json& summary, const Trace& trace) {
  const Counts expected = counts_of(trace);
  CHECK(summary["errors"].empty());
  CHECK(summary["events"] == trace.events.size());
  const json& first = summary["first"];
  CHECK(first["lanes"] == trace.nodes.size());
  CHECK(first["arrows"] == expected.arrows);  // the whole run is in view: every arrow drawn
  CHECK(first["drops"] == expected.drops);
  CHECK(first["duplicates"] == expected.duplicates);
  CHECK(first["ops"] == expected.ops);
}

}  // namespace

TEST_CASE(
    "browser: a Raft run's page draws every lane, arrow and operation, and steps forward and "
    "back") {
  TempDir dir("viz-browser");
  const Trace trace = make_page(dir, "raft", "--protocol raft --seed 3 --faults all", 0);
  const int steps = 30;
  const Loaded loaded = load(dir, dir / "raft.html", "#selftest=" + std::to_string(steps));
  check_first_drawing(loaded.summary, trace);
  const Counts c = counts_of(trace);
  REQUIRE(c.drops > 0);  // a run with faults: the counts above say something
  REQUIRE(c.duplicates > 0);

  const json& test = loaded.summary["selftest"];
  REQUIRE(test["forward"].size() == steps);
  CHECK(test["start"]["cursor"] == -1);
  long previous = -1;
  std::set<std::string> states;
  for (const json& at : test["forward"]) {
    const long cursor = at["cursor"];
    REQUIRE(cursor > previous);
    // Each step lands on the next event the default filter shows, skipping disk and timers...
    for (long skipped = previous + 1; skipped < cursor; ++skipped) {
      CHECK_MESSAGE(hidden_by_default(trace.events[skipped]), "stepped over event " << skipped);
    }
    CHECK_FALSE(hidden_by_default(trace.events[cursor]));
    // ...and the panel shows that event, in the words the terminal view uses.
    CHECK(at["event"] == describe(trace, static_cast<std::size_t>(cursor)));
    states.insert(at["state"].get<std::string>());
    previous = cursor;
  }
  CHECK(states.size() > 5);  // the state table followed the annotations
  // Back retraces forward, panel for panel.
  for (int k = 0; k + 1 < steps; ++k) {
    const json& back = test["back"][k];
    const json& forward = test["forward"][steps - 2 - k];
    CHECK(back["cursor"] == forward["cursor"]);
    CHECK(back["state"] == forward["state"]);
  }
  CHECK(test["back"][steps - 1]["cursor"] == test["forward"][0]["cursor"]);  // no event before it
}

TEST_CASE(
    "browser: jump to the violation and why it broke dims exactly what is outside its causal "
    "past") {
  TempDir dir("viz-browser-bug");
  const Trace trace =
      make_page(dir, "bug", "--protocol raft --bug no-step-down --seed 1 --faults all", 1);
  const Loaded loaded = load(dir, dir / "bug.html", "#selftest=3");
  check_first_drawing(loaded.summary, trace);
  const json& test = loaded.summary["selftest"];
  const std::size_t violation = trace.findings.at(0).event;
  REQUIRE(trace.events[violation].type == EventType::violation);
  CHECK(test["violation_cursor"] == violation);

  const Diagram d = build_diagram(trace);
  const std::vector<bool> past = causal_past(trace, violation);
  std::size_t in_past = 0;
  for (const Arrow& a : d.arrows) in_past += a.end_event != kNone && past[a.end_event];
  CHECK(test["slice"]["arrows"] == d.arrows.size());
  CHECK(test["slice"]["dimmed"] == d.arrows.size() - in_past);
  CHECK(in_past > 10);
  CHECK(d.arrows.size() - in_past > 10);
}

TEST_CASE("browser: the screenshot shows lanes coloured by role, arrows and the history") {
  TempDir dir("viz-browser-shot");
  make_page(dir, "raft", "--protocol raft --seed 1 --faults all", 0);
  const fs::path shot = dir / "shot.png";
  REQUIRE(std::system(
              chromium_command(dir, "--screenshot='" + shot.string() + "'", dir / "raft.html", "")
                  .c_str()) == 0);
  Png png;
  const std::string problem = read_png(shot.string(), png);
  REQUIRE_MESSAGE(problem.empty(), problem);
  std::size_t not_white = 0, leader = 0, follower = 0, op_ok = 0;
  std::set<std::uint32_t> colours;
  for (std::uint32_t p : png.pixels) {
    not_white += p != 0xffffff;
    leader += p == 0x86cf98;    // the leader's lane colour
    follower += p == 0xcfe3f5;  // a follower's
    op_ok += p == 0xcfe0f7;     // an operation that succeeded
    if (colours.size() < 1000) colours.insert(p);
  }
  MESSAGE("screenshot " << png.width << "x" << png.height << ": " << not_white
                        << " pixels not white, " << leader << " leader, " << follower
                        << " follower, " << op_ok << " op ok");
  CHECK(not_white > png.pixels.size() / 8);
  CHECK(leader > 500);
  CHECK(follower > 500);
  CHECK(op_ok > 200);
  CHECK(colours.size() > 50);
}

TEST_CASE("browser: a 50,000-event trace loads and steps without freezing") {
  TempDir dir("viz-browser-big");
  const Trace trace = make_page(dir, "big", "--protocol raft --seed 1 --faults all --time 35s", 0);
  REQUIRE(trace.events.size() >= 50'000);
  const Loaded loaded = load(dir, dir / "big.html", "#selftest=50");
  check_first_drawing(loaded.summary, trace);
  const double load_ms = loaded.summary["load_ms"];
  const double step_ms = loaded.summary["selftest"]["step_ms"];
  MESSAGE(trace.events.size() << " events: page loaded and first drawn in " << load_ms
                              << " ms; a step (redraw and panels) takes " << step_ms
                              << " ms; Chromium ran " << loaded.wall_ms << " ms in all");
  // Generous bounds (CI machines are shared): what matters is seconds, not minutes.
  CHECK(load_ms < 10'000);
  CHECK(step_ms < 250);
}
