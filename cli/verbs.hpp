#pragma once
// Each verb of `faultline` lives in its own verb_*.cpp: it adds its subcommand to the app
// and returns the function that runs it once the command line has been parsed.
#include <CLI/CLI.hpp>

#include <functional>

namespace faultline::cli {

// Runs a parsed verb; returns the process exit status (see exit_status.hpp).
using VerbMain = std::function<int()>;

struct Verb {
  CLI::App* command = nullptr;
  VerbMain main;
};

Verb add_run_verb(CLI::App& app);
Verb add_replay_verb(CLI::App& app);
Verb add_fuzz_verb(CLI::App& app);
Verb add_shrink_verb(CLI::App& app);
Verb add_explore_verb(CLI::App& app);
Verb add_check_verb(CLI::App& app);
Verb add_viz_verb(CLI::App& app);
Verb add_list_verb(CLI::App& app);

}  // namespace faultline::cli
