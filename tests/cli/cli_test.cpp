// The command as users run it: exit statuses, usage errors, and determinism across
// processes (a child process gives the same trace hash as a run in this one).
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline_command.hpp"
#include "protocols/registry.hpp"

namespace {

using faultline::testing::Ran;

// Runs the faultline binary with `args` (a shell fragment), capturing stdout and stderr.
Ran invoke_cli(const std::string& args) { return faultline::testing::run_faultline(args); }

nlohmann::json last_json_line(const std::string& out) {
  auto end = out.find_last_not_of('\n');
  auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
}

}  // namespace

TEST_CASE("a child process gives the same trace hash as this process, for 200 seeds") {
  using namespace faultline;
  const protocols::Protocol& echo = *protocols::find_protocol("echo");
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    protocols::RunSpec spec;
    spec.seed = seed;
    spec.time_limit_ns = 5 * sim::kSecond;
    spec.faults = protocols::fault_profile(echo, "all", spec.time_limit_ns);
    const auto here = protocols::run_protocol(echo, spec);
    const Ran child = invoke_cli("run --protocol echo --faults all --time 5s --json --seed " +
                                std::to_string(seed));
    REQUIRE(child.status == 0);
    const nlohmann::json summary = last_json_line(child.out);
    REQUIRE(summary["trace_hash"] == sim::format_hash(here.result.trace_hash));
    REQUIRE(summary["events"] == here.result.events);
  }
}

TEST_CASE("run --json ends with the summary DESIGN.md names") {
  const Ran ran = invoke_cli("run --protocol echo --seed 4 --json");
  CHECK(ran.status == 0);
  const nlohmann::json j = last_json_line(ran.out);
  for (const char* key : {"verdict", "violations", "linearizable", "events", "sim_time_ns", "trace_hash"}) {
    CHECK_MESSAGE(j.contains(key), key);
  }
  CHECK(j["verdict"] == "ok");
}

TEST_CASE("a planted bug found in a run exits 1 and names the invariant") {
  const Ran ran = invoke_cli("run --protocol echo --bug stale-reply");
  CHECK(ran.status == 1);
  CHECK(ran.out.find("invariant 'replies echo requests'") != std::string::npos);
}

TEST_CASE("fuzz --bug without --seeds hunts - it stops at the first failure - with --seeds it runs them all") {
  const Ran hunt = invoke_cli("fuzz --protocol twopc --bug commit-without-all-votes --no-shrink --json");
  CHECK(hunt.status == 1);
  CHECK(hunt.out.find("hunting commit-without-all-votes") != std::string::npos);
  const nlohmann::json j = last_json_line(hunt.out);
  CHECK(j["failures"] == 1);
  const std::uint64_t found_at = j["seeds_run"];
  CHECK(found_at >= 1);
  CHECK(found_at < 20000);
  // With a count, every seed of it runs, the first failure included.
  const Ran all = invoke_cli("fuzz --protocol twopc --bug commit-without-all-votes --no-shrink --json --seeds " +
                             std::to_string(found_at + 5));
  CHECK(all.status == 1);
  CHECK(all.out.find("hunting") == std::string::npos);
  CHECK(last_json_line(all.out)["seeds_run"] == found_at + 5);
}

TEST_CASE("fuzz with a bug says whether a failure is the bug's - the same seed without its code") {
  // The bug's failure: a property it declares, gone without its code.
  const Ran found = invoke_cli("fuzz --protocol twopc --bug commit-without-all-votes --seeds 1 --no-shrink --json");
  CHECK(found.status == 1);
  const nlohmann::json mine = last_json_line(found.out)["campaigns"][0]["distinct_failures"][0];
  CHECK(mine["bug_declares"] == true);
  CHECK(mine["without_bugs"]["verdict"] == "ok");
  // A failure that is not the bug's: a majority of Raft's servers crashes for good, which
  // no Raft survives; figure8's code never gets to act.
  namespace fs = std::filesystem;
  const fs::path t = fs::temp_directory_path() / ("faultline-majority-" + std::to_string(::getpid()) + ".json");
  std::ofstream(t) << R"({"name": "majority down", "format": "faultline-scenario/1", "protocol": "raft",
    "run_ms": 4000, "faults": [{"at_ms": 1000, "kind": "crash", "node": "majority"}]})";
  const Ran other = invoke_cli("fuzz --scenario " + t.string() + " --bug figure8 --seeds 1 --no-shrink");
  CHECK(other.status == 1);
  CHECK(other.out.find("not a property the bug declares; the same seed without the bug's code fails too "
                       "(liveness): not the bug's doing") != std::string::npos);
  const Ran json = invoke_cli("fuzz --scenario " + t.string() + " --bug figure8 --seeds 1 --no-shrink --json");
  const nlohmann::json theirs = last_json_line(json.out)["campaigns"][0]["distinct_failures"][0];
  CHECK(theirs["bug_declares"] == false);
  CHECK(theirs["without_bugs"]["verdict"] == "violation");
  CHECK(theirs["without_bugs"]["violation"] == "liveness");
  // Without a bug there is nothing to attribute.
  const Ran plain = invoke_cli("fuzz --scenario " + t.string() + " --seeds 1 --no-shrink --json");
  CHECK_FALSE(last_json_line(plain.out)["campaigns"][0]["distinct_failures"][0].contains("without_bugs"));
  fs::remove(t);
}

TEST_CASE("a shrink that stops at its budget says so and how to go further") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline-cut-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const Ran fuzzed = invoke_cli("fuzz --protocol twopc --bug commit-without-all-votes --seeds 1 --shrink-runs 3 --out " +
                                dir.string());
  CHECK(fuzzed.status == 1);
  CHECK(fuzzed.out.find("the shrink stopped at its budget of 3 runs") != std::string::npos);
  CHECK(fuzzed.out.find("--max-runs 30") != std::string::npos);
  const Ran shrunk = invoke_cli("shrink " + (dir / "twopc-validity-seed1.json").string() + " -o " +
                                (dir / "s.json").string() + " --max-runs 3 --json");
  CHECK(shrunk.status == 0);
  CHECK(last_json_line(shrunk.out)["cut"] == true);
  fs::remove_all(dir);
}

