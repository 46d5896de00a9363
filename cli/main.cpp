// faultline: the command. Parses the verb and its flags (CLI11) and runs it.
// Usage errors exit 2 with a message naming the flag.
#include <iostream>
#include <vector>

#include "exit_status.hpp"
#include "verbs.hpp"

#ifndef FAULTLINE_VERSION
#define FAULTLINE_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace faultline::cli;
  CLI::App app{"faultline: a deterministic distributed-systems simulator and model checker"};
  app.set_version_flag("--version", std::string("faultline ") + FAULTLINE_VERSION + "\n");
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<Verb> verbs = {add_run_verb(app),   add_replay_verb(app),  add_fuzz_verb(app),
                             add_shrink_verb(app), add_explore_verb(app), add_check_verb(app),
                             add_viz_verb(app),   add_list_verb(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a misspelt verb as a missing one; name what was typed instead.
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::cerr << "faultline: unknown verb '" << argv[1]
                << "'; verbs: run, replay, fuzz, shrink, explore, check, viz, list\n";
      return kExitBadInput;
    }
    std::cerr << "faultline: " << e.what() << "\n";
    std::cerr << "run 'faultline --help' or 'faultline VERB --help' for usage\n";
    return kExitBadInput;
  }
  for (const Verb& verb : verbs) {
    if (verb.command->parsed()) return verb.main();
  }
  std::cerr << "faultline: no verb given\n";
  return kExitBadInput;
}
