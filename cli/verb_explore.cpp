// `faultline explore`: bounded exhaustive exploration of a small configuration (the
// explorer, docs/explorer.md). Counterexamples are saved as repro files that `replay`
// runs and `viz` draws.
#include <filesystem>
#include <iostream>
#include <limits>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "explorer/explorer.hpp"
#include "verbs.hpp"

#ifdef FAULTLINE_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

namespace faultline::cli {
namespace {

// The fault bounds are 32-bit: a larger value got CLI11's "Could not convert".
constexpr std::uint64_t kMaxBound = std::numeric_limits<std::uint32_t>::max();

struct ExploreFlags {
  std::string protocol;
  std::string scenario;
  std::string preset;
  std::vector<std::string> sets;
  std::vector<std::string> bugs;
  std::string strategy = "bfs";
  std::string por;
  std::string engine = "auto";
  std::uint64_t max_depth = 0;
  std::uint64_t max_states = 0;
  double time_budget = 0;
  std::uint64_t max_memory = 0;
  unsigned jobs = 1;
  std::uint32_t drops = 0, duplicates = 0, crashes = 0, restarts = 0, timeouts = 0;
  std::vector<std::string> crash;
  std::uint64_t walks = 10000;
  std::uint64_t seed = 1;
  unsigned pct_depth = 3;
  std::string out;
  bool json = false;
  bool shortest = false;
  bool symmetry = false;
  // Which flags were given (a budget flag overrides the preset's value).
  std::map<std::string, const CLI::Option*> given;
  bool has(const std::string& flag) const {
    auto it = given.find(flag);
    return it != given.end() && it->second->count() > 0;
  }
};

explorer::Strategy parse_strategy(const std::string& s) {
  if (s == "bfs") return explorer::Strategy::bfs;
  if (s == "dfs") return explorer::Strategy::dfs;
  if (s == "pct") return explorer::Strategy::pct;
  if (s == "random-walk") return explorer::Strategy::random_walk;
  throw protocols::BadInput("--strategy " + s, "expected bfs, dfs, pct or random-walk");
}

explorer::Reduction parse_reduction(const std::string& s, explorer::Strategy strategy) {
  if (s.empty()) return strategy == explorer::Strategy::dfs ? explorer::Reduction::sleep : explorer::Reduction::none;
  if (s == "none") return explorer::Reduction::none;
  if (s == "sleep") return explorer::Reduction::sleep;
  if (s == "dpor") return explorer::Reduction::dpor;
  throw protocols::BadInput("--por " + s, "expected none, sleep or dpor");
}

explorer::Engine parse_engine(const std::string& s) {
  if (s == "auto") return explorer::Engine::automatic;
  if (s == "pure") return explorer::Engine::pure;
  if (s == "simulator") return explorer::Engine::simulator;
  throw protocols::BadInput("--engine " + s, "expected auto, pure or simulator");
}

explorer::Target make_target(const ExploreFlags& f) {
  if (f.protocol.empty() == f.scenario.empty()) {
    throw protocols::BadInput("", "give --protocol P or --scenario FILE.json");
  }
  const protocols::Options sets = parse_sets(f.sets);
  explorer::Target t;
  if (!f.scenario.empty()) {
    if (!f.preset.empty()) throw protocols::BadInput("--preset", "a scenario file sets the configuration");
    t = explorer::target_for_scenario(scenarios::load_scenario(f.scenario), sets, f.bugs);
  } else {
    t = explorer::target_for_protocol(protocol_named(f.protocol, "--protocol"), f.preset, sets, f.bugs);
  }
  sim::ExploreConfig& b = t.explore.budget;
  if (f.has("--drops")) b.drops = f.drops;
  if (f.has("--duplicates")) b.duplicates = f.duplicates;
  if (f.has("--crashes")) b.crashes = f.crashes;
  if (f.has("--restarts")) b.restarts = f.restarts;
  if (f.has("--timeouts")) b.timeouts = f.timeouts;
  if (f.has("--crash")) t.explore.crash_groups = f.crash;
  // --crash for a search without crashes did nothing, silently (a scenario's "crash"
  // without "crashes" is refused where the file is read; --crashes 0 with a preset that
  // names crash groups is the user turning crashes off).
  if (f.has("--crash") && b.crashes == 0) {
    throw protocols::BadInput("--crash",
                              "names the nodes a crash may hit, but the search has "
                              "no crashes: give --crashes N");
  }
  return t;
}

explorer::Options make_options(const ExploreFlags& f, const explorer::Target& t) {
  explorer::Options o;
  // The preset's preferred search, unless the user chose one. A reduction other than none
  // is for DFS: --por without --strategy means DFS.
  const bool own = f.has("--strategy") || f.has("--por");
  const std::string strategy =
      !f.has("--strategy") && f.has("--por") && f.por != "none" ? std::string("dfs") : f.strategy;
  if (f.shortest) {
    // DFS without reduction, unless the user said otherwise (validate() refuses a reduction).
    o.strategy = parse_strategy(f.has("--strategy") ? f.strategy : "dfs");
    o.reduction = parse_reduction(f.has("--por") ? f.por : "none", o.strategy);
  } else if (f.symmetry && !f.has("--por")) {
    // The preset's search without its reduction (validate() refuses one with symmetry).
    o.strategy = parse_strategy(own || t.strategy.empty() ? strategy : t.strategy);
    o.reduction = explorer::Reduction::none;
  } else {
    o.strategy = parse_strategy(own || t.strategy.empty() ? strategy : t.strategy);
    o.reduction = parse_reduction(own || t.reduction.empty() ? f.por : t.reduction, o.strategy);
  }
  // Flags of the sampling searches do nothing to an exhaustive one: said, not ignored.
  const bool walks =
      o.strategy == explorer::Strategy::pct || o.strategy == explorer::Strategy::random_walk;
  for (const char* flag : {"--walks", "--seed", "--pct-depth"}) {
    const bool pct_only = std::string_view(flag) == "--pct-depth";
    if (f.has(flag) && (!walks || (pct_only && o.strategy != explorer::Strategy::pct))) {
      throw protocols::BadInput(
          flag, std::string("is for --strategy ") + (pct_only ? "pct" : "pct or random-walk") +
                    "; this search is " + std::string(explorer::strategy_name(o.strategy)));
    }
  }
  o.engine = parse_engine(f.engine);
  if (f.has("--max-depth") && f.max_depth == 0) {
    throw protocols::BadInput("--max-depth 0", "a path has at least one step; leave it out for no bound");
  }
  if (f.has("--max-states") && f.max_states == 0) {
    throw protocols::BadInput("--max-states 0", "at least 1; leave it out for no bound");
  }
  if (f.has("--max-memory") && f.max_memory == 0) {
    throw protocols::BadInput("--max-memory 0", "at least 1 MiB; leave it out for the default");
  }
  if (f.time_budget < 0) throw protocols::BadInput("--time-budget", "must not be negative");
  if (f.jobs > 1024) throw protocols::BadInput("--jobs", "expected 1 to 1024 threads");
  o.max_depth = f.max_depth;
  o.max_states = f.max_states;
  o.time_budget_s = f.time_budget;
  o.max_memory_mb = f.max_memory;
  o.jobs = f.jobs;
  o.walks = f.walks;
  o.seed = f.seed;
  o.pct_depth = f.pct_depth;
  o.shortest = f.shortest;
  o.symmetry = f.symmetry;
  o.progress = true;  // shown only on a terminal
  return o;
}

// Saves a path as a repro file in --out; returns its path and whether it reproduced.
nlohmann::json save_path(const ExploreFlags& f, const explorer::Target& t,
                         const explorer::Counterexample& c, const std::string& name) {
  const explorer::ReproOutcome r = explorer::counterexample_repro(t, c, FAULTLINE_VERSION);
  nlohmann::json j = {{"reproduced", r.reproduced}};
  if (!r.explanation.empty()) j["explanation"] = r.explanation;
  if (f.out.empty()) return j;
  j["repro"] = save_in_out_dir(f.out + "/" + name, scenarios::repro_to_json(r.repro).dump(1) + "\n");
  return j;
}

// With tcmalloc (cmake/faultline.cmake), freed pages are kept for reuse; a visited set
// frees its old table each time it doubles (gigabytes), and with the pages kept the
// peak memory was 46% higher (Paxos's lossy preset: 0.73 GB with glibc's malloc, 1.07 GB
// with tcmalloc as it comes). Returning freed spans at once keeps glibc's peak.
void return_freed_memory_at_once() {
#ifdef FAULTLINE_TCMALLOC
  MallocExtension::instance()->SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
#endif
}

int explore_main(const ExploreFlags& f) {
  return_freed_memory_at_once();
  try {
    const explorer::Target t = make_target(f);
    const explorer::Options o = make_options(f, t);
    explorer::validate(t, o);
    if (!f.out.empty()) check_out_dir(f.out, "--out");
    const explorer::Result r = explorer::explore(t, o);
    nlohmann::json summary = explorer::result_json(t, r);
    const std::string stem = t.protocol->name + (t.spec.bugs.empty() ? "" : "-" + t.spec.bugs.front());
    if (r.counterexample) summary["counterexample"]["replay"] = save_path(f, t, *r.counterexample, stem + "-counterexample");
    if (r.stuck) summary["liveness"]["replay"] = save_path(f, t, *r.stuck, stem + "-liveness");
    if (f.json) {
      std::cout << summary.dump() << '\n';
    } else {
      std::cout << explorer::result_text(t, r);
      for (const char* key : {"counterexample", "liveness"}) {
        if (!summary[key].is_object()) continue;
        const nlohmann::json& replay = summary[key]["replay"];
        std::cout << key << (replay["reproduced"].get<bool>() ? ": the simulator reproduces it"
                                                              : ": NOT reproduced by the simulator: " +
                                                                    replay.value("explanation", std::string()));
        if (replay.contains("repro")) {
          const std::string path = replay["repro"];
          std::cout << "; repro " << path << " (faultline replay " << path << "; add --html PAGE.html to draw it)";
        }
        std::cout << "\n";
      }
    }
    const bool reproduced = !(r.counterexample && !summary["counterexample"]["replay"]["reproduced"].get<bool>()) &&
                            !(r.stuck && !summary["liveness"]["replay"]["reproduced"].get<bool>());
    if (!reproduced) return kExitCheckFailed;
    return exit_status_for(r.verdict());
  } catch (const protocols::BadInput& e) {
    return report_error("explore", e.what());
  }
}

}  // namespace

Verb add_explore_verb(CLI::App& app) {
  auto f = std::make_shared<ExploreFlags>();
  CLI::App* cmd = app.add_subcommand("explore", "explore a small configuration exhaustively (model checking)");
  cmd->add_option("--protocol,-p", f->protocol, "protocol (its first explore preset unless --preset)");
  cmd->add_option("--scenario", f->scenario, "a scenario file; its \"explore\" block sets the budgets");
  cmd->add_option("--preset", f->preset, "a named small configuration of the protocol (see list)");
  cmd->add_option("--set", f->sets, "NAME=VALUE: a protocol option (repeatable)");
  cmd->add_option("--bug", f->bugs, "switch on a planted bug (repeatable)");
  f->given["--strategy"] =
      cmd->add_option("--strategy", f->strategy, "bfs, dfs, pct or random-walk (default: the preset's, else bfs)");
  f->given["--por"] = cmd->add_option("--por", f->por, "partial-order reduction for dfs: sleep (default), dpor or none");
  cmd->add_option("--engine", f->engine, "auto, pure (the protocol's model) or simulator")->capture_default_str();
  f->given["--max-depth"] = cmd->add_option("--max-depth", f->max_depth, "cut paths longer than this")->check(count_validator());
  f->given["--max-states"] = cmd->add_option("--max-states", f->max_states, "stop after this many states")->check(count_validator());
  cmd->add_option("--time-budget", f->time_budget,
                  "stop after this many seconds (not exhaustive then); 0: no limit, the default")
      ->check(seconds_validator());
  f->given["--max-memory"] = cmd->add_option("--max-memory", f->max_memory,
                                             "stop at this much resident memory, MiB (not exhaustive then; "
                                             "default: 3/4 of the machine's)")
                                 ->check(count_validator());
  cmd->add_option("--jobs,-j", f->jobs, "threads (bfs, pct, random-walk)")->capture_default_str()->check(count_validator(1, 1024));
  f->given["--drops"] =
      cmd->add_option("--drops", f->drops, "messages the network may lose per path")
          ->check(count_validator(0, kMaxBound));
  f->given["--duplicates"] =
      cmd->add_option("--duplicates", f->duplicates, "messages it may deliver twice")
          ->check(count_validator(0, kMaxBound));
  f->given["--crashes"] = cmd->add_option("--crashes", f->crashes, "node crashes per path")
                              ->check(count_validator(0, kMaxBound));
  f->given["--restarts"] =
      cmd->add_option("--restarts", f->restarts, "restarts of crashed nodes per path")
          ->check(count_validator(0, kMaxBound));
  f->given["--timeouts"] = cmd->add_option("--timeouts", f->timeouts, "timer firings per node")
                               ->check(count_validator(0, kMaxBound));
  f->given["--crash"] = cmd->add_option("--crash", f->crash, "a group or node a crash may hit (repeatable)");
  f->given["--walks"] = cmd->add_option("--walks", f->walks, "pct, random-walk: how many walks")
                            ->capture_default_str()
                            ->check(count_validator(1));
  f->given["--seed"] = cmd->add_option("--seed", f->seed, "pct, random-walk: the walks' seed")
                           ->capture_default_str()
                           ->check(seed_validator());
  f->given["--pct-depth"] = cmd->add_option("--pct-depth", f->pct_depth, "pct: the bug depth d")
                                ->capture_default_str()
                                ->check(count_validator(1, 64));
  cmd->add_flag("--shortest", f->shortest,
                "dfs: after a violation, search on for shorter ones; a shortest counterexample in "
                "a visited set's memory (BFS keeps whole frontiers)");
  cmd->add_flag("--symmetry", f->symmetry,
                "states up to a renaming of interchangeable nodes (2PC's participants, read-all only): "
                "bfs, or dfs with --por none (the default then)");
  cmd->add_option("--out", f->out, "save counterexamples here as repro files");
  cmd->add_flag("--json", f->json, "print a JSON summary as the last line");
  return Verb{cmd, [f] { return explore_main(*f); }};
}

}  // namespace faultline::cli
