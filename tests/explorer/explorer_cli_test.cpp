// `faultline explore` end to end: the issue's "Done when" (a shortest counterexample saved
// as a repro that replay reproduces and viz draws), exit statuses for cuts and bad bounds.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline_command.hpp"

namespace {

using faultline::testing::Ran;

using faultline::testing::run_faultline;

nlohmann::json last_line(const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  const auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
}

}  // namespace

TEST_CASE("explore --bug ignore-accepted-value - a shortest counterexample that replay and viz take") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline-explore-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const Ran found = run_faultline("explore --protocol paxos --bug ignore-accepted-value --json --out " + dir.string());
  CHECK(found.status == 1);
  const nlohmann::json j = last_line(found.out);
  CHECK(j["counterexample"]["length"] == 12);
  CHECK(j["counterexample"]["shortest"] == true);
  CHECK(j["counterexample"]["replay"]["reproduced"] == true);
  const std::string repro = j["counterexample"]["replay"]["repro"];
  REQUIRE(fs::exists(repro));
  const Ran replayed = run_faultline("replay " + repro + " --trace " + (dir / "t.json").string());
  CHECK(replayed.status == 1);  // the violation again
  CHECK(replayed.out.find("reproduced exactly") != std::string::npos);
  CHECK(run_faultline("viz " + (dir / "t.json").string() + " --html " + (dir / "t.html").string()).status == 0);
  CHECK(fs::file_size(dir / "t.html") > 1000);
  fs::remove_all(dir);
}

TEST_CASE("explore cut short exits 3 and says not exhaustive - absurd bounds exit 2 naming the flag") {
  const Ran cut = run_faultline("explore --protocol paxos --max-states 500");
  CHECK(cut.status == 3);
  CHECK(cut.out.find("NOT exhaustive") != std::string::npos);
  // A search that outgrows its memory budget stops and says so (the first check is at
  // the first state, and a process holds more than 1 MiB).
  const Ran memory = run_faultline("explore --protocol paxos --max-memory 1");
  CHECK(memory.status == 3);
  CHECK(memory.out.find("NOT exhaustive: --max-memory 1 MiB reached") != std::string::npos);
  // Walks read the budgets before each walk: they ran in blocks of 256 and read them only
  // between blocks (38 times a 5 s budget). A budget of 1 ns is spent before the first.
  for (const char* strategy : {"random-walk", "pct"}) {
    const Ran walks =
        run_faultline(std::string("explore --protocol echo --strategy ") + strategy +
                      " --walks 1000 --max-depth 300 --time-budget 0.000000001 --json");
    CHECK(walks.status == 3);
    const nlohmann::json j = last_line(walks.out);
    CHECK_MESSAGE(j["executions"] == 0, walks.out);
    CHECK(j["stop_reason"] == "--time-budget reached");
  }
  faultline::testing::check_refusals(
      "explore --protocol paxos ",
      {
          {"--max-depth 0", "--max-depth 0"},
          {"--max-states 0", "--max-states 0"},
          {"--crashes 9 --crash acceptors", "--crashes"},
          {"--crashes 1", "--crash"},
          {"--timeouts 1 --crashes 1 --crash nosuch", "nosuch"},
          {"--preset nosuch", "--preset"},
          {"--restarts 2", "--restarts"},
          {"--strategy sideways", "--strategy"},
          {"--jobs 0", "--jobs"},
          {"--max-memory 0", "--max-memory"},
          {"--shortest --por sleep", "--shortest"},
          {"--shortest --strategy pct", "--shortest"},
          // Ignored before: a sampling search's flags on an exhaustive one.
          {"--drops 4294967296", "--drops: expected a whole number from 0 to 4294967295"},
          {"--walks 5", "--walks: is for --strategy pct or random-walk; this search is bfs"},
          {"--strategy dfs --seed 3",
           "--seed: is for --strategy pct or random-walk; this search is dfs"},
          {"--strategy random-walk --pct-depth 3",
           "--pct-depth: is for --strategy pct; this search is random-walk"},
      });
}

TEST_CASE("explore --symmetry - a planted 2PC bug found up to symmetry replays - refusals exit 2 saying why") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("faultline-explore-sym-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string twopc = "explore --protocol twopc --preset stateright --set participants=3 ";
  const Ran found = run_faultline(twopc + "--bug commit-without-all-votes --symmetry --json --out " + dir.string());
  CHECK(found.status == 1);
  const nlohmann::json j = last_line(found.out);
  CHECK(j["symmetry"] == true);
  CHECK(j["reduction"] == "none");  // the preset's sleep sets give way
  CHECK(j["counterexample"]["finding"] == "validity");
  CHECK(j["counterexample"]["replay"]["reproduced"] == true);
  const std::string repro = j["counterexample"]["replay"]["repro"];
  REQUIRE(fs::exists(repro));
  const Ran replayed = run_faultline("replay " + repro);
  CHECK(replayed.status == 1);
  CHECK(replayed.out.find("reproduced exactly") != std::string::npos);
  fs::remove_all(dir);
  const Ran clean = run_faultline("explore --protocol twopc --preset stateright --set participants=2 --symmetry --json");
  CHECK(clean.status == 0);
  CHECK(last_line(clean.out)["symmetry"] == true);
  faultline::testing::check_refusals(twopc, {
      {"--symmetry --strategy dfs --por sleep", "--por none"},
      {"--symmetry --strategy dfs --por dpor", "--por none"},
      {"--symmetry --strategy pct", "--strategy bfs or dfs"},
      {"--symmetry --set read_all=50", "read_all=50"},
      {"--symmetry --set cooperative=true", "cooperative"},
      {"--symmetry --crashes 1 --crash p0", "only some participants"},
      {"--symmetry --engine simulator", "simulator engine"},
  });
  const Ran paxos = run_faultline("explore --protocol paxos --symmetry");
  CHECK(paxos.status == 2);
  CHECK(paxos.out.find("no symmetry reduction") != std::string::npos);
}

