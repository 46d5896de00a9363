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
    for (const auto& o : p.options) {
      options.push_back({{"name", o.name},
                         {"kind", o.kind},
                         {"default", o.default_value},
                         {"description", o.description}});
    }
    nlohmann::json bugs = nlohmann::json::array();
    for (const auto& b : p.bugs) bugs.push_back({{"name", b.name}, {"description", b.description}});
    protocols.push_back({{"name", p.name},
                         {"description", p.description},
                         {"options", options},
                         {"bugs", bugs}});
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
  std::cout << "Protocols (faultline run --protocol NAME [--set OPTION=VALUE] [--bug BUG]):\n";
  for (const auto& p : j["protocols"]) {
    std::cout << "\n  " << p["name"].get<std::string>() << " — "
              << p["description"].get<std::string>() << "\n";
    if (!p["options"].empty()) std::cout << "    options:\n";
    for (const auto& o : p["options"]) {
      std::cout << "      " << o["name"].get<std::string>() << " (" << o["kind"].get<std::string>()
                << ", default " << o["default"].get<std::string>()
                << "): " << o["description"].get<std::string>() << "\n";
    }
    if (!p["bugs"].empty()) std::cout << "    planted bugs:\n";
    for (const auto& b : p["bugs"]) {
      std::cout << "      " << b["name"].get<std::string>() << ": "
                << b["description"].get<std::string>() << "\n";
    }
  }
  std::cout << "\nModels (faultline check HISTORY --model NAME):\n";
  for (const auto& m : j["models"]) {
    std::cout << "  " << m["name"].get<std::string>() << " — " << m["description"].get<std::string>()
              << " (" << m["operations"].get<std::string>() << ")\n";
  }
  std::cout << "\nFault kinds (faultline run --faults all|swarm):\n ";
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
