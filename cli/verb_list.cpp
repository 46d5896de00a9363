// `faultline list`: protocols with their options and planted bugs, checker models, fault kinds.
#include <iostream>

#include "checker/model.hpp"
#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "sim/faults.hpp"
#include "verbs.hpp"

namespace faultline::cli {
namespace {

nlohmann::json list_json() {
  nlohmann::json protocols = nlohmann::json::array();
  for (const auto& p : protocols::all_protocols()) {
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : p.options.specs()) {
      nlohmann::json option = {{"name", o.name},
                               {"kind", o.kind_text()},
                               {"default", o.default_text},
                               {"description", o.description}};
      if (!o.swarm.empty()) option["swarm"] = o.swarm;
      options.push_back(std::move(option));
    }
    nlohmann::json bugs = nlohmann::json::array();
    for (const auto& b : p.bugs) {
      nlohmann::json bug = {{"name", b.name}, {"description", b.description}, {"finds", b.finds}};
      nlohmann::json implies = nlohmann::json::object();
      for (const auto& [k, v] : b.implies) implies[k] = v;
      if (!implies.empty()) bug["implies"] = implies;
      bugs.push_back(std::move(bug));
    }
    nlohmann::json faults = nlohmann::json::array();
    for (sim::FaultKind k : p.faults) faults.push_back(sim::fault_kind_name(k));
    nlohmann::json presets = nlohmann::json::array();
    for (const auto& e : p.explore_presets) {
      presets.push_back({{"name", e.name},
                         {"description", e.description},
                         {"pure_model", static_cast<bool>(p.explore)}});
    }
    protocols.push_back({{"name", p.name},
                         {"explore_presets", presets},
                         {"description", p.description},
                         {"groups", p.groups},
                         {"options", options},
                         {"bugs", bugs},
                         {"fault_kinds", faults}});
  }
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : checker::builtin_models()) {
    models.push_back({{"name", m.name}, {"description", m.description}, {"operations", m.operations}});
  }
  nlohmann::json kinds = nlohmann::json::array();
  for (int k = 0; k < sim::kFaultKinds; ++k) {
    kinds.push_back(sim::fault_kind_name(static_cast<sim::FaultKind>(k)));
  }
  return {{"protocols", protocols}, {"models", models}, {"fault_kinds", kinds}};
}

void print_text(const nlohmann::json& j) {
  std::cout << "Protocols (faultline run --protocol NAME [--set OPTION=VALUE] [--bug BUG]);\n"
               "an option's swarm values are what `fuzz --protocol` draws per seed (the quiet one\n"
               "first), a bug's [breaks: ...] the properties whose violation is its finding:\n";
  for (const auto& p : j["protocols"]) {
    std::cout << "\n  " << p["name"].get<std::string>() << " — "
              << p["description"].get<std::string>() << "\n";
    if (!p["options"].empty()) std::cout << "    options:\n";
    for (const auto& o : p["options"]) {
      std::string swarm;  // the values `fuzz --protocol` draws from, the quiet one first
      if (o.contains("swarm")) {
        for (const auto& v : o["swarm"]) swarm += (swarm.empty() ? "" : "|") + v.get<std::string>();
        swarm = "; swarm " + swarm;
      }
      std::cout << "      " << o["name"].get<std::string>() << " (" << o["kind"].get<std::string>()
                << ", default " << o["default"].get<std::string>() << swarm
                << "): " << o["description"].get<std::string>() << "\n";
    }
    if (!p["bugs"].empty()) std::cout << "    planted bugs:\n";
    for (const auto& b : p["bugs"]) {
      std::cout << "      " << b["name"].get<std::string>() << ": "
                << b["description"].get<std::string>();
      if (b.contains("implies")) {
        std::string implied;
        for (const auto& [k, v] : b["implies"].items()) {
          implied += (implied.empty() ? "" : ", ") + k + "=" + v.get<std::string>();
        }
        std::cout << " (implies " << implied << ")";
      }
      std::string finds;  // the properties whose violation is this bug's
      for (const auto& f : b["finds"]) finds += (finds.empty() ? "" : ", ") + f.get<std::string>();
      if (!finds.empty()) std::cout << " [breaks: " << finds << "]";
      std::cout << "\n";
    }
    if (!p["explore_presets"].empty()) std::cout << "    explore presets (faultline explore --protocol " << p["name"].get<std::string>() << " --preset NAME):\n";
    for (const auto& e : p["explore_presets"]) {
      std::cout << "      " << e["name"].get<std::string>() << ": " << e["description"].get<std::string>()
                << (e["pure_model"].get<bool>() ? " [pure model]" : " [simulator re-execution]") << "\n";
    }
    std::cout << "    node groups:";
    for (const auto& g : p["groups"]) std::cout << " " << g.get<std::string>();
    std::cout << "\n    fault kinds it tolerates (--faults all):";
    for (const auto& k : p["fault_kinds"]) std::cout << " " << k.get<std::string>();
    std::cout << "\n";
  }
  std::cout << "\nModels (faultline check HISTORY --model NAME):\n";
  for (const auto& m : j["models"]) {
    std::cout << "  " << m["name"].get<std::string>() << " — " << m["description"].get<std::string>()
              << " (" << m["operations"].get<std::string>() << ")\n";
  }
  std::cout << "\nFault kinds (faultline run --faults all|swarm|KIND,KIND...):\n ";
  for (const auto& k : j["fault_kinds"]) std::cout << " " << k.get<std::string>();
  std::cout << "\n";
}

}  // namespace

Verb add_list_verb(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "list", "protocols with their options and planted bugs, models, fault kinds");
  cmd->add_flag("--json", *json, "print one JSON object as the last line");
  return Verb{cmd, [json] {
                const nlohmann::json j = list_json();
                if (*json) std::cout << j.dump() << "\n";
                else print_text(j);
                return kExitOk;
              }};
}

}  // namespace faultline::cli
