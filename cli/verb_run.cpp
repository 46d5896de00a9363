// `faultline run`: one run of a protocol, with its verdict, trace and history.
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "sim/trace_export.hpp"
#include "verbs.hpp"
#include "viz_outputs.hpp"

namespace faultline::cli {
namespace {

struct RunFlags {
  std::string scenario;
  std::string protocol;
  std::uint64_t seed = 1;
  std::vector<std::string> sets;
  std::vector<std::string> bugs;
  std::string faults = "none";
  std::string time;
  std::uint64_t max_events = 0;
  std::string trace_path;
  std::string history_path;
  bool print = false;
  bool json = false;
  VizFlags viz;  // --html, --dot, --svg, --png and what --print and they show
};

int run_main(const RunFlags& flags) {
  if (!flags.scenario.empty()) {
    std::cerr << "faultline run: scenario files are not available yet (they land with the "
                 "scenario format); use --protocol\n";
    return kExitBadInput;
  }
  if (flags.protocol.empty()) {
    std::cerr << "faultline run: --protocol is required (see 'faultline list')\n";
    return kExitBadInput;
  }
  try {
    const protocols::Protocol& protocol = protocol_named(flags.protocol, "--protocol");
    protocols::RunSpec spec;
    spec.seed = flags.seed;
    spec.options = parse_sets(flags.sets);
    spec.bugs = flags.bugs;
    spec.time_limit_ns = flags.time.empty()
                             ? protocol.default_time_ns
                             : protocols::parse_duration(flags.time, "--time");
    if (spec.time_limit_ns <= 0) throw protocols::BadInput("--time", "must be positive");
    spec.faults = protocols::fault_profile(flags.faults, spec.time_limit_ns);
    spec.swarm = flags.faults == "swarm";
    spec.max_events = flags.max_events;
    spec.keep_payloads = !flags.trace_path.empty() || flags.print || flags.viz.any_file();
    // Check the output paths before the run, so a typo does not cost the run.
    OutputFile trace_out(flags.trace_path, "--trace");
    OutputFile history_out(flags.history_path, "--history");
    check_viz_outputs(flags.viz, flags.trace_path, "--trace's file");

    protocols::RunOutput out = protocols::run_protocol(protocol, spec);
    const nlohmann::json summary = protocols::run_summary(protocol, spec, out);
    nlohmann::json trace_json;  // built once, for --trace and for the views
    if (trace_out || flags.print || flags.viz.any_file()) {
      nlohmann::json meta = {{"protocol", protocol.name},
                             {"seed", spec.seed},
                             {"options", spec.options.values()},
                             {"bugs", spec.bugs},
                             {"faults", flags.faults}};
      trace_json = sim::trace_to_json(*out.sim, out.result, meta);
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
      out.sim->history().write_jsonl(history_out.stream());
      history_out.commit();
    }
    print_run_summary(std::cout, *out.sim, out.result, summary, flags.json);
    if (!flags.trace_path.empty() && !flags.json) {
      std::cout << "trace: " << flags.trace_path << "\n";
    }
    for (const auto& [flag, path] : viz_written.items()) {
      if (!flags.json) std::cout << flag << ": " << path.get<std::string>() << "\n";
    }
    return exit_status_for(out.result.verdict);
  } catch (const protocols::BadInput& e) {
    std::cerr << "faultline run: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace

Verb add_run_verb(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "one run of a protocol (or, later, a scenario file)");
  cmd->add_option("scenario", flags->scenario, "scenario file (not available yet)");
  cmd->add_option("--protocol,-p", flags->protocol, "protocol to run (see 'faultline list')");
  cmd->add_option("--seed,-s", flags->seed, "seed of the run's choices")->capture_default_str();
  cmd->add_option("--set", flags->sets, "protocol option NAME=VALUE (repeatable)");
  cmd->add_option("--bug", flags->bugs, "switch on a planted bug (repeatable)");
  cmd->add_option("--faults", flags->faults,
                  "fault schedule: none, all (every kind), swarm (a per-seed subset)")
      ->capture_default_str();
  cmd->add_option("--time", flags->time, "simulated run length, e.g. 10s (default: protocol's)");
  cmd->add_option("--max-events", flags->max_events, "event bound (default 20,000,000)");
  cmd->add_option("--trace", flags->trace_path, "write the JSON trace to this file");
  cmd->add_option("--history", flags->history_path, "write the client history (JSONL) here");
  cmd->add_flag("--print", flags->print,
                "print the events as a readable log (disk and timer events hidden unless --kinds)");
  add_viz_output_flags(cmd, flags->viz);
  add_viz_selection_flags(cmd, flags->viz);
  cmd->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{cmd, [flags] { return run_main(*flags); }};
}

}  // namespace faultline::cli
