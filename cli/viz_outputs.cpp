#include "viz_outputs.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "cli_common.hpp"
#include "viz/diagram.hpp"
#include "viz/dot.hpp"
#include "viz/history.hpp"
#include "viz/html.hpp"
#include "viz/text.hpp"

namespace faultline::cli {
namespace {

struct Output {
  const char* flag;
  const std::string* path;
};

std::vector<Output> outputs(const VizFlags& flags) {
  std::vector<Output> all = {
      {"--html", &flags.html}, {"--dot", &flags.dot}, {"--svg", &flags.svg}, {"--png", &flags.png}};
  std::vector<Output> given;
  for (const Output& o : all) {
    if (!o.path->empty()) given.push_back(o);
  }
  return given;
}

// A picture through Graphviz: the DOT text rendered by `dot`.
void render(const std::string& dot_text, const Output& o, const char* format) {
  const std::string problem = viz::render_graphviz(dot_text, format, *o.path);
  if (!problem.empty()) throw protocols::BadInput(std::string(o.flag) + " " + *o.path, problem);
}

void write_text(const Output& o, const std::string& text) {
  OutputFile file(*o.path, o.flag);
  file.stream() << text;
  file.commit();
}

}  // namespace

std::vector<PathUse> viz_output_paths(const VizFlags& flags) {
  std::vector<PathUse> paths;
  for (const Output& o : outputs(flags)) paths.push_back({o.flag, *o.path});
  return paths;
}

void add_viz_output_flags(CLI::App* cmd, VizFlags& flags) {
  cmd->add_option("--html", flags.html, "write the trace as one self-contained HTML page");
  cmd->add_option("--dot", flags.dot, "write a space-time diagram as Graphviz DOT");
  cmd->add_option("--svg", flags.svg, "draw the space-time diagram as SVG (needs Graphviz)");
  cmd->add_option("--png", flags.png, "draw the space-time diagram as PNG (needs Graphviz)");
}

void add_viz_selection_flags(CLI::App* cmd, VizFlags& flags) {
  cmd->add_option("--only", flags.select.only,
                  "only these nodes, e.g. s0,s1 (--print, diagram, page)");
  cmd->add_option("--kinds", flags.select.kinds,
                  "event kinds to show: message,fault,state,client,disk,timer,log or all "
                  "(default: all but disk and timer)");
  cmd->add_option("--from", flags.select.from, "from this simulated time, e.g. 1s or 250ms");
  cmd->add_option("--to", flags.select.to, "up to this simulated time, e.g. 3s");
  cmd->add_option("--limit", flags.limit, "events in the diagram at most")
      ->capture_default_str()
      ->check(count_validator(1));
}

void check_viz_outputs(const VizFlags& flags, const std::string& input_path,
                       const std::string& input_name) {
  const std::vector<Output> given = outputs(flags);
  for (std::size_t k = 0; k < given.size(); ++k) {
    const std::string where = std::string(given[k].flag) + " " + *given[k].path;
    if (!input_path.empty() && same_file(*given[k].path, input_path)) {
      throw protocols::BadInput(where, "is " + input_name + "; choose another file");
    }
    for (std::size_t j = 0; j < k; ++j) {
      if (same_file(*given[k].path, *given[j].path)) {
        throw protocols::BadInput(where, std::string("is also given to ") + given[j].flag);
      }
    }
    OutputFile probe(*given[k].path, given[k].flag);  // can it be written? (removed unused)
  }
  // Kinds and times need no trace: check them now, so a typo does not cost a run.
  auto words = viz::make_selection(viz::Trace{},
                                   {"", flags.select.kinds, flags.select.from, flags.select.to});
  if (!words) throw protocols::BadInput(words.error().where, words.error().what);
  if ((!flags.svg.empty() || !flags.png.empty()) && !viz::find_graphviz()) {
    throw protocols::BadInput(
        flags.svg.empty() ? "--png" : "--svg",
        "Graphviz's `dot` is not installed (Debian: apt-get install graphviz, or "
        "scripts/install-deps --with-optional); --dot FILE writes the diagram without it");
  }
}

void write_viz_outputs(const viz::Trace& trace, const VizFlags& flags, std::ostream& out,
                       bool quiet, nlohmann::json& summary) {
  auto selection = viz::make_selection(trace, flags.select);
  if (!selection) throw protocols::BadInput(selection.error().where, selection.error().what);
  if (flags.print) viz::print_text(trace, *selection, out);
  if (!flags.any_file()) return;
  const viz::Diagram diagram = viz::build_diagram(trace);
  std::optional<viz::DotOutput> dot;  // one diagram for --dot, --svg and --png
  for (const Output& o : outputs(flags)) {
    if (o.path == &flags.html) {
      auto history = viz::check_history(trace);
      if (!history) throw protocols::BadInput(history.error().where, history.error().what);
      write_text(o, viz::to_html(trace, diagram, *history, viz::HtmlOptions{*selection}));
    } else {
      if (!dot) {
        dot = viz::to_dot(trace, diagram, viz::DotOptions{*selection, flags.limit});
        if (!dot->note.empty()) std::cerr << "diagram: " << dot->note << "\n";
      }
      if (o.path == &flags.dot)
        write_text(o, dot->text);
      else
        render(dot->text, o, o.path == &flags.svg ? "svg" : "png");
    }
    summary[o.flag + 2] = *o.path;
    if (!quiet) out << (o.flag + 2) << ": " << *o.path << "\n";
  }
}

}  // namespace faultline::cli
