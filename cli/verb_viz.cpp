// `faultline viz TRACE.json`: a trace file as an HTML page, a space-time diagram (DOT,
// SVG, PNG) or a filtered event log. Reads the trace alone (no simulation runs). Exit 0
// when every output was written, 2 for bad usage or a bad trace (file, JSON path, what
// was expected).
#include <iostream>
#include <memory>
#include <string>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "verbs.hpp"
#include "viz/trace.hpp"
#include "viz_outputs.hpp"

namespace faultline::cli {
namespace {

struct VizVerbFlags {
  std::string trace_path;
  VizFlags viz;
  std::uint64_t max_input_bytes = checker::kDefaultMaxInputBytes;
  bool json = false;
};

int viz_main(const VizVerbFlags& flags) {
  try {
    if (!flags.viz.wants_trace()) {
      throw protocols::BadInput("", "nothing to do: give --html, --dot, --svg, --png or --print");
    }
    check_viz_outputs(flags.viz, flags.trace_path);
    auto trace = viz::read_trace_file(flags.trace_path, flags.max_input_bytes);
    if (!trace) return report_error("viz", trace.error().message());
    nlohmann::json summary = {{"trace", flags.trace_path},
                              {"events", trace->events.size()},
                              {"nodes", trace->nodes.size()},
                              {"violations", trace->findings.size()}};
    write_viz_outputs(*trace, flags.viz, std::cout, flags.json, summary);
    if (flags.json) std::cout << summary.dump() << "\n";
    return kExitOk;
  } catch (const protocols::BadInput& e) {
    return report_error("viz", e.what());
  }
}

}  // namespace

Verb add_viz_verb(CLI::App& app) {
  auto flags = std::make_shared<VizVerbFlags>();
  CLI::App* cmd = app.add_subcommand(
      "viz", "turn a trace (run --trace) into an HTML page, a space-time diagram or a log");
  cmd->add_option("trace", flags->trace_path, "trace file (faultline run --trace FILE)")
      ->required();
  add_viz_output_flags(cmd, flags->viz);
  cmd->add_flag("--print", flags->viz.print,
                "print the events as a readable log (disk and timer events hidden unless --kinds)");
  add_viz_selection_flags(cmd, flags->viz);
  cmd->add_option("--max-input-bytes", flags->max_input_bytes,
                  "refuse a trace file larger than this (default 268435456, 256 MiB)")
      ->check(count_validator(1, checker::kMaxInputBytesLimit));
  cmd->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{cmd, [flags] { return viz_main(*flags); }};
}

}  // namespace faultline::cli
