#pragma once
// The trace views as outputs of a verb: `viz TRACE` and `run` both take --html, --dot,
// --svg, --png (and --print, --only, --kinds, --from, --to), and both hand a trace to
// the viz library here, so the two verbs write the same pages.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "viz/select.hpp"
#include "viz/trace.hpp"

namespace faultline::cli {

struct VizFlags {
  std::string html, dot, svg, png;
  bool print = false;
  viz::SelectionFlags select;
  std::size_t limit = 1500;

  bool any_file() const { return !html.empty() || !dot.empty() || !svg.empty() || !png.empty(); }
  bool wants_trace() const { return any_file() || print; }
};

// --html --dot --svg --png
void add_viz_output_flags(CLI::App* cmd, VizFlags& flags);
// --only --kinds --from --to --limit
void add_viz_selection_flags(CLI::App* cmd, VizFlags& flags);

// --html, --dot, --svg, --png as outputs, for check_distinct_paths beside the verb's own
// files (so a page cannot overwrite the scenario, the repro or the --history file).
std::vector<PathUse> viz_output_paths(const VizFlags& flags);

// Before any work: every output can be written (its directory exists), none is the input
// or another output, --kinds, --from and --to read, and Graphviz is installed when --svg
// or --png asks for it. Throws
// protocols::BadInput naming the flag.
// `input_path` is the file no output may be: the trace viz reads, or the one run writes
// (`input_name` says which, for the message).
void check_viz_outputs(const VizFlags& flags, const std::string& input_path,
                       const std::string& input_name = "the input trace");

// Prints (--print) and writes every output asked for, each atomically; says where each
// went on `out` unless `quiet`, and adds {"html": path, ...} to `summary`. A diagram cut
// to a window says so on standard error. Throws
// protocols::BadInput for a selection that does not fit the trace or a failed write.
void write_viz_outputs(const viz::Trace& trace, const VizFlags& flags, std::ostream& out,
                       bool quiet, nlohmann::json& summary);

}  // namespace faultline::cli