TEST_CASE("an unbounded campaign ends at the largest seed instead of wrapping round to 0") {
  // The budget only stops a campaign that wraps round (it would run on past seed 0); the
  // campaign under test ends after its 3 seeds, on any machine, long before it.
  const Ran ran = invoke_cli("fuzz --protocol echo --seed-start 18446744073709551613 --seeds 0 "
                             "--time-budget 300 --json");
  REQUIRE(ran.status == 0);
  const nlohmann::json summary = last_json_line(ran.out);
  CHECK(summary["seeds_run"] == 3);
  const Ran sharded = invoke_cli("fuzz --protocol echo --seed-start 18446744073709551615 --seeds 1 "
                                 "--shard 1/2 --json");
  REQUIRE(sharded.status == 0);
  CHECK(last_json_line(sharded.out)["seeds_run"] == 0);
}

TEST_CASE("usage errors name the flag and exit 2") {
  faultline::testing::check_refusals(
      "",
      {
          {"frobnicate", "unknown verb 'frobnicate'"},
          {"run --protocol echo --frob", "--frob"},
          {"run --protocol nope", "unknown protocol 'nope'"},
          {"run --protocol echo --seed banana", "--seed"},
          {"run --protocol echo --set servers=many", "--set servers: expected int in [1, 1000]"},
          {"run --protocol echo --set nosuch=1", "--set nosuch: unknown option"},
          {"run --protocol echo --set novalue", "expected NAME=VALUE"},
          {"run --protocol echo --bug nope", "--bug nope: unknown bug"},
          {"run --protocol echo --faults some",
           "--faults: expected none, all, swarm or a comma-separated list of fault kinds"},
          // It ran with the kind once, as if the list had said so.
          {"run --protocol echo --faults crash,partition,crash",
           "--faults: 'crash' is listed twice"},
          {"run --protocol echo --time soon", "--time: expected a duration"},
          {"run --protocol echo --trace /nonexistent/dir/t.json",
           "--trace /nonexistent/dir/t.json"},
          {"run", "give a scenario file or --protocol"},
          {"fuzz --protocol echo --seeds 0", "an unbounded campaign needs --time-budget"},
          // A budget of 0 is no limit (as check's --timeout 0): it does not bound this campaign.
          {"fuzz --protocol echo --seeds 0 --time-budget 0", "needs --time-budget SEC, above 0"},
          {"fuzz --protocol echo --shard 3/2", "--shard 3/2: expected I/N"},
          {"fuzz --merge a.jsonl --out d",
           "--out: --merge combines results files and runs no seed"},
          {"fuzz -p echo --scenario x.json", "or --scenario TEMPLATE.json, not both"},
          {"shrink x.json -o /tmp --force", "-o /tmp: is a directory"},
          {"run -p raft --set mix=get:1000000",
           "must be a whole number from 0 to 999999, got '1000000'"},
          {"run -p raft --set mix=get:50,get:50",
           "the weight of get is given twice in 'get:50,get:50'"},
          // Read as 0/2 before, the rest ignored.
          {"fuzz --protocol echo --shard 0/2/3",
           "--shard 0/2/3: expected I/N with 0 <= I < N <= 1000000"},
          // from_chars reads "nan": a campaign with a NaN budget never stopped.
          {"fuzz --protocol echo --seeds 0 --time-budget nan",
           "--time-budget: expected a number of seconds"},
          {"explore --protocol paxos --time-budget inf",
           "--time-budget: expected a number of seconds"},
          {"fuzz --protocol echo --seed-start 18446744073709551615 --seeds 3",
           "3 seeds from here pass the largest seed"},
          {"shrink nosuch.json -o x.json", "nosuch.json: cannot open it"},
          {"replay nosuch.json", "nosuch.json: cannot open it"},
          {"explore --protocol paxos --max-depth 0", "--max-depth 0"},
          {"viz t.json", "faultline viz: nothing to do: give --html"},
          // Deduplicated silently before, where --set twice and a scenario's bugs refuse it.
          {"run -p raft --bug figure8 --bug no-step-down --bug figure8",
           "faultline run: --bug figure8: given twice"},
          {"fuzz -p raft --bug figure8 --bug figure8",
           "faultline fuzz: --bug figure8: given twice"},
          {"explore -p paxos --bug forget-promise --bug forget-promise",
           "faultline explore: --bug forget-promise: given twice"},
      });
}

TEST_CASE("--help and --version work for the command and every verb") {
  CHECK(invoke_cli("--version").out.find("faultline ") == 0);
  for (const char* verb : {"run", "replay", "fuzz", "shrink", "explore", "check", "viz", "list"}) {
    const Ran ran = invoke_cli(std::string(verb) + " --help");
    CHECK_MESSAGE(ran.status == 0, verb);
    CHECK_MESSAGE(ran.out.find("--json") != std::string::npos, verb);
  }
}

TEST_CASE("list shows each option's swarm values and each bug's properties, as --json does") {
  // docs/fuzzing.md sends a user to `faultline list` for both; only --json had them.
  const Ran text = invoke_cli("list");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("heartbeat (duration in [1ms, 1s], default 50ms; swarm 50ms|15ms|10ms)") !=
        std::string::npos);
  CHECK(text.out.find("(implies leader_noop=false) [breaks: leader completeness, state machine "
                      "safety, durability]") != std::string::npos);
  const Ran json = invoke_cli("list --json");
  REQUIRE(json.status == 0);
  const nlohmann::json j = nlohmann::json::parse(json.out);
  for (const auto& p : j["protocols"]) {
    for (const auto& b : p["bugs"]) {
      CAPTURE(b["name"].get<std::string>());
      CHECK(text.out.find("[breaks: " + b["finds"][0].get<std::string>()) != std::string::npos);
    }
  }
}

