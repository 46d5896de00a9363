// `faultline run`: one run of a scenario file or of a protocol, with its verdict, trace,
// history and repro file. A protocol run is a scenario too (scenario_for_run), so both
// take the same path and a repro file can hold either.
#include <iostream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "scenarios/repro.hpp"
#include "sim/trace_export.hpp"
#include "verbs.hpp"
#include "viz_outputs.hpp"

namespace faultline::cli {
namespace {

struct RunFlags {
  std::string scenario;
  std::string protocol;
  std::uint64_t seed = 1;
  bool seed_given = false;
  std::vector<std::string> sets;
  std::vector<std::string> bugs;
  std::string faults = "none";
  bool faults_given = false;
  std::string time;
  std::uint64_t max_events = 0;
  std::string trace_path;
  std::string history_path;
  std::string repro_path;
  bool print = false;
  bool json = false;
  VizFlags viz;  // --html, --dot, --svg, --png and what --print and they show
};

// The command line that makes exactly this run again.
std::string reproduce_line(const RunFlags& f, const scenarios::Scenario& s,
                           const protocols::RunSpec& spec) {
  std::string line = "faultline run ";
  line += f.scenario.empty() ? "--protocol " + s.protocol + " --faults " + f.faults : f.scenario;
  line += " --seed " + std::to_string(spec.seed);
  for (const std::string& set : f.sets) line += " --set " + set;
  for (const std::string& bug : f.bugs) line += " --bug " + bug;
  line += " --time " + sim::format_time(spec.time_limit_ns);
  if (f.max_events > 0) line += " --max-events " + std::to_string(f.max_events);
  return line;
}

scenarios::Scenario scenario_of(const RunFlags& f, scenarios::Overrides& o) {
  o.sets = parse_sets(f.sets);
  o.bugs = f.bugs;
  if (f.seed_given) o.seed = f.seed;
  if (!f.time.empty()) {
    o.time_ns = protocols::parse_duration(f.time, "--time");
    if (*o.time_ns <= 0) throw protocols::BadInput("--time", "must be above 0");
    // A scenario's run_ms is bounded so (about 115 days); say so here, not of "$.run_ms".
    constexpr sim::Duration kTimeMax = sim::Duration{scenarios::kMaxMillis} * sim::kMillisecond;
    if (*o.time_ns > kTimeMax) {
      throw protocols::BadInput("--time " + f.time, "at most 10000000s (about 115 days)");
    }
  }
  o.max_events = f.max_events;
  if (!f.scenario.empty()) {
    if (!f.protocol.empty()) {
      throw protocols::BadInput("--protocol", "give a scenario file or --protocol, not both");
    }
    if (f.faults_given) {
      throw protocols::BadInput("--faults", "a scenario file says its faults (random_faults)");
    }
    return scenarios::load_scenario(f.scenario);
  }
  if (f.protocol.empty()) {
    throw protocols::BadInput("", "give a scenario file or --protocol (see 'faultline list')");
  }
  const protocols::Protocol& protocol = protocol_named(f.protocol, "--protocol");
  protocols::RunSpec spec;
  spec.seed = f.seed;
  spec.time_limit_ns = o.time_ns.value_or(protocol.default_time_ns);
  (void)protocols::fault_profile(protocol, f.faults, spec.time_limit_ns);  // names --faults
  o.time_ns = spec.time_limit_ns;
  o.seed = f.seed;
  return scenarios::scenario_for_run(protocol, spec, f.faults);
}

nlohmann::json trace_meta(const RunFlags& f, const scenarios::Scenario& s,
                          const scenarios::ScenarioRun& r) {
  nlohmann::json meta = {{"protocol", s.protocol},
                         {"seed", r.spec.seed},
                         {"options", r.out.config.options.as_text()},
                         {"bugs", r.spec.bugs},
                         {"faults", s.random_faults},
                         {"time_ns", r.spec.time_limit_ns},
                         {"max_events", r.spec.max_events},
                         {"command", reproduce_line(f, s, r.spec)}};
  if (!r.out.swarm.empty()) meta["swarm"] = r.out.swarm;
  if (!r.out.swarm_quieted.empty()) meta["swarm_quieted"] = r.out.swarm_quieted;
  if (!f.scenario.empty()) {
    meta["scenario"] = {{"name", s.name}, {"description", s.description}, {"file", s.file}};
  }
  if (!r.timeline.empty()) meta["timeline"] = r.timeline;
  return meta;
}

int status_of(const scenarios::ExpectationResult& e) {
  if (e.met) return kExitOk;
  return e.undecided ? kExitUnknown : kExitCheckFailed;
}

int run_main(const RunFlags& flags) {
  try {
    scenarios::Overrides o;
    const scenarios::Scenario s = scenario_of(flags, o);
    o.keep_payloads = !flags.trace_path.empty() || flags.print || flags.viz.any_file();
    o.keep_digests = !flags.repro_path.empty();
    // Check the output paths before the run, so a typo does not cost the run; none may be
    // the scenario file itself, which writing there would destroy.
    std::vector<PathUse> paths = {{"scenario", flags.scenario, false},
                                  {"--trace", flags.trace_path},
                                  {"--history", flags.history_path},
                                  {"--save-repro", flags.repro_path}};
    for (PathUse& p : viz_output_paths(flags.viz)) paths.push_back(std::move(p));
    check_distinct_paths(paths);
    OutputFile trace_out(flags.trace_path, "--trace");
    OutputFile history_out(flags.history_path, "--history");
    OutputFile repro_out(flags.repro_path, "--save-repro");
    check_viz_outputs(flags.viz, flags.trace_path, "--trace's file");

    const scenarios::ScenarioRun r = scenarios::run_scenario(s, o);
    const protocols::Protocol& protocol = *protocols::find_protocol(s.protocol);
    nlohmann::json summary = protocols::run_summary(protocol, r.spec, r.out);
    if (!flags.scenario.empty()) summary["scenario"] = s.name;
    if (r.expectations.checked) {
      summary["expectations"] = {{"met", r.expectations.met}, {"unmet", r.expectations.unmet}};
    }
    const int status = status_of(r.expectations);
    if (status != kExitOk) summary["reproduce"] = reproduce_line(flags, s, r.spec);
    // Random faults of a kind the protocol does not claim to tolerate run as asked; a
    // violation under them may be the fault's doing, and the summary says so.
    if (auto kinds = untolerated_faults(protocol, r.spec.faults); !kinds.empty()) {
      summary["untolerated_faults"] = kinds;
    }
    nlohmann::json trace_json;  // built once, for --trace and for the views
    if (trace_out || flags.print || flags.viz.any_file()) {
      trace_json = sim::trace_to_json(*r.out.sim, r.out.result, trace_meta(flags, s, r));
      trace_json["result"]["checks"] = summary["checks"];
      trace_json["result"]["verdict"] = summary["verdict"];
    }
    if (trace_out) {
      trace_out.stream() << trace_json.dump() << '\n';
      trace_out.commit();
    }
    nlohmann::json viz_written = nlohmann::json::object();  // flag -> path, said after the summary
    if (flags.print || flags.viz.any_file()) {
      VizFlags viz = flags.viz;
      viz.print = flags.print;
      auto trace = viz::parse_trace(std::move(trace_json), "this run's trace");
      if (!trace) throw protocols::BadInput(trace.error().where, trace.error().what);
      write_viz_outputs(*trace, viz, std::cout, true, viz_written);
    }
    if (history_out) {
      write_history(history_out.stream(), r.out.sim->history(), r.out.run->checks);
      history_out.commit();
    }
    if (repro_out) {
      repro_out.stream() << scenarios::repro_to_json(scenarios::make_repro(s, r, FAULTLINE_VERSION)).dump(1)
                         << '\n';
      repro_out.commit();
    }
    std::ostream& report = report_stream(paths);
    print_run_summary(report, *r.out.sim, r.out.result, summary, flags.json);
    if (!flags.json) {
      if (r.expectations.checked) {
        report << "expectations: " << (r.expectations.met ? "met" : "NOT met") << '\n';
        for (const std::string& why : r.expectations.unmet) report << "  " << why << '\n';
      }
      if (const std::string note = untolerated_note(protocol, r.spec.faults); !note.empty()) {
        report << note << '\n';
      }
      if (status != kExitOk) report << "reproduce: " << reproduce_line(flags, s, r.spec) << '\n';
      if (!flags.trace_path.empty()) report << "trace: " << flags.trace_path << '\n';
      for (const auto& [flag, path] : viz_written.items()) {
        report << flag << ": " << path.get<std::string>() << '\n';
      }
      if (!flags.repro_path.empty()) report << "repro: " << flags.repro_path << '\n';
    }
    return status;
  } catch (const protocols::BadInput& e) {
    return report_error("run", e.what());
  }
}

}  // namespace

Verb add_run_verb(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "one run of a scenario file or of a protocol");
  cmd->add_option("scenario", flags->scenario, "scenario file (docs/scenarios.md)");
  cmd->add_option("--protocol,-p", flags->protocol, "protocol to run (see 'faultline list')");
  cmd->add_option_function<std::uint64_t>(
         "--seed,-s",
         [flags](std::uint64_t seed) {
           flags->seed = seed;
           flags->seed_given = true;
         },
         "seed of the run's choices (default: the scenario's, or 1)")
      ->check(seed_validator());
  cmd->add_option("--set", flags->sets, "protocol option NAME=VALUE (repeatable)");
  cmd->add_option("--bug", flags->bugs, "switch on a planted bug (repeatable)");
  cmd->add_option_function<std::string>(
         "--faults",
         [flags](const std::string& faults) {
           flags->faults = faults;
           flags->faults_given = true;
         },
         "random fault schedule: none, all (every kind the protocol tolerates), swarm (a per-seed "
         "subset, pace and options), or KIND,KIND,... (default none)");
  cmd->add_option("--time", flags->time, "simulated run length, e.g. 10s (default: protocol's)");
  cmd->add_option("--max-events", flags->max_events,
                  "event bound (default 20,000,000): the run stops once its trace holds this many "
                  "events, checked after each step, so a step's sends and notes may go a few over")
      ->check(count_validator(1));
  cmd->add_option("--trace", flags->trace_path, "write the JSON trace to this file");
  cmd->add_option("--history", flags->history_path, "write the client history (JSONL) here");
  cmd->add_option("--save-repro", flags->repro_path,
                  "write a repro file (scenario, seed and tape) that replays this run exactly");
  cmd->add_flag("--print", flags->print,
                "print the events as a readable log (disk and timer events hidden unless --kinds)");
  add_viz_output_flags(cmd, flags->viz);
  add_viz_selection_flags(cmd, flags->viz);
  cmd->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{cmd, [flags] { return run_main(*flags); }};
}

}  // namespace faultline::cli
