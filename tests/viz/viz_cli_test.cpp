// `faultline viz` and `faultline run`'s views end to end: traces made by the binary, as a
// user makes them; outputs written whole or not at all; bad input exits 2 with its place.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "viz/dot.hpp"
#include "viz_test_util.hpp"

using namespace faultline::viz::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json last_json_line(const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  const auto start = out.rfind('\n', end);
  return json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
}

// The data a page carries (the JSON in its script element).
json page_data_of(const std::string& page) {
  const std::string open = "id=\"faultline-data\">";
  const auto start = page.find(open);
  REQUIRE(start != std::string::npos);
  const auto end = page.find("</script>", start);
  return json::parse(page.substr(start + open.size(), end - start - open.size()));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("viz: a run's trace becomes a page and a diagram, the same bytes every time") {
  TempDir dir("viz-cli");
  const std::string trace = (dir / "t.json").string();
  REQUIRE(run_faultline("run --protocol raft --seed 3 --faults all --time 3s --trace " + trace)
              .status == 0);
  const Ran ran = run_faultline("viz " + trace + " --html " + (dir / "p.html").string() +
                                " --dot " + (dir / "d.dot").string() + " --json");
  REQUIRE_MESSAGE(ran.status == 0, ran.out);
  const json summary = last_json_line(ran.out);
  CHECK(summary["html"] == (dir / "p.html").string());
  CHECK(summary["dot"] == (dir / "d.dot").string());
  const json doc = json::parse(slurp(trace));
  CHECK(summary["events"] == doc["events"].size());

  const std::string page = slurp(dir / "p.html");
  const json data = page_data_of(page);
  CHECK(data["events"]["t"].size() == doc["events"].size());
  CHECK(data["nodes"].size() == doc["nodes"].size());
  CHECK(data["history"]["verdict"] == "linearizable");
  // Self-contained: no file or address outside the page.
  CHECK_FALSE(contains(page, "src=\""));
  CHECK_FALSE(contains(page, "<link"));
  CHECK_FALSE(contains(page, "http://"));
  CHECK_FALSE(contains(page, "https://"));

  REQUIRE(run_faultline("viz " + trace + " --html " + (dir / "p2.html").string()).status == 0);
  CHECK(slurp(dir / "p2.html") == page);
  CHECK_FALSE(fs::exists(dir / "p.html.partial"));

  if (!faultline::viz::find_graphviz()) {
    MESSAGE("Graphviz's dot is not installed: --svg and --png not tried (CI installs graphviz)");
    return;
  }
  const Ran drawn =
      run_faultline("viz " + trace + " --svg " + (dir / "d.svg").string() + " --png " +
                    (dir / "d.png").string() + " --from 0.5s --to 1s --only s0,s1,s2,s3,s4");
  REQUIRE_MESSAGE(drawn.status == 0, drawn.out);
  const std::string svg = slurp(dir / "d.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("class=\"edge message\"") != std::string::npos);
  CHECK(slurp(dir / "d.png").substr(1, 3) == "PNG");
}

TEST_CASE("a page checks the history from the state the run started from - 2PC's balances") {
  // The page re-checked a 2PC history without the accounts' starting balances and said
  // "NOT linearizable" under a green "Every check held", where the run said linearizable.
  TempDir dir("viz-init");
  const Ran ran = run_faultline("run --protocol twopc --faults swarm --seed 1 --json --html " +
                                (dir / "p.html").string());
  REQUIRE_MESSAGE(ran.status == 0, ran.out);
  const json data = page_data_of(slurp(dir / "p.html"));
  CHECK(data["history"]["model"] == "multi-register");
  CHECK(data["history"]["verdict"] == "linearizable");
}

TEST_CASE("a diagram's title names the planted bugs and the scenario") {
  // A diagram of figure8.json was titled "faultline: raft seed 1, faults none".
  TempDir dir("viz-title");
  const Ran ran = run_faultline("run " + std::string(FAULTLINE_SOURCE_DIR) +
                                "/scenarios/raft/figure8.json --dot " + (dir / "d.dot").string());
  REQUIRE_MESSAGE(ran.status == 0, ran.out);  // the violation the scenario expects
  CHECK(contains(slurp(dir / "d.dot"),
                 "label=\"faultline: raft seed 1, faults none, planted bugs: figure8 — raft: the "
                 "paper's Figure 8"));
}

