// The command as users run it: exit statuses, usage errors, and determinism across
// processes (a child process gives the same trace hash as a run in this one).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/registry.hpp"

namespace {

struct Ran {
  int status = -1;
  std::string out;
};

// Runs the faultline binary with `args` (a shell fragment), capturing stdout and stderr.
Ran invoke_cli(const std::string& args) {
  const std::string command = std::string(FAULTLINE_BINARY_DIR) + "/faultline " + args + " 2>&1";
  Ran ran;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) ran.out.append(buffer.data(), n);
  const int raw = ::pclose(pipe);
  ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return ran;
}

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

TEST_CASE("usage errors name the flag and exit 2") {
  struct Case {
    const char* args;
    const char* says;
  };
  const Case cases[] = {
      {"frobnicate", "unknown verb 'frobnicate'"},
      {"run --protocol echo --frob", "--frob"},
      {"run --protocol nope", "unknown protocol 'nope'"},
      {"run --protocol echo --seed banana", "--seed"},
      {"run --protocol echo --set servers=many", "--set servers: expected int in [1, 1000]"},
      {"run --protocol echo --set nosuch=1", "--set nosuch: unknown option"},
      {"run --protocol echo --set novalue", "expected NAME=VALUE"},
      {"run --protocol echo --bug nope", "--bug nope: unknown bug"},
      {"run --protocol echo --faults some", "--faults: expected none, all, swarm or a comma-separated list of fault kinds"},
      {"run --protocol echo --time soon", "--time: expected a duration"},
      {"run --protocol echo --trace /nonexistent/dir/t.json", "--trace /nonexistent/dir/t.json"},
      {"run", "give a scenario file or --protocol"},
      {"fuzz --protocol echo --seeds 0", "an unbounded campaign needs --time-budget"},
      {"fuzz --protocol echo --shard 3/2", "--shard 3/2: expected I/N"},
      {"shrink nosuch.json -o x.json", "nosuch.json: cannot open it"},
      {"replay nosuch.json", "nosuch.json: cannot open it"},
      {"explore --protocol echo", "not available yet"},
  };
  for (const Case& c : cases) {
    const Ran ran = invoke_cli(c.args);
    CHECK_MESSAGE(ran.status == 2, c.args);
    CHECK_MESSAGE(ran.out.find(c.says) != std::string::npos, c.args, " said: ", ran.out);
  }
}

TEST_CASE("--help and --version work for the command and every verb") {
  CHECK(invoke_cli("--version").out.find("faultline ") == 0);
  for (const char* verb : {"run", "replay", "fuzz", "shrink", "explore", "check", "viz", "list"}) {
    const Ran ran = invoke_cli(std::string(verb) + " --help");
    CHECK_MESSAGE(ran.status == 0, verb);
    CHECK_MESSAGE(ran.out.find("--json") != std::string::npos, verb);
  }
}

TEST_CASE("--trace writes a JSON trace; a failed run leaves no partial file") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "faultline_cli_test";
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
