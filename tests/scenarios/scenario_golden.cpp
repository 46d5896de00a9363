// One library scenario as a test: it loads, meets its expectations, runs twice to the
// same trace hash, and its summary matches the expected one stored beside it
// (`<name>.expected.json`). REWRITE=1 writes the expected summary instead, for review.
//
//   scenario_golden scenarios/raft/leader-isolated.json
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "scenarios/scenario.hpp"
#include "sim/trace_export.hpp"

namespace {

using namespace faultline;

nlohmann::json summary_of(const scenarios::Scenario& s, const scenarios::ScenarioRun& r) {
  nlohmann::json checks = nlohmann::json::object();
  for (const std::string& name : r.out.sim->invariant_names()) checks[name] = "held";
  for (const sim::Finding& f : r.out.result.findings) checks[f.name] = "violated";
  for (const protocols::CheckOutcome& c : r.out.run->checks.all()) {
    checks[c.name] = std::string(protocols::check_status_name(c.status));
  }
  nlohmann::json findings = nlohmann::json::array();
  for (const sim::Finding& f : r.out.result.findings) findings.push_back(f.name);
  return {{"name", s.name},
          {"seed", r.spec.seed},
          {"verdict", sim::verdict_name(r.out.verdict())},
          {"expectations_met", r.expectations.met},
          {"findings", findings},
          {"checks", checks},
          {"events", r.out.result.events},
          {"sim_time_ns", r.out.result.sim_time_ns},
          {"trace_hash", sim::format_hash(r.out.result.trace_hash)},
          {"timeline", r.timeline},
          {"protocol_summary", r.out.run->summary(*r.out.sim)}};
}

int fail(const std::string& what) {
  std::cerr << "FAILED: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: scenario_golden SCENARIO.json");
  const std::string path = argv[1];
  const std::string expected_path = path.substr(0, path.size() - 5) + ".expected.json";
  try {
    const scenarios::Scenario s = scenarios::load_scenario(path);
    const scenarios::ScenarioRun first = scenarios::run_scenario(s, {});
    const scenarios::ScenarioRun second = scenarios::run_scenario(s, {});
    const nlohmann::json got = summary_of(s, first);
    std::cout << got.dump(2) << "\n";
    if (!first.expectations.met) {
      std::string why;
      for (const std::string& u : first.expectations.unmet) why += "\n  " + u;
      return fail("expectations not met:" + why);
    }
    if (first.out.result.trace_hash != second.out.result.trace_hash) {
      return fail("two runs of the same scenario gave different trace hashes: not deterministic");
    }
    const char* rewrite = std::getenv("REWRITE");
    if (rewrite != nullptr && std::string(rewrite) == "1") {
      std::ofstream(expected_path) << got.dump(2) << "\n";
      std::cout << "wrote " << expected_path << "\n";
      return 0;
    }
    std::ifstream in(expected_path);
    if (!in) return fail("no expected summary at " + expected_path + " (REWRITE=1 writes one)");
    const nlohmann::json expected = nlohmann::json::parse(in);
    if (expected != got) {
      return fail("the summary differs from " + expected_path + ":\n" +
                  nlohmann::json::diff(expected, got).dump(2) +
                  "\nif the change is intended, regenerate with REWRITE=1 and review the diff");
    }
    return 0;
  } catch (const protocols::BadInput& e) {
    return fail(std::string("bad input: ") + e.what());
  }
}