TEST_CASE("run writes the views itself, the same diagram as viz draws from its trace") {
  TempDir dir("viz-run");
  const std::string common = "run --protocol raft --seed 5 --faults all --time 2s ";
  const Ran ran = run_faultline(common + "--trace " + (dir / "t.json").string() + " --html " +
                                (dir / "r.html").string() + " --dot " + (dir / "r.dot").string());
  REQUIRE_MESSAGE(ran.status == 0, ran.out);
  CHECK(contains(ran.out, "html: " + (dir / "r.html").string()));
  CHECK(contains(ran.out, "dot: " + (dir / "r.dot").string()));
  REQUIRE(run_faultline("viz " + (dir / "t.json").string() + " --dot " + (dir / "v.dot").string())
              .status == 0);
  CHECK(slurp(dir / "r.dot") == slurp(dir / "v.dot"));
  CHECK(page_data_of(slurp(dir / "r.html"))["arrows"]["body"][0].is_object());  // bodies kept
}

TEST_CASE(
    "run --print: disk and timer events hidden unless asked, filters by node, kind and time") {
  const std::string run = "run --protocol raft --seed 1 --faults all --time 2s --print ";
  const Ran quiet = run_faultline(run);
  REQUIRE(quiet.status == 0);
  const std::vector<std::string> lines = lines_of(quiet.out);
  // The first line of the log says what it hid (standard error, merged here, may come
  // first: the sanitizer build warns about fibers).
  const auto note = std::find_if(lines.begin(), lines.end(),
                                 [](const std::string& line) { return line.rfind("# ", 0) == 0; });
  REQUIRE(note != lines.end());
  CHECK(contains(*note, " disk, "));
  CHECK(contains(*note, " timer (--kinds all shows every kind"));
  CHECK_FALSE(contains(quiet.out, " disk write "));
  CHECK_FALSE(contains(quiet.out, " timer: "));
  CHECK(contains(quiet.out, "state role: follower -> candidate"));

  const Ran loud = run_faultline(run + "--kinds all");
  CHECK(contains(loud.out, " disk write "));
  CHECK(contains(loud.out, " timer: "));
  CHECK(lines_of(loud.out).size() > lines.size() + 1000);

  const Ran one = run_faultline(run + "--only s0 --kinds state,message --from 1s --to 1.5s");
  REQUIRE(one.status == 0);
  std::size_t events = 0;
  for (const std::string& line : lines_of(one.out)) {
    std::istringstream words(line);
    std::string time, node;
    words >> time >> node;
    if (time.empty() || time.back() != 's' || time[0] == '#' || line.rfind("  ", 0) != 0) continue;
    ++events;
    CHECK_MESSAGE(node == "s0", line);
    const double seconds = std::stod(time);
    CHECK_MESSAGE((seconds >= 1.0 && seconds <= 1.5), line);
  }
  CHECK(events > 20);
}

