// Verbs whose parts land in later issues. They parse, say clearly that they are not
// available yet, and exit 2, so scripts fail loudly instead of silently doing nothing.
#include <iostream>
#include <string>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "verbs.hpp"

namespace faultline::cli {
namespace {

Verb later_verb(CLI::App& app, const std::string& name, const std::string& description,
                const std::string& lands_with) {
  CLI::App* command = app.add_subcommand(name, description + " (not available yet)");
  command->allow_extras();
  command->add_flag("--json")->description("print a JSON summary as the last line");
  return Verb{command, [name, lands_with] {
                return report_error(name, "not available yet; it lands with " + lands_with);
              }};
}

}  // namespace

Verb add_explore_verb(CLI::App& app) {
  return later_verb(app, "explore", "explore a small configuration exhaustively",
                    "exhaustive exploration");
}

}  // namespace faultline::cli
