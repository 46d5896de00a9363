// The explorer's results as text and JSON (explorer.hpp).
#include <cstdio>

#include "explorer/explorer.hpp"

namespace faultline::explorer {
namespace {

nlohmann::json budget_json(const protocols::ExploreSpec& e) {
  const sim::ExploreConfig& b = e.budget;
  nlohmann::json j = {{"drops", b.drops}, {"duplicates", b.duplicates}, {"crashes", b.crashes},
                      {"restarts", b.restarts}, {"crash", e.crash_groups}};
  j["timeouts_per_node"] = b.timeouts == sim::kExploreUnbounded ? nlohmann::json(nullptr) : nlohmann::json(b.timeouts);
  return j;
}

nlohmann::json path_json(const Counterexample& c) {
  nlohmann::json steps = nlohmann::json::array();
  for (const PathStep& s : c.steps) steps.push_back(s.text);
  return {{"finding", c.finding.name},
          {"kind", sim::finding_kind_name(c.finding.kind)},
          {"message", c.finding.message.substr(0, 2000)},
          {"length", c.steps.size()},
          {"steps", steps}};
}

std::string budget_text(const protocols::ExploreSpec& e) {
  const sim::ExploreConfig& b = e.budget;
  std::string text = "drops " + std::to_string(b.drops) + ", duplicates " + std::to_string(b.duplicates) +
                     ", crashes " + std::to_string(b.crashes);
  if (b.crashes > 0) {
    std::string groups;
    for (const std::string& g : e.crash_groups) groups += (groups.empty() ? "" : ",") + g;
    text += " (" + groups + ")";
  }
  text += ", restarts " + std::to_string(b.restarts) + ", timer firings per node " +
          (b.timeouts == sim::kExploreUnbounded ? std::string("unbounded") : std::to_string(b.timeouts));
  return text;
}

std::string path_text(const Counterexample& c) {
  std::string text;
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    text += "  " + std::to_string(i + 1) + ". " + c.steps[i].text + "\n";
  }
  return text + "  => " + std::string(sim::finding_kind_name(c.finding.kind)) + " '" + c.finding.name +
         "': " + c.finding.message.substr(0, 600) + "\n";
}

}  // namespace

nlohmann::json result_json(const Target& t, const Result& r) {
  nlohmann::json j;
  j["protocol"] = t.protocol->name;
  if (!t.preset.empty()) j["preset"] = t.preset;
  if (!t.scenario_file.empty()) j["scenario"] = t.scenario_file;
  j["bugs"] = t.spec.bugs;
  j["budget"] = budget_json(t.explore);
  j["strategy"] = strategy_name(r.strategy);
  j["reduction"] = reduction_name(r.reduction);
  j["engine"] = engine_name(r.engine);
  j["symmetry"] = r.symmetry;
  j["verdict"] = sim::verdict_name(r.verdict());
  j["exhaustive"] = r.exhaustive;
  j["complete"] = r.complete;
  if (!r.stop_reason.empty()) j["stop_reason"] = r.stop_reason;
  j["states"] = r.states;
  j["transitions"] = r.transitions;
  j["depth"] = r.depth;
  j["terminal_states"] = r.terminal;
  j["depth_cut"] = r.depth_cut;
  j["sleep_skipped"] = r.sleep_skipped;
  j["executions"] = r.executions;
  j["peak_frontier"] = r.peak_frontier;
  j["elapsed_s"] = r.elapsed_s;
  j["states_per_sec"] = r.elapsed_s > 0 ? static_cast<double>(r.states) / r.elapsed_s : 0.0;
  j["memory_bytes"] = r.memory_bytes;
  j["stuck_states"] = r.stuck_states;
  j["facts"] = r.facts;
  j["counterexample"] = r.counterexample ? path_json(*r.counterexample) : nlohmann::json(nullptr);
  if (r.counterexample) j["counterexample"]["shortest"] = r.shortest;
  j["liveness"] = r.stuck ? path_json(*r.stuck) : nlohmann::json(nullptr);
  if (!r.guarantee.empty()) j["guarantee"] = r.guarantee;
  if (r.found_at_walk > 0) j["found_at_walk"] = r.found_at_walk;
  return j;
}

std::string result_text(const Target& t, const Result& r) {
  std::string text = "explore " + t.protocol->name;
  if (!t.preset.empty()) text += " (preset " + t.preset + ")";
  if (!t.spec.bugs.empty()) {
    text += " with bug";
    for (const std::string& b : t.spec.bugs) text += " " + b;
  }
  text += "\n  budget: " + budget_text(t.explore) + "\n";
  text += "  strategy " + std::string(strategy_name(r.strategy)) + ", reduction " +
          std::string(reduction_name(r.reduction)) + ", engine " + std::string(engine_name(r.engine)) +
          (r.symmetry ? ", states up to symmetry" : "") + "\n";
  char line[400];
  std::snprintf(line, sizeof line,
                "  %llu states, %llu transitions, depth %llu, %llu terminal; %.2f s (%.0f states/s), "
                "peak memory %.1f MB\n",
                static_cast<unsigned long long>(r.states), static_cast<unsigned long long>(r.transitions),
                static_cast<unsigned long long>(r.depth), static_cast<unsigned long long>(r.terminal), r.elapsed_s,
                r.elapsed_s > 0 ? static_cast<double>(r.states) / r.elapsed_s : 0.0,
                static_cast<double>(r.memory_bytes) / (1024.0 * 1024.0));
  text += line;
  if (r.sleep_skipped > 0) text += "  sleep sets spared " + std::to_string(r.sleep_skipped) + " transitions\n";
  if (r.executions > 0) text += "  " + std::to_string(r.executions) + " executions\n";
  if (!r.guarantee.empty()) text += "  " + r.guarantee + "\n";
  for (const auto& [fact, n] : r.facts) text += "  sometimes: " + fact + " in " + std::to_string(n) + " states\n";
  if (r.counterexample) {
    text += "VIOLATION, a path of " + std::to_string(r.counterexample->steps.size()) + " steps" +
            (r.shortest ? " (a shortest one)" : "") + ":\n" + path_text(*r.counterexample);
  }
  if (r.stuck) {
    text += "LIVENESS: " + std::to_string(r.stuck_states) + " states where nothing can happen and " +
            "something is stuck; a path of " + std::to_string(r.stuck->steps.size()) + " steps" +
            (r.strategy == Strategy::bfs ? " (a shortest one)" : "") + ":\n" + path_text(*r.stuck);
  }
  if (r.exhaustive && !r.counterexample) {
    text += r.complete
                ? "exhaustive within the budget: every reachable state was explored\n"
                : "exhaustive within the budget and --max-depth: paths were cut at depth " +
                      std::to_string(r.depth) + " (" + std::to_string(r.depth_cut) +
                      " states not expanded); a violation deeper than that is not excluded\n";
  } else if (!r.counterexample) {
    text += "NOT exhaustive" + (r.stop_reason.empty() ? std::string() : ": " + r.stop_reason) + "\n";
  }
  return text;
}

}  // namespace faultline::explorer