TEST_CASE("bad traces and bad usage exit 2, naming the file, the JSON path and what was expected") {
  TempDir dir("viz-bad");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string html = " --html " + (dir / "out.html").string();
  auto refused = [&](const std::string& args, const std::string& expected) {
    const Ran ran = run_faultline(args);
    CHECK_MESSAGE(ran.status == 2, args << "\n" << ran.out);
    CHECK_MESSAGE(contains(ran.out, expected), args << "\n" << ran.out);
    CHECK_FALSE(fs::exists(dir / "out.html"));
  };
  refused("viz " + (dir / "missing.json").string() + html, "missing.json: cannot read this file");
  const std::string broken =
      write("broken.json", "{\"format\": \"faultline-trace\",\n \"version\" 1}");
  refused("viz " + broken + html, "broken.json:2:12: not valid JSON: ");
  const std::string history = write("h.json", R"({"format":"faultline-history","version":1})");
  refused("viz " + history + html, "h.json: $.format: expected \"faultline-trace\"");
  // A repro or a scenario is not a trace; the message says which verb draws it.
  const std::string repro = write("r.json", R"({"format":"faultline-repro/1"})");
  refused("viz " + repro + html, "a repro file; draw it with 'faultline replay FILE --html");
  const std::string scenario = write("s.json", R"({"format":"faultline-scenario/1"})");
  refused("viz " + scenario + html, "a scenario file; draw it with 'faultline run FILE --html");
  const std::string newer = write("n.json", R"({"format":"faultline-trace","version":9})");
  refused("viz " + newer + html, "$.version: version 9 is newer than this faultline reads");
  json doc = hand_built();
  doc["events"][3]["t"] = "soon";
  const std::string bad_time = write("bt.json", doc.dump());
  refused("viz " + bad_time + html, "bt.json: $.events[3].t: expected a time in ns");

  json twins = hand_built();
  twins["nodes"][1]["name"] = twins["nodes"][0]["name"];
  refused("viz " + write("twins.json", twins.dump()) + html,
          "twins.json: $.nodes[1].name: '" + twins["nodes"][0]["name"].get<std::string>() +
              "' is the name of $.nodes[0] too");

  const std::string good = write("good.json", hand_built().dump());
  refused("viz " + good, "nothing to do");
  refused("viz " + good + " --print --only zz", "--only zz: no such node");
  refused("viz " + good + " --print --from soon", "--from soon: expected a time such as 1s");
  // Both were accepted, the page opening on an empty window past the end.
  refused("viz " + good + " --print --only a,,b", "--only a,,b: an empty node name between commas");
  refused("viz " + good + " --print --from 500s", "--from 500s: is after the trace's end");
  refused("viz " + good + html + " --dot " + (dir / "out.html").string(),
          "is also given to --html");
  refused("viz " + good + " --html " + (dir / "no/such/dir/p.html").string(), "cannot write here");
  // An endless input is refused at the cap: it was read whole (5 GB of /dev/zero and on).
  refused("viz /dev/zero --print --max-input-bytes 4096",
          "/dev/zero: larger than 4096 bytes, the cap on an input's size");
  refused("viz " + good + " --print --max-input-bytes 0",
          "--max-input-bytes: expected a whole number from 1");
  // A diagram of at least one event: -1 wrapped round to no limit, 0 drew one event anyway.
  refused("viz " + good + html + " --limit -1", "--limit: expected a whole number from 1");
  refused("viz " + good + html + " --limit 0", "--limit: expected a whole number from 1");
  refused("run --protocol echo --dot " + (dir / "out.html").string() + " --limit 0x10",
          "--limit: expected a whole number from 1");

  // The input is never overwritten, by any output flag.
  const std::string before = slurp(good);
  refused("viz " + good + " --html " + good, "is the input trace");
  refused("viz " + good + " --dot " + (dir / "." / "good.json").string(), "is the input trace");
  CHECK(slurp(good) == before);

  // No Graphviz: a clear message before any work, and no file.
  const Ran without =
      run_faultline("viz " + good + " --svg " + (dir / "d.svg").string(), "PATH=/nonexistent");
  CHECK(without.status == 2);
  CHECK(contains(without.out, "--svg: Graphviz's `dot` is not installed"));
  CHECK_FALSE(fs::exists(dir / "d.svg"));
  const Ran run_without =
      run_faultline("run --protocol raft --png " + (dir / "d.png").string(), "PATH=/nonexistent");
  CHECK(run_without.status == 2);
  CHECK(contains(run_without.out, "--png: Graphviz's `dot` is not installed"));
  CHECK_FALSE(contains(run_without.out, "raft seed"));  // refused before the run
  const Ran same = run_faultline("run --protocol raft --trace " + (dir / "t.json").string() +
                                 " --html " + (dir / "t.json").string());
  CHECK(same.status == 2);
  CHECK(contains(same.out, "names the same file as --trace"));
}

TEST_CASE(
    "a run that breaks: the page names the invariant and its causal past, the diagram ends there") {
  TempDir dir("viz-violation");
  const std::string trace = (dir / "v.json").string();
  REQUIRE(
      run_faultline("run --protocol raft --bug no-step-down --seed 1 --faults all --trace " + trace)
          .status == 1);
  const Ran ran = run_faultline("viz " + trace + " --html " + (dir / "v.html").string() +
                                " --dot " + (dir / "v.dot").string() + " --limit 200");
  REQUIRE_MESSAGE(ran.status == 0, ran.out);
  CHECK(contains(ran.out, "diagram: showing 200 of "));
  const std::string dot = slurp(dir / "v.dot");
  CHECK(contains(dot, "label=\"VIOLATION election safety\""));
  const json data = page_data_of(slurp(dir / "v.html"));
  REQUIRE(data["findings"].size() == 1);
  const json& finding = data["findings"][0];
  CHECK(finding["name"] == "election safety");
  CHECK(finding["event"] == data["events"]["t"].size() - 1);  // the run stopped at it
  CHECK(finding["slice_count"].get<std::size_t>() > 100);
  CHECK(finding["slice_count"].get<std::size_t>() < data["events"]["t"].size());
}

TEST_CASE(
    "a history that is not linearizable: the page outlines the operation that could not be "
    "placed") {
  TempDir dir("viz-lin");
  const std::string trace = (dir / "l.json").string();
  REQUIRE(
      run_faultline("run --protocol raft --bug no-dedup --seed 3 --faults swarm --trace " + trace)
          .status == 1);
  REQUIRE(run_faultline("viz " + trace + " --html " + (dir / "l.html").string()).status == 0);
  const json data = page_data_of(slurp(dir / "l.html"));
  CHECK(data["history"]["verdict"] == "not_linearizable");
  const int stuck = data["history"]["stuck_op"];
  REQUIRE(stuck >= 0);
  const json& op = data["history"]["ops"][stuck];
  REQUIRE(data["findings"].size() == 1);
  CHECK(data["findings"][0]["kind"] == "linearizability");
  // "Jump to it" goes to the failing operation's completion.
  CHECK(data["findings"][0]["event"] == op[5]);
}