TEST_CASE("--trace writes a JSON trace, a failed run leaves no partial file") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline_cli_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path trace = dir / "trace.json";
  fs::remove(trace);
  const Ran ran = invoke_cli("run --protocol echo --seed 2 --faults all --trace " + trace.string() +
                            " --history " + (dir / "h.jsonl").string());
  REQUIRE(ran.status == 0);
  std::ifstream in(trace);
  const nlohmann::json j = nlohmann::json::parse(in);
  CHECK(j["format"] == "faultline-trace");
  CHECK(j["version"] == 1);
  CHECK(j["events"].size() > 100);
  CHECK(j["events"][0].contains("type"));
  CHECK_FALSE(fs::exists(dir / "trace.json.partial"));
  std::ifstream history(dir / "h.jsonl");
  std::string header;
  std::getline(history, header);
  CHECK(header == R"({"format":"faultline-history","version":1})");
  fs::remove_all(dir);
}

TEST_CASE("seeds and counts are decimal integers in range, anything else names the flag") {
  struct Case {
    const char* args;
    int status;
    const char* says;
  };
  const Case cases[] = {
      {"--seed -1", 2, "--seed: expected a seed, a decimal integer from 0 to 18446744073709551615, got '-1'"},
      {"--seed 18446744073709551616", 2, "got '18446744073709551616'"},
      {"--seed ''", 2, "--seed: expected a seed"},
      {"--seed +5", 2, "--seed: expected a seed"},
      {"--seed 0x10", 2, "--seed: expected a seed"},
      {"--seed ' 7'", 2, "--seed: expected a seed"},
      {"--max-events -1", 2, "--max-events: expected a whole number from 1 to"},
      {"--max-events 0", 2, "--max-events: expected a whole number from 1 to"},
      {"--max-events 1e6", 2, "--max-events: expected a whole number"},
      {"--time 10", 2, "--time: '10' has no unit: did you mean 10s or 10ms?"},
      {"--time -1s", 2, "--time: expected a duration"},
      // It was refused as "the command line: $.run_ms: expected a number of milliseconds >= 0".
      {"--time 1000000000s", 2, "--time 1000000000s: at most 10000000s"},
      {"--set think=5", 2, "--set think: '5' has no unit: did you mean 5s or 5ms?"},
      {"--seed 18446744073709551615 --time 1s", 0, "seed 18446744073709551615"},
      {"--seed 0 --time 1s", 0, "seed 0:"},
  };
  for (const Case& c : cases) {
    const Ran ran = invoke_cli(std::string("run --protocol echo ") + c.args);
    CHECK_MESSAGE(ran.status == c.status, c.args, " said: ", ran.out);
    CHECK_MESSAGE(ran.out.find(c.says) != std::string::npos, c.args, " said: ", ran.out);
  }
  // The same seed twice is the same run: the parser gives the number itself.
  CHECK(last_json_line(invoke_cli("run --protocol echo --json --seed 007").out)["trace_hash"] ==
        last_json_line(invoke_cli("run --protocol echo --json --seed 7").out)["trace_hash"]);
}

TEST_CASE("fuzz and shrink take seeds and counts as run does - a minus sign or hex is refused") {
  // CLI11 alone read `--seeds -1` as 2^64-1 seeds and `--seed-start 0x10` as 16.
  faultline::testing::check_refusals("", {
      {"fuzz --protocol echo --seeds -1 --seed-start 2", "--seeds: expected a whole number from 0 to"},
      {"fuzz --protocol echo --seeds 0x2", "--seeds: expected a whole number"},
      {"fuzz --protocol echo --seeds 1 --seed-start -1", "--seed-start: expected a seed"},
      {"fuzz --protocol echo --seeds 1 --seed-start 0x10", "--seed-start: expected a seed"},
      {"fuzz --protocol echo --seeds 1 --jobs -1", "--jobs: expected a whole number from 1 to 1024"},
      {"fuzz --protocol echo --seeds 1 --jobs 99999999999", "--jobs: expected a whole number from 1 to 1024"},
      {"fuzz --protocol echo --seeds 1 --shrink-runs -5", "--shrink-runs: expected a whole number"},
      {"shrink nosuch.json -o x.json --max-runs -1", "--max-runs: expected a whole number"},
      // No candidate run is no shrink: it reported "shrunk in 2 runs", a repro larger than
      // the failure found, and suggested --max-runs 0 (ten times the budget) to go further.
      {"fuzz --protocol echo --seeds 1 --shrink-runs 0", "--shrink-runs: expected a whole number from 1"},
      {"shrink nosuch.json -o x.json --max-runs 0", "--max-runs: expected a whole number from 1"},
  });
}