TEST_CASE("Stateright's models from the command line - their counts, and what they refuse exits 2 saying why") {
  const Ran reg = run_faultline("explore --protocol paxos --preset register --set clients=2 --json");
  CHECK_MESSAGE(reg.status == 0, reg.out);
  CHECK(last_line(reg.out)["states"] == 16668);
  const Ran tp = run_faultline("explore --protocol twopc --preset twophase --set participants=5 --strategy dfs --por dpor --json");
  CHECK_MESSAGE(tp.status == 0, tp.out);
  CHECK(last_line(tp.out)["exhaustive"] == true);
  faultline::testing::check_refusals("explore --protocol twopc --preset twophase ", {
      {"--drops 1", "set of messages"},
      {"--duplicates 1", "no copy"},
      {"--strategy pct", "--max-depth"},
      {"--engine simulator", "--max-depth"},
      {"--crashes 1 --crash coordinators", "its pure model does not take these budgets"},
      {"--set coordinators=2", "applies to model=bank only"},
      {"--bug forget-decision", "not planted in model=twophase"},
  });
  faultline::testing::check_refusals("explore --protocol paxos --preset register ", {
      {"--strategy random-walk", "--max-depth"},
      {"--set proposers=2", "applies to model=paxos only"},
      {"--set acceptors=10", "at most 9 servers"},
      {"--bug ignore-accepted-value", "not planted in model=register"},
  });
  faultline::testing::check_refusals("run --protocol paxos ", {
      {"--set clients=2", "applies to model=register only"},
  });
}

TEST_CASE("explore --por without --strategy searches by DFS - the reduction's only strategy") {
  // Before, --por sleep alone fell back to BFS and was refused ("sleep needs --strategy dfs").
  const Ran sleep = run_faultline("explore --protocol paxos --preset small --por sleep --json");
  CHECK_MESSAGE(sleep.status == 0, sleep.out);
  const nlohmann::json j = last_line(sleep.out);
  CHECK(j["strategy"] == "dfs");
  CHECK(j["reduction"] == "sleep");
  const Ran bfs = run_faultline("explore --protocol paxos --preset small --strategy bfs --por sleep");
  CHECK(bfs.status == 2);
  CHECK(bfs.out.find("sleep needs --strategy dfs") != std::string::npos);
}

TEST_CASE(
    "explore --scenario: a scenario that sizes its node groups finds a bug and writes a repro that "
    "replays") {
  // The counterexample's repro kept the file's "nodes" beside the run's options, so the
  // search ended in "$.nodes.acceptors: given twice" (exit 2) where run accepted the file.
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline-explore-nodes-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "s.json");
    out << R"({"format":"faultline-scenario/1","name":"t","protocol":"paxos","seed":1,
               "nodes":{"proposers":1,"acceptors":3},"run_ms":2000,"bugs":["quorum-off-by-one"]})";
  }
  const Ran found = run_faultline("explore --scenario " + (dir / "s.json").string() +
                                  " --json --out " + dir.string());
  INFO(found.out);
  REQUIRE(found.status == 1);
  const std::string repro =
      last_line(found.out)["counterexample"]["replay"]["repro"].get<std::string>();
  CHECK(run_faultline("replay " + repro).status == 1);
  fs::remove_all(dir);
}

TEST_CASE("explore --crash without crashes is refused - it did nothing - as is a scenario's crash without crashes") {
  // Both ran the search without a crash and said nothing, however the group was spelt.
  faultline::testing::check_refusals("explore --protocol raft --timeouts 1 --max-states 50 ", {
      {"--crash servers", "--crash: names the nodes a crash may hit, but the search has no crashes: give --crashes N"},
      {"--crash zz --crashes 0", "--crash: names the nodes a crash may hit, but the search has no crashes"},
      {"--crash zz --crashes 1", "no group or node of raft is named 'zz'"},
  });
  namespace fs = std::filesystem;
  const fs::path file = fs::temp_directory_path() / ("faultline-explore-crash-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(file);
    out << R"({"format":"faultline-scenario/1","name":"x","protocol":"echo",
               "nodes":{"servers":2,"clients":1},"options":{"ops":1},
               "explore":{"timeouts":1,"crash":["servers"]}})";
  }
  // The file is refused where it is read (explore, and run as well), like "crashes"
  // without "crash".
  for (const char* verb : {"explore --scenario ", "run "}) {
    const Ran refused = run_faultline(verb + file.string());
    CHECK(refused.status == 2);
    CHECK(refused.out.find("$.explore.crash: names the nodes a crash may hit, but \"crashes\" is "
                           "0 or missing: give \"crashes\": N") != std::string::npos);
  }
  // With crashes the search runs; a preset's crash groups with --crashes 0 are the user
  // turning crashes off.
  CHECK(run_faultline("explore --protocol echo --set servers=2 --set clients=1 --set ops=1 "
                      "--timeouts 1 --crashes 1 --crash servers").status == 0);
  CHECK(run_faultline("explore --protocol paxos --preset lossy --crashes 0 --max-states 50").status == 3);
  fs::remove(file);
}
