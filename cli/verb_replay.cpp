// `faultline replay REPRO.json`: the exact run a repro file holds, checked by its trace
// hash; on a mismatch, the first event that differs.
#include <iostream>
#include <vector>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "scenarios/repro.hpp"
#include "sim/trace_export.hpp"
#include "verbs.hpp"
#include "viz_outputs.hpp"

namespace faultline::cli {
namespace {

struct ReplayFlags {
  std::string repro;
  std::string trace_path;
  std::string history_path;
  bool print = false;
  bool json = false;
  VizFlags viz;
};

int replay_main(const ReplayFlags& flags) {
  try {
    const scenarios::Repro repro = scenarios::load_repro(flags.repro);
    std::vector<PathUse> paths = {{"repro", flags.repro, false},
                                  {"--trace", flags.trace_path},
                                  {"--history", flags.history_path}};
    for (PathUse& p : viz_output_paths(flags.viz)) paths.push_back(std::move(p));
    check_distinct_paths(paths);
    OutputFile trace_out(flags.trace_path, "--trace");
    OutputFile history_out(flags.history_path, "--history");
    check_viz_outputs(flags.viz, flags.trace_path, "--trace's file");
    const bool views = flags.print || flags.viz.any_file();
    const scenarios::ReplayResult r = scenarios::replay(repro, !flags.trace_path.empty() || views);
    const scenarios::Scenario s = scenarios::parse_scenario(repro.scenario, flags.repro + ": $.scenario");
    const protocols::Protocol& protocol = *protocols::find_protocol(s.protocol);
    nlohmann::json summary = protocols::run_summary(protocol, r.run.spec, r.run.out);
    summary["reproduced"] = r.reproduced;
    summary["recorded_trace_hash"] = sim::format_hash(repro.trace_hash);
    if (auto kinds = untolerated_faults(protocol, r.run.spec.faults); !kinds.empty()) {
      summary["untolerated_faults"] = kinds;
    }
    if (!r.reproduced) summary["divergence"] = r.explanation;
    if (r.run.expectations.checked) {
      summary["expectations"] = {{"met", r.run.expectations.met}, {"unmet", r.run.expectations.unmet}};
    }
    nlohmann::json viz_written = nlohmann::json::object();
    if (trace_out || views) {
      const nlohmann::json meta = {{"protocol", s.protocol}, {"seed", repro.seed},
                                   {"replayed_from", flags.repro},
                                   {"scenario", {{"name", s.name}, {"description", s.description}}},
                                   {"timeline", r.run.timeline}};
      nlohmann::json trace = sim::trace_to_json(*r.run.out.sim, r.run.out.result, meta);
      trace["result"]["checks"] = summary["checks"];
      trace["result"]["verdict"] = summary["verdict"];
      if (trace_out) {
        trace_out.stream() << trace.dump() << '\n';
        trace_out.commit();
      }
      if (views) {
        VizFlags viz = flags.viz;
        viz.print = flags.print;
        auto parsed = viz::parse_trace(std::move(trace), "the replayed run's trace");
        if (!parsed) throw protocols::BadInput(parsed.error().where, parsed.error().what);
        write_viz_outputs(*parsed, viz, std::cout, true, viz_written);
      }
    }
    if (history_out) {
      write_history(history_out.stream(), r.run.out.sim->history(), r.run.out.run->checks);
      history_out.commit();
    }
    std::ostream& report = report_stream(paths);
    print_run_summary(report, *r.run.out.sim, r.run.out.result, summary, flags.json);
    if (!flags.json) {
      report << (r.reproduced ? "replay: reproduced exactly (trace hash " +
                                       sim::format_hash(repro.trace_hash) + ")"
                                 : "replay: DIVERGED — " + r.explanation)
                << '\n';
      for (const auto& [flag, path] : viz_written.items()) {
        report << flag << ": " << path.get<std::string>() << '\n';
      }
      if (const std::string note = untolerated_note(protocol, r.run.spec.faults); !note.empty()) {
        report << note << '\n';
      }
    }
    if (!r.reproduced) return kExitCheckFailed;
    const scenarios::ExpectationResult& e = r.run.expectations;
    return e.met ? kExitOk : (e.undecided ? kExitUnknown : kExitCheckFailed);
  } catch (const protocols::BadInput& e) {
    return report_error("replay", e.what());
  }
}

}  // namespace

Verb add_replay_verb(CLI::App& app) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* cmd = app.add_subcommand("replay", "replay the exact run a repro file holds");
  cmd->add_option("repro", flags->repro, "repro file (faultline-repro/1)")->required();
  cmd->add_option("--trace", flags->trace_path, "write the replayed run's JSON trace here");
  cmd->add_option("--history", flags->history_path, "write its client history (JSONL) here");
  cmd->add_flag("--print", flags->print,
                "print the events as a readable log (disk and timer events hidden unless --kinds)");
  add_viz_output_flags(cmd, flags->viz);
  add_viz_selection_flags(cmd, flags->viz);
  cmd->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{cmd, [flags] { return replay_main(*flags); }};
}

}  // namespace faultline::cli
