// `faultline check`: placeholder until the linearizability checker lands.
#include <iostream>

#include "exit_status.hpp"
#include "verbs.hpp"

namespace faultline::cli {
Verb add_check_verb(CLI::App& app) {
  CLI::App* command = app.add_subcommand("check", "check a history for linearizability");
  command->allow_extras();
  return Verb{command, [] {
                std::cerr << "faultline check: not available yet\n";
                return kExitBadInput;
              }};
}
}  // namespace faultline::cli