TEST_CASE("durations need a unit, except 0") {
  using faultline::protocols::parse_duration;
  CHECK(parse_duration("0", "--time") == 0);
  CHECK(parse_duration("1.5s", "--time") == 1'500'000'000);
  CHECK(parse_duration("10ns", "--time") == 10);
  CHECK(parse_duration("3m", "--time") == 180'000'000'000);
  CHECK(parse_duration("1.5000000000s", "--time") == 1'500'000'000);  // trailing zeros
  // Finer than 1 ns, not "too long" as it said.
  CHECK_THROWS_WITH(parse_duration("0.1234567891s", "--time"),
                    doctest::Contains("got '0.1234567891s' (finer than 1ns)"));
  CHECK_THROWS_WITH(parse_duration("1234567890123s", "--time"), doctest::Contains("(too long)"));
  for (const char* bad : {"10", "1.5", "", "s", "-1s", "10 s", "1e3s", "10sec", "0.0000000001s"}) {
    CHECK_THROWS_AS_MESSAGE(parse_duration(bad, "--time"), faultline::protocols::BadInput, bad);
  }
  try {
    parse_duration("10", "--set think");
  } catch (const faultline::protocols::BadInput& e) {
    CHECK(std::string(e.what()) ==
          "--set think: '10' has no unit: did you mean 10s or 10ms? (a duration is a number and one of "
          "ns, us, ms, s, m)");
  }
}

TEST_CASE("two outputs on one path are a usage error before the run, and nothing is written") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline_cli_paths_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string same = (dir / "x.json").string();
  const Ran ran = invoke_cli("run --protocol echo --trace " + same + " --history " + dir.string() +
                             "/./x.json");
  CHECK(ran.status == 2);
  CHECK_MESSAGE(ran.out.find("names the same file as --trace") != std::string::npos, ran.out);
  CHECK(fs::is_empty(dir));
  const Ran partial = invoke_cli("run --protocol echo --trace " + same + " --history " + same + ".partial");
  CHECK(partial.status == 2);
  CHECK(partial.out.find("is where --trace writes before it is complete") != std::string::npos);
  std::ofstream(same) << "{}";  // an existing file and a link to it are one file
  fs::create_symlink(same, dir / "link.json");
  const Ran linked = invoke_cli("run --protocol echo --trace " + same + " --history " +
                                (dir / "link.json").string());
  CHECK(linked.status == 2);
  fs::remove_all(dir);
}

TEST_CASE("no output of run or replay may be the file it reads - or another output") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline_cli_input_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string scenario = (dir / "s.json").string();
  const std::string text =
      R"({"format": "faultline-scenario/1", "name": "echo", "protocol": "echo", "run_ms": 100})";
  std::ofstream(scenario) << text;
  const std::string repro = (dir / "r.json").string();
  REQUIRE(invoke_cli("run " + scenario + " --save-repro " + repro).status == 0);
  std::ifstream in(repro);
  const std::string recorded((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto contents = [](const std::string& path) {
    std::ifstream file(path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  };
  for (const char* flag : {"--trace", "--history", "--save-repro", "--html", "--dot"}) {
    const Ran ran = invoke_cli("run " + scenario + " " + flag + " " + scenario);
    CHECK_MESSAGE(ran.status == 2, flag);
    CHECK_MESSAGE(ran.out.find("is the scenario file this command reads") != std::string::npos, flag,
                  " said: ", ran.out);
    CHECK_MESSAGE(contents(scenario) == text, flag);
  }
  for (const char* flag : {"--trace", "--history", "--html", "--dot"}) {
    const Ran ran = invoke_cli("replay " + repro + " " + flag + " " + repro);
    CHECK_MESSAGE(ran.status == 2, flag);
    CHECK_MESSAGE(ran.out.find("is the repro file this command reads") != std::string::npos, flag,
                  " said: ", ran.out);
    CHECK_MESSAGE(contents(repro) == recorded, flag);
  }
  // A page and the history (or the repro) on one path: refused before the run, not found
  // out after it when one output's temporary file was taken by the other.
  const std::string shared = (dir / "out.txt").string();
  const Ran two = invoke_cli("run " + scenario + " --history " + shared + " --html " + shared);
  CHECK(two.status == 2);
  CHECK_MESSAGE(two.out.find("--html " + shared + ": names the same file as --history") != std::string::npos,
                two.out);
  const Ran three = invoke_cli("replay " + repro + " --history " + shared + " --dot " + shared);
  CHECK(three.status == 2);
  CHECK_MESSAGE(three.out.find("names the same file as --history") != std::string::npos, three.out);
  CHECK_FALSE(fs::exists(shared));
  fs::remove_all(dir);
}

TEST_CASE("explore checks --out before it explores - not only when it has a counterexample to save") {
  namespace fs = std::filesystem;
  const fs::path file = fs::temp_directory_path() / ("faultline-out-file-" + std::to_string(getpid()));
  std::ofstream(file) << "mine";
  // Without a counterexample --out was never looked at: exit 3 (cut short), no complaint.
  const Ran ran = invoke_cli("explore --protocol paxos --max-states 10 --out " + file.string());
  CHECK(ran.status == 2);
  CHECK_MESSAGE(ran.out.find("--out " + file.string() + ": cannot create or write this directory") !=
                    std::string::npos,
                ran.out);
  CHECK(ran.out.find("states") == std::string::npos);  // refused before exploring
  std::ifstream in(file);
  std::string kept;
  in >> kept;
  CHECK(kept == "mine");
  fs::remove(file);
}

TEST_CASE("fuzz refuses --results that names its --scenario template") {
  namespace fs = std::filesystem;
  const fs::path t = fs::temp_directory_path() / ("faultline-results-template-" + std::to_string(getpid()) + ".json");
  fs::copy_file(std::string(FAULTLINE_SOURCE_DIR) + "/scenarios/raft/leader-isolated.json", t,
                fs::copy_options::overwrite_existing);
  const std::string before = [&] { std::ifstream in(t); return std::string(std::istreambuf_iterator<char>(in), {}); }();
  // It said "t.json:1:1:2: not valid JSON" (the template read as a results file).
  const Ran ran = invoke_cli("fuzz --scenario " + t.string() + " --seeds 1 --results " + t.string());
  CHECK(ran.status == 2);
  CHECK_MESSAGE(ran.out.find("--results " + t.string() + ": is the --scenario file this command reads") !=
                    std::string::npos,
                ran.out);
  const std::string after = [&] { std::ifstream in(t); return std::string(std::istreambuf_iterator<char>(in), {}); }();
  CHECK(after == before);
  fs::remove(t);
}

TEST_CASE("fuzz --merge does not write its result over one of the shards it merges") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline-merge-self-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string a = (dir / "a.jsonl").string();
  const std::string b = (dir / "b.jsonl").string();
  REQUIRE(invoke_cli("fuzz --protocol echo --seeds 2 --shard 0/2 --results " + a).status == 0);
  REQUIRE(invoke_cli("fuzz --protocol echo --seeds 2 --shard 1/2 --results " + b).status == 0);
  const auto text = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = text(a);
  // It replaced a.jsonl with the merged file.
  const Ran ran = invoke_cli("fuzz --merge " + a + " " + b + " --results " + a);
  CHECK(ran.status == 2);
  CHECK_MESSAGE(ran.out.find("--results " + a + ": is the --merge file this command reads") !=
                    std::string::npos,
                ran.out);
  CHECK(text(a) == before);
  CHECK(invoke_cli("fuzz --merge " + a + " " + b + " --results " + (dir / "all.jsonl").string()).status == 0);
  fs::remove_all(dir);
}

TEST_CASE("fuzz --out and explore --out never write over a file already there - a rerun finds its own") {
  namespace fs = std::filesystem;
  // Both wrote their generated names over whatever held them: a second campaign replaced
  // the first one's repro of the same seed, and a file of the user's by that name was lost.
  const fs::path dir = fs::temp_directory_path() / ("faultline-out-keep-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string fuzz = "fuzz --protocol twopc --bug commit-without-all-votes --seeds 1 --shrink-runs 20 --json --out " + dir.string();
  const fs::path first = dir / "twopc-validity-seed1.json";
  const Ran once = invoke_cli(fuzz);
  REQUIRE(once.status == 1);
  CHECK(last_json_line(once.out)["repros"] ==
        nlohmann::json::array({first.string(), (dir / "twopc-validity-seed1-shrunk.json").string()}));
  // The same campaign again: the same files, found as they are; no copies.
  const Ran again = invoke_cli(fuzz);
  CHECK(last_json_line(again.out)["repros"] == last_json_line(once.out)["repros"]);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);
  // A different file under the name, and a dangling link under the next: both stay.
  std::ofstream(first) << "mine";
  fs::create_symlink(dir / "nowhere", dir / "twopc-validity-seed1-2.json");
  const Ran third = invoke_cli(fuzz);
  CHECK(last_json_line(third.out)["repros"] ==
        nlohmann::json::array({(dir / "twopc-validity-seed1-3.json").string(),
                               (dir / "twopc-validity-seed1-3-shrunk.json").string()}));
  std::string kept;
  std::ifstream(first) >> kept;
  CHECK(kept == "mine");
  CHECK(fs::is_symlink(dir / "twopc-validity-seed1-2.json"));
  CHECK(invoke_cli("replay " + (dir / "twopc-validity-seed1-3-shrunk.json").string()).status == 1);
  // explore: the same rule for its counterexample.
  const fs::path cx = dir / "paxos-ignore-accepted-value-counterexample.json";
  std::ofstream(cx) << "mine";
  const Ran explored = invoke_cli("explore --protocol paxos --bug ignore-accepted-value --json --out " + dir.string());
  CHECK(explored.status == 1);
  CHECK(last_json_line(explored.out)["counterexample"]["replay"]["repro"] ==
        (dir / "paxos-ignore-accepted-value-counterexample-2.json").string());
  std::ifstream(cx) >> kept;
  CHECK(kept == "mine");
  fs::remove_all(dir);
}

TEST_CASE("fuzz with an unknown bug says only that - no hunt announced and no results file created") {
  namespace fs = std::filesystem;
  const fs::path results = fs::temp_directory_path() / ("faultline-badbug-" + std::to_string(getpid()) + ".jsonl");
  fs::remove(results);
  const Ran ran = invoke_cli("fuzz --protocol raft --bug nope --results " + results.string());
  CHECK(ran.status == 2);
  CHECK(ran.out.find("--bug nope: unknown bug for raft") != std::string::npos);
  CHECK(ran.out.find("hunting") == std::string::npos);
  CHECK_FALSE(fs::exists(results));
}

TEST_CASE("fuzz --protocol all with a bug says whose bug it is - not that echo lacks it") {
  // It said "--bug figure8: unknown bug for echo; known: stale-reply".
  const Ran raft = invoke_cli("fuzz --protocol all --bug figure8");
  CHECK(raft.status == 2);
  CHECK(raft.out.find("--bug figure8: --protocol all runs every protocol with it, and only raft "
                      "has it: use --protocol raft") != std::string::npos);
  const Ran both = invoke_cli("fuzz --protocol all --bug ballot-reuse");
  CHECK(both.out.find("only paxos and multipaxos have it: use --protocol paxos or --protocol "
                      "multipaxos") != std::string::npos);
  const Ran none = invoke_cli("fuzz --protocol all --bug nope");
  CHECK(none.status == 2);
  CHECK(none.out.find("no protocol has it") != std::string::npos);
  CHECK(none.out.find("hunting") == std::string::npos);
}

TEST_CASE("run with a fault kind the protocol does not claim to tolerate says so - the kinds it does say nothing") {
  // It ran them and said nothing: a violation then read as the protocol's bug.
  const Ran untolerated = invoke_cli("run --protocol raft --time 1s --faults read_corruption,crash");
  CHECK(untolerated.out.find("note: raft does not claim to tolerate read_corruption ('faultline "
                             "list' shows the kinds it does)") != std::string::npos);
  const Ran json = invoke_cli("run --protocol raft --time 1s --faults read_corruption --json");
  CHECK(last_json_line(json.out)["untolerated_faults"] == nlohmann::json::array({"read_corruption"}));
  const Ran tolerated = invoke_cli("run --protocol raft --time 1s --faults all --json");
  CHECK_FALSE(last_json_line(tolerated.out).contains("untolerated_faults"));
  CHECK(invoke_cli("run --protocol raft --time 1s --faults crash").out.find("note:") == std::string::npos);
  // So does a replay of such a run.
  namespace fs = std::filesystem;
  const fs::path repro = fs::temp_directory_path() / ("faultline-untolerated-" + std::to_string(getpid()) + "-repro.json");
  fs::remove(repro);
  REQUIRE(invoke_cli("run --protocol raft --time 1s --faults read_corruption --save-repro " + repro.string()).status == 0);
  const Ran replayed = invoke_cli("replay " + repro.string());
  CHECK(replayed.out.find("note: raft does not claim to tolerate read_corruption") != std::string::npos);
  CHECK(last_json_line(invoke_cli("replay " + repro.string() + " --json").out)["untolerated_faults"] ==
        nlohmann::json::array({"read_corruption"}));
  fs::remove(repro);
  // A fuzz template says so once, before its campaign.
  const fs::path file = fs::temp_directory_path() / ("faultline-untolerated-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(file);
    out << R"({"format":"faultline-scenario/1","name":"u","protocol":"raft","run_ms":500,
               "random_faults":"crash,read_corruption"})";
  }
  const Ran fuzzed = invoke_cli("fuzz --scenario " + file.string() + " --seeds 2");
  CHECK(fuzzed.status == 0);
  CHECK(fuzzed.out.find("fuzz: note: raft does not claim to tolerate read_corruption") != std::string::npos);
  fs::remove(file);
}

TEST_CASE("run --max-events 0 is refused - it ran the default bound of 20,000,000 silently") {
  const Ran zero = invoke_cli("run --protocol echo --max-events 0");
  CHECK(zero.status == 2);
  CHECK(zero.out.find("--max-events: expected a whole number from 1") != std::string::npos);
  // The bound is looked at after each step, which may record a few events.
  const Ran one = invoke_cli("run --protocol echo --max-events 1 --json");
  CHECK(last_json_line(one.out)["events"] < 10);
  CHECK(last_json_line(one.out)["verdict"] == "unknown");
}

TEST_CASE("an output sent to standard output gets it alone - the summary goes to standard error") {
  namespace fs = std::filesystem;
  // 'run --trace /dev/stdout | jq' read the trace followed by the run's summary: not JSON.
  const std::string bin = "'" + std::string(FAULTLINE_BINARY_DIR) + "/faultline' ";
  // Through a pipe.
  const Ran piped = faultline::testing::run_shell(bin + "run --protocol echo --trace /dev/stdout 2>/dev/null | cat");
  REQUIRE(piped.status == 0);
  CHECK(nlohmann::json::parse(piped.out)["format"] == "faultline-trace");
  // Into the file standard output is redirected to, for run and replay.
  const fs::path dir = fs::temp_directory_path() / ("faultline-stdout-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string repro = (dir / "r.json").string();
  const Ran saved = invoke_cli("run --protocol echo --faults all --save-repro " + repro);
  REQUIRE(saved.status == 0);
  const std::pair<std::string, std::string> verbs[] = {{"run --protocol echo", "trace: /dev/stdout"},
                                                       {"replay " + repro, "replay: reproduced exactly"}};
  for (const auto& [verb, says] : verbs) {
    const fs::path file = dir / "out.json";
    const Ran ran = faultline::testing::run_shell("(" + bin + verb + " --trace /dev/stdout > " + file.string() + ")");
    CHECK_MESSAGE(ran.status == 0, verb);
    std::ifstream in(file);
    const nlohmann::json trace = nlohmann::json::parse(in, nullptr, false);
    CHECK_MESSAGE(!trace.is_discarded(), verb);
    // The summary is still said, on standard error.
    CHECK_MESSAGE(ran.out.find(says) != std::string::npos, verb);
  }
  // Otherwise the summary stays on standard output.
  const Ran plain = faultline::testing::run_shell(bin + "run --protocol echo 2>/dev/null | cat");
  CHECK(plain.out.find("echo seed 1: ok") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("checking that --out is writable leaves the files already there alone") {
  namespace fs = std::filesystem;
  // The probe was a fixed name, .faultline-write-test: a file of the user's by that name
  // was emptied and removed by every fuzz --out and explore --out.
  const fs::path dir = fs::temp_directory_path() / ("faultline-out-probe-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path mine = dir / ".faultline-write-test";
  std::ofstream(mine) << "mine";
  const Ran fuzzed = invoke_cli("fuzz --protocol echo --seeds 1 --out " + dir.string());
  CHECK(fuzzed.status == 0);
  const Ran explored = invoke_cli("explore --protocol paxos --max-states 10 --out " + dir.string());
  CHECK(explored.status == 3);
  std::ifstream in(mine);
  std::string kept;
  in >> kept;
  CHECK(kept == "mine");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // and no probe is left behind
  fs::remove_all(dir);
}

TEST_CASE("a directory given as an input file is named as a directory") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline-dir-input-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string d = dir.string();
  // It opened as a file that reads nothing: "not valid JSON: unexpected end of input", or
  // for --merge an empty shard (exit 0), or a filesystem exception's text.
  faultline::testing::check_refusals("", {
      {"run " + d, d + ": is a directory, not a file"},
      {"replay " + d, d + ": is a directory, not a file"},
      {"shrink " + d + " -o " + d + "-out.json", d + ": is a directory, not a file"},
      {"fuzz --scenario " + d + " --seeds 1", d + ": is a directory, not a file"},
      {"explore --scenario " + d, d + ": is a directory, not a file"},
      {"viz " + d + " --print", d + ": is a directory, not a trace file"},
      {"fuzz --protocol echo --seeds 1 --results " + d, "--results " + d + ": is a directory, not a file"},
      {"fuzz --merge " + d, "--merge " + d + ": is a directory, not a results file"},
  });
  fs::remove_all(dir);
}

TEST_CASE("an output path that is a link (or a device or a pipe) is written through - not replaced") {
  // Renaming the finished file over the path replaced the link itself, and as root
  // `--trace /dev/null` replaced the device with a regular file.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline_cli_link_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "target.jsonl") << "old\n";
  fs::create_symlink("target.jsonl", dir / "link.jsonl");
  const Ran ran = invoke_cli("run --protocol echo --time 100ms --history " + (dir / "link.jsonl").string());
  CHECK_MESSAGE(ran.status == 0, ran.out);
  CHECK(fs::is_symlink(dir / "link.jsonl"));
  std::ifstream in(dir / "target.jsonl");
  std::string header;
  std::getline(in, header);
  CHECK(header == R"({"format":"faultline-history","version":1})");
  CHECK_FALSE(fs::exists(dir / "link.jsonl.partial"));
  CHECK_FALSE(fs::exists(dir / "target.jsonl.partial"));
  fs::remove_all(dir);
}

TEST_CASE(
    "an output through a dangling link creates the file it names - a link nowhere is refused") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline_cli_dangling_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  const std::string header = R"({"format":"faultline-history","version":1})";
  const auto first_line = [](const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
  };
  // A chain of two links, the second relative to its own folder, ending at no file yet:
  // the run creates it, as a shell's `>` would, and both links stay.
  fs::create_symlink("sub/hop.jsonl", dir / "link.jsonl");
  fs::create_symlink("made.jsonl", dir / "sub" / "hop.jsonl");
  const Ran made =
      invoke_cli("run --protocol echo --time 100ms --history " + (dir / "link.jsonl").string());
  CHECK_MESSAGE(made.status == 0, made.out);
  CHECK(fs::is_symlink(dir / "link.jsonl"));
  CHECK(fs::is_symlink(dir / "sub" / "hop.jsonl"));
  CHECK(first_line(dir / "sub" / "made.jsonl") == header);
  CHECK_FALSE(fs::exists(dir / "sub" / "made.jsonl.partial"));

  // The file a dangling link names is the same file as that name given directly.
  fs::create_symlink("twin.json", dir / "twin-link.json");
  const Ran twin = invoke_cli("run --protocol echo --trace " + (dir / "twin-link.json").string() +
                              " --history " + (dir / "twin.json").string());
  CHECK(twin.status == 2);
  CHECK_MESSAGE(twin.out.find("names the same file as --trace") != std::string::npos, twin.out);
  CHECK_FALSE(fs::exists(dir / "twin.json"));

  // A link into a folder that does not exist, and a loop of links: exit 2, nothing written.
  fs::create_symlink("no/such/folder/x.json", dir / "nowhere.json");
  const Ran nowhere = invoke_cli("run --protocol echo --trace " + (dir / "nowhere.json").string());
  CHECK(nowhere.status == 2);
  CHECK_MESSAGE(nowhere.out.find("nowhere.json: is a symbolic link to " +
                                 (dir / "no/such/folder/x.json").string() +
                                 ", in a folder that does not exist") != std::string::npos,
                nowhere.out);
  fs::create_symlink("loop-b.json", dir / "loop-a.json");
  fs::create_symlink("loop-a.json", dir / "loop-b.json");
  const Ran loop = invoke_cli("run --protocol echo --trace " + (dir / "loop-a.json").string());
  CHECK(loop.status == 2);
  CHECK_MESSAGE(loop.out.find("loop-a.json: a loop of symbolic links") != std::string::npos,
                loop.out);
  CHECK(fs::is_symlink(dir / "loop-a.json"));
  CHECK(fs::is_symlink(dir / "loop-b.json"));
  fs::remove_all(dir);
}

TEST_CASE("with --json the last line is a JSON object, for errors of every kind") {
  const char* commands[] = {
      "run --protocol echo --frob --json",        // a CLI11 parse error
      "--json",                                   // no verb
      "frobnicate --json",                        // an unknown verb
      "run --json --protocol echo --seed -1",     // a validator
      "run --protocol nope --json",               // the verb's own check
      "run --json",                               // a required flag
      "run --protocol echo --time 10 --json",     // a duration
      "explore --protocol paxos --max-depth 0 --json",  // an absurd bound
      "fuzz --protocol echo --seeds 0 --json",    // a count out of range
      "check /nonexistent/h.jsonl --json",        // bad input
      "viz /nonexistent/t.json --print --json",   // viz's own errors: a trace it cannot read
      "viz /nonexistent/t.json --json",           // nothing to do
  };
  for (const char* command : commands) {
    const Ran ran = invoke_cli(std::string(command) + " 2>/dev/null");
    CHECK_MESSAGE(ran.status == 2, command);
    nlohmann::json last;
    CHECK_NOTHROW_MESSAGE(last = last_json_line(ran.out), command, " printed: ", ran.out);
    CHECK_MESSAGE(last["exit"] == 2, command);
    CHECK_MESSAGE(last["error"].is_string(), command);
    CHECK_MESSAGE(!last["error"].get<std::string>().empty(), command);
  }
}

namespace {

// Starts faultline with `args` in `dir`, stderr to dir/err.txt; returns its pid.
pid_t spawn_faultline(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::fflush(nullptr);  // or the child would write our buffered output again
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string err = (dir / "err.txt").string();
    std::freopen(err.c_str(), "w", stderr);
    std::freopen("/dev/null", "w", stdout);
    std::vector<char*> argv;
    const std::string binary = std::string(FAULTLINE_BINARY_DIR) + "/faultline";
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

TEST_CASE("Ctrl-C during a run removes the unfinished outputs, says so and exits 130") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline_cli_sigint_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path trace = dir / "t.json", history = dir / "h.jsonl";
  // A run long enough that it is still going when the signal comes.
  const pid_t pid = spawn_faultline({"run", "--protocol", "raft", "--time", "100000s", "--max-events",
                                     "1000000000", "--trace", trace.string(), "--history",
                                     history.string()},
                                    dir);
  // The outputs are opened before the run starts; wait for both (bounded, not timed).
  for (int i = 0; i < 20000 && !(fs::exists(dir / "t.json.partial") && fs::exists(dir / "h.jsonl.partial")); ++i) {
    ::usleep(1000);
  }
  REQUIRE(fs::exists(dir / "t.json.partial"));
  REQUIRE(::kill(pid, SIGINT) == 0);
  int raw = 0;
  REQUIRE(::waitpid(pid, &raw, 0) == pid);
  CHECK(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 130);
  CHECK_FALSE(fs::exists(dir / "t.json.partial"));
  CHECK_FALSE(fs::exists(dir / "h.jsonl.partial"));
  CHECK_FALSE(fs::exists(trace));
  std::ifstream err(dir / "err.txt");
  const std::string said((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(said.find("interrupted (Ctrl-C): removed the unfinished " + trace.string() + ".partial") !=
                    std::string::npos,
                said);
  CHECK(said.find(history.string() + ".partial") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE(
    "fuzz --results: only a cut-off results line is dropped - another file is refused, untouched") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline_cli_results_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  // A one-line JSON document and a note, neither ending in a newline: once both lost
  // their only line as "a cut-off line".
  const std::string document = R"({"format":"faultline-scenario/1","name":"x","protocol":"echo"})";
  const std::string notes = "my notes";
  for (const auto& [name, text] :
       {std::pair{"doc.json", document}, std::pair{"notes.txt", notes}}) {
    std::ofstream(dir / name, std::ios::binary) << text;
    const Ran ran = invoke_cli("fuzz --protocol echo --seeds 2 --results " + (dir / name).string());
    CHECK_MESSAGE(ran.status == 2, name, ": ", ran.out);
    CHECK_MESSAGE(ran.out.find(std::string(name) + ":1") != std::string::npos, ran.out);
    CHECK(read(dir / name) == text);
  }
  // A results file cut off in its second line: that line goes, the first stays.
  const Ran first =
      invoke_cli("fuzz --protocol echo --seeds 2 --results " + (dir / "r.jsonl").string());
  REQUIRE(first.status == 0);
  const std::string whole = read(dir / "r.jsonl");
  const std::size_t second = whole.find('\n') + 1;
  fs::resize_file(dir / "r.jsonl", second + 12);
  const Ran again =
      invoke_cli("fuzz --protocol echo --seeds 2 --results " + (dir / "r.jsonl").string());
  CHECK_MESSAGE(again.status == 0, again.out);
  CHECK(again.out.find("ended in a cut-off line (12 bytes)") != std::string::npos);
  CHECK(again.out.find("holds 1 finished seeds; this campaign skips those in its range") !=
        std::string::npos);
  const std::string resumed = read(dir / "r.jsonl");
  CHECK(resumed.substr(0, second) == whole.substr(0, second));
  CHECK(std::count(resumed.begin(), resumed.end(), '\n') == 2);
  // A device is written, not read to resume (reading /dev/zero never ended).
  const Ran device = invoke_cli("fuzz --protocol echo --seeds 2 --results /dev/zero");
  CHECK_MESSAGE(device.status == 0, device.out);
  // A results line that is not JSON is named by file, line and column, once.
  std::ofstream(dir / "g.jsonl") << whole.substr(0, second) << "garbage\n";
  const Ran garbage = invoke_cli("fuzz --merge " + (dir / "g.jsonl").string());
  CHECK(garbage.status == 2);
  CHECK_MESSAGE(garbage.out.find("g.jsonl:2:1: not valid JSON") != std::string::npos, garbage.out);
  fs::remove_all(dir);
}

TEST_CASE(
    "fuzz --merge: an endless input, an option taken for a file, an empty name - each refused") {
  const Ran endless = invoke_cli("fuzz --merge /dev/zero");
  CHECK(endless.status == 2);
  CHECK_MESSAGE(
      endless.out.find("/dev/zero:1: a line longer than 65536 bytes: not a results file") !=
          std::string::npos,
      endless.out);
  // CLI11 hands --merge the options after it: --json was opened as a file.
  const Ran option = invoke_cli("fuzz --merge --json");
  CHECK(option.status == 2);
  CHECK_MESSAGE(
      option.out.find("--merge --json: is an option, not a results file") != std::string::npos,
      option.out);
  const Ran empty = invoke_cli("fuzz --merge ''");
  CHECK(empty.status == 2);
  CHECK_MESSAGE(empty.out.find("--merge: expected a value, got an empty one") != std::string::npos,
                empty.out);
}

TEST_CASE("an empty value is refused for every option of every verb - not taken as not given") {
  // `run --time ""` ran the default length and `run --trace ""` wrote nothing, silently.
  for (const char* args :
       {"run -p echo --time ''", "run -p echo --trace ''", "run ''", "fuzz -p echo --out ''",
        "fuzz -p echo --results ''", "fuzz -p echo --shard ''", "explore -p paxos --out ''",
        "check '' --model register", "viz '' --print", "replay x.json --trace ''",
        "run -p echo --print --kinds ''", "run -p echo --set ''"}) {
    const Ran ran = invoke_cli(args);
    CHECK_MESSAGE(ran.status == 2, args, ": ", ran.out);
    CHECK_MESSAGE(ran.out.find("expected a value, got an empty one") != std::string::npos, args,
                  ": ", ran.out);
  }
}

TEST_CASE(
    "a run's history names the model and initial state it was checked with - check judges it "
    "alike") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline_cli_history_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string h = (dir / "h.jsonl").string();
  // 2PC's accounts start with balances: from {} (the header said nothing) check called
  // seed 5's history not linearizable where the run had found it linearizable.
  REQUIRE(invoke_cli("run --protocol twopc --seed 5 --faults swarm --history " + h).status == 0);
  std::ifstream in(h);
  std::string first;
  std::getline(in, first);
  const nlohmann::json header = nlohmann::json::parse(first);
  CHECK(header["model"] == "multi-register");
  CHECK(header["init"]["a0"] == 100);
  const Ran checked = invoke_cli("check " + h);
  CHECK(checked.status == 0);
  CHECK(checked.out.find("model multi-register (from the history)") != std::string::npos);
  // A header's model must be a name.
  const std::string bad = (dir / "bad.jsonl").string();
  std::ofstream(bad) << R"({"format":"faultline-history","version":1,"model":7})"
                     << "\n"
                     << R"({"process":0,"type":"invoke","f":"get","key":"x","value":null,"time":1})"
                     << "\n";
  const Ran refused = invoke_cli("check " + bad);
  CHECK(refused.status == 2);
  CHECK(
      refused.out.find("bad.jsonl:1: $.model: expected a model's name, such as \"kv\", found 7") !=
      std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("fuzz resumed from --results saves no second repro of a failure its earlier part saved") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline_cli_resume_" + std::to_string(getpid()));
  fs::remove_all(dir);
  const std::string out = (dir / "out").string();
  const std::string results = (dir / "r.jsonl").string();
  const std::string common =
      " --protocol raft --bug no-dedup --no-shrink --out " + out + " --results " + results;
  REQUIRE(invoke_cli("fuzz --seeds 3" + common).status == 1);
  // Seeds 4-10 fail the same way; one uninterrupted campaign of 10 saves seed 1's alone.
  const Ran resumed = invoke_cli("fuzz --seeds 10" + common);
  CHECK(resumed.status == 1);
  CHECK(resumed.out.find("linearizability first at seed 1, in " + results +
                         " before (saved then)") != std::string::npos);
  int linearizability = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    linearizability += e.path().filename().string().find("linearizability") != std::string::npos;
  }
  CHECK(linearizability == 1);
  fs::remove_all(dir);
}
