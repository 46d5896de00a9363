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
};

int run_main(const RunFlags& flags) {
  if (!flags.scenario.empty()) {
    return report_error("run",
                        "scenario files are not available yet (they land with the scenario "
                        "format); use --protocol");
  }
  if (flags.protocol.empty()) {
    return report_error("run", "--protocol is required (see 'faultline list')");
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
    spec.keep_payloads = !flags.trace_path.empty() || flags.print;
    // Check the output paths before the run, so a typo does not cost the run.
    check_distinct_paths({{"--trace", flags.trace_path}, {"--history", flags.history_path}});
    OutputFile trace_out(flags.trace_path, "--trace");
    OutputFile history_out(flags.history_path, "--history");

    protocols::RunOutput out = protocols::run_protocol(protocol, spec);
    const nlohmann::json summary = protocols::run_summary(protocol, spec, out);
    if (flags.print) sim::print_trace(*out.sim, std::cout);
    if (trace_out) {
      nlohmann::json meta = {{"protocol", protocol.name},
                             {"seed", spec.seed},
                             {"options", spec.options.values()},
                             {"bugs", spec.bugs},
                             {"faults", flags.faults}};
      trace_out.stream() << sim::trace_to_json(*out.sim, out.result, meta).dump() << '\n';
      trace_out.commit();
    }
    if (history_out) {
      out.sim->history().write_jsonl(history_out.stream());
      history_out.commit();
    }
    print_run_summary(std::cout, *out.sim, out.result, summary, flags.json);
    if (!flags.trace_path.empty() && !flags.json) {
      std::cout << "trace: " << flags.trace_path << "\n";
    }
    return exit_status_for(out.result.verdict);
  } catch (const protocols::BadInput& e) {
    return report_error("run", e.what());
  }
}

}  // namespace

Verb add_run_verb(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "one run of a protocol (or, later, a scenario file)");
  cmd->add_option("scenario", flags->scenario, "scenario file (not available yet)");
  cmd->add_option("--protocol,-p", flags->protocol, "protocol to run (see 'faultline list')");
  cmd->add_option("--seed,-s", flags->seed, "seed of the run's choices")
      ->check(seed_validator())
      ->capture_default_str();
  cmd->add_option("--set", flags->sets, "protocol option NAME=VALUE (repeatable)");
  cmd->add_option("--bug", flags->bugs, "switch on a planted bug (repeatable)");
  cmd->add_option("--faults", flags->faults,
                  "fault schedule: none, all (every kind), swarm (a per-seed subset)")
      ->capture_default_str();
  cmd->add_option("--time", flags->time, "simulated run length, e.g. 10s (default: protocol's)");
  cmd->add_option("--max-events", flags->max_events, "event bound (default 20,000,000)")
      ->check(count_validator());
  cmd->add_option("--trace", flags->trace_path, "write the JSON trace to this file");
  cmd->add_option("--history", flags->history_path, "write the client history (JSONL) here");
  cmd->add_flag("--print", flags->print, "print every event as a readable log line");
  cmd->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{cmd, [flags] { return run_main(*flags); }};
}

}  // namespace faultline::cli
