// faultline: the command. Parses the verb and its flags (CLI11) and runs it.
// Usage errors exit 2 with a message naming the flag; with --json the last line of
// standard output is then {"error": ..., "exit": 2}, as for every other error.
#include <algorithm>
#include <iostream>
#include <string_view>
#include <vector>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "verbs.hpp"

#ifndef FAULTLINE_VERSION
#define FAULTLINE_VERSION "unknown"
#endif

namespace {

// --json is looked for before parsing, so that a usage error is reported as JSON too.
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

int usage_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  using namespace faultline::cli;
  // CLI11 reports a misspelt verb as a missing one; name what was typed instead.
  if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
    return report_error("", "unknown verb '" + std::string(argv[1]) +
                                "'; verbs: run, replay, fuzz, shrink, explore, check, viz, list");
  }
  std::cerr << "run 'faultline --help' or 'faultline VERB --help' for usage\n";
  return report_error("", e.what());
}

// No option's value may be empty: `--time ""` ran the default length and `--trace ""`
// wrote nothing, each without a word, where the numeric flags already refused it.
void refuse_empty_values(CLI::App& app) {
  const CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("expected a value, got an empty one") : std::string();
      },
      "");
  for (CLI::Option* option : app.get_options()) {
    if (option->get_type_size() != 0) option->check(non_empty);
  }
  for (CLI::App* verb : app.get_subcommands({})) refuse_empty_values(*verb);
}

// A planted bug named twice is refused, as an option set twice (--set) is, and as a
// scenario's bugs list refuses it.
std::string repeated_bug(const CLI::App& verb) {
  const CLI::Option* bug = verb.get_option_no_throw("--bug");
  if (bug == nullptr) return {};
  const std::vector<std::string>& given = bug->results();
  for (std::size_t i = 1; i < given.size(); ++i) {
    if (std::find(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(i), given[i]) !=
        given.begin() + static_cast<std::ptrdiff_t>(i)) {
      return given[i];
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace faultline::cli;
  set_json_errors(wants_json(argc, argv));
  install_interrupt_handler();
  CLI::App app{"faultline: a deterministic distributed-systems simulator and model checker"};
  app.set_version_flag("--version", std::string("faultline ") + FAULTLINE_VERSION + "\n");
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<Verb> verbs = {add_run_verb(app),    add_replay_verb(app),  add_fuzz_verb(app),
                             add_shrink_verb(app), add_explore_verb(app), add_check_verb(app),
                             add_viz_verb(app),    add_list_verb(app)};
  refuse_empty_values(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e, argc, argv);
  }
  for (const Verb& verb : verbs) {
    if (!verb.command->parsed()) continue;
    if (const std::string twice = repeated_bug(*verb.command); !twice.empty()) {
      return report_error(verb.command->get_name(), "--bug " + twice + ": given twice");
    }
    try {
      return verb.main();
    } catch (const std::exception& e) {
      // A verb's own errors are reported where they happen; this is the last guard, so
      // that even an unforeseen one is a message and an exit status, never an abort.
      return report_error(verb.command->get_name(), std::string("unexpected error: ") + e.what());
    }
  }
  return report_error("", "no verb given");
}
