#include "exit_status.hpp"
#include "verbs.hpp"
namespace faultline::cli {
Verb add_run_verb(CLI::App& app) {
  CLI::App* command = app.add_subcommand("run", "one run");
  return Verb{command, [] { return kExitBadInput; }};
}
Verb add_list_verb(CLI::App& app) {
  CLI::App* command = app.add_subcommand("list", "list");
  return Verb{command, [] { return kExitBadInput; }};
}
}  // namespace faultline::cli
