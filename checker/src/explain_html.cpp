// explain_html(): one self-contained page (inline CSS, SVG and a few lines of script; no
// network). A row per process, a bar per operation from invocation to completion (open
// ops run to the right edge), linearisation points joined in order, the op that could not
// be placed in red, and every op's details and the states in hover titles.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "explain_common.hpp"

namespace faultline::checker {
namespace {

constexpr std::size_t kOpsShownMax = 1500;
constexpr int kRowHeight = 36;
constexpr int kLeftMargin = 110;
constexpr int kTopMargin = 24;

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Layout {
  std::vector<std::size_t> ops;          // shown, in invocation order
  std::map<std::uint64_t, double> rank;  // event position -> x rank
  std::map<std::int64_t, int> row;       // process -> row
  double end_rank = 0;                   // where open ops end
  double step_px = 12;
  // Real time: when every shown op has its times, a rank is time since t0_ns in units of
  // ns_per_rank (so the page keeps the width the event order would give it).
  bool timed = false;
  std::int64_t t0_ns = 0;
  double ns_per_rank = 1;
  std::string note;  // e.g. "showing 1500 of 9000 operations"

  double x(double r) const { return kLeftMargin + r * step_px; }
  double y(std::int64_t process) const { return kTopMargin + row.at(process) * kRowHeight; }
};

std::vector<std::size_t> window_ops(const std::vector<std::size_t>& ops, std::size_t focus_op,
                                    std::string& note) {
  if (ops.size() <= kOpsShownMax) return ops;
  auto at = std::find(ops.begin(), ops.end(), focus_op);
  std::size_t center = at == ops.end() ? 0 : static_cast<std::size_t>(at - ops.begin());
  std::size_t first = center > kOpsShownMax * 2 / 3 ? center - kOpsShownMax * 2 / 3 : 0;
  std::size_t last = std::min(ops.size(), first + kOpsShownMax);
  note = "showing operations " + std::to_string(first + 1) + "–" + std::to_string(last) + " of " +
         std::to_string(ops.size()) + " (in invocation order)";
  return {ops.begin() + static_cast<std::ptrdiff_t>(first),
          ops.begin() + static_cast<std::ptrdiff_t>(last)};
}

// Histories with times (ours, Porcupine's JSON) are drawn against real time, so a slow
// operation looks slow; EDN and log files, whose order is the file's, keep the event order.
void place_in_real_time(const History& history, Layout& layout) {
  std::int64_t first = 0, last = 0;
  bool any = false;
  for (std::size_t i : layout.ops) {
    const Operation& op = history.ops[i];
    if (!op.invoke_time_ns || (op.completed() && !op.complete_time_ns)) return;
    const std::int64_t end = op.complete_time_ns.value_or(*op.invoke_time_ns);
    first = any ? std::min(first, *op.invoke_time_ns) : *op.invoke_time_ns;
    last = any ? std::max(last, end) : end;
    any = true;
  }
  if (!any || last <= first) return;
  layout.timed = true;
  layout.t0_ns = first;
  layout.ns_per_rank = static_cast<double>(last - first) / std::max(1.0, layout.end_rank - 1);
  for (std::size_t i : layout.ops) {
    const Operation& op = history.ops[i];
    auto rank_of = [&](std::int64_t t) {
      return static_cast<double>(t - first) / layout.ns_per_rank;
    };
    layout.rank[op.invoke_event] = rank_of(*op.invoke_time_ns);
    if (op.completed()) layout.rank[op.complete_event] = rank_of(*op.complete_time_ns);
  }
  layout.end_rank = static_cast<double>(last - first) / layout.ns_per_rank + 1;
}

Layout make_layout(const History& history, std::vector<std::size_t> ops) {
  Layout layout;
  layout.ops = std::move(ops);
  for (std::size_t i : layout.ops) {
    const Operation& op = history.ops[i];
    layout.rank[op.invoke_event] = 0;
    if (op.completed()) layout.rank[op.complete_event] = 0;
    layout.row.emplace(op.process, 0);
  }
  double r = 0;
  for (auto& [event, value] : layout.rank) value = r++;
  layout.end_rank = r;
  place_in_real_time(history, layout);
  int row = 0;
  for (auto& [process, value] : layout.row) value = row++;
  layout.step_px = std::clamp(1200.0 / std::max(1.0, r), 4.0, 70.0);
  return layout;
}

// Linearisation points: each op at the latest invocation so far (so the order respects
// real time), spread within runs that share that point.
std::vector<double> point_ranks(const History& history, const Layout& layout,
                                const Linearisation& steps) {
  std::vector<double> base;
  double latest = -1;
  for (const auto& step : steps) {
    auto it = layout.rank.find(history.ops[step.op].invoke_event);
    latest = std::max(latest, it == layout.rank.end() ? latest : it->second);
    base.push_back(latest);
  }
  std::vector<double> points(base.size());
  for (std::size_t i = 0; i < base.size();) {
    std::size_t j = i;
    while (j < base.size() && base[j] == base[i]) ++j;
    for (std::size_t k = i; k < j; ++k) {
      points[k] = base[i] + static_cast<double>(k - i + 1) / static_cast<double>(j - i + 1);
    }
    i = j;
  }
  return points;
}

struct Marks {
  std::size_t stuck = static_cast<std::size_t>(-1);
  std::vector<std::size_t> candidates;
  std::string stuck_state;
  std::string stuck_value;
  bool unreachable_read = false;
  std::map<std::size_t, std::string> state_after;  // from the first linearisation shown
};

void write_op(std::ostringstream& svg, const History& history, const Model& model,
              const Layout& layout, std::size_t i, const Marks& marks) {
  const Operation& op = history.ops[i];
  double x1 = layout.x(layout.rank.at(op.invoke_event));
  double x2 = layout.x(op.completed() ? layout.rank.at(op.complete_event) : layout.end_rank);
  double y = layout.y(op.process) + 8;
  std::string cls = op.outcome == Outcome::ok     ? "ok"
                    : op.outcome == Outcome::fail ? "fail"
                                                  : "info";
  if (i == marks.stuck)
    cls += " stuck";
  else if (std::count(marks.candidates.begin(), marks.candidates.end(), i))
    cls += " candidate";
  std::string tip = detail::op_label(history, model, i);
  if (op.invoke_time_ns) tip += "\ninvoked at " + std::to_string(*op.invoke_time_ns) + " ns";
  if (op.complete_time_ns) tip += ", completed at " + std::to_string(*op.complete_time_ns) + " ns";
  if (auto it = marks.state_after.find(i); it != marks.state_after.end()) {
    tip += "\nstate after: " + it->second;
  }
  if (i == marks.stuck && !marks.stuck_value.empty()) tip += "\nit returned " + marks.stuck_value;
  if (i == marks.stuck) tip += "\ncould not be placed; it met the state " + marks.stuck_state;
  if (i == marks.stuck && marks.unreachable_read) {
    tip += ", and no operation that could still come before it returns can make that its value";
  }
  // The label as much as fits the bar, cut between UTF-8 characters (a cut inside "→" left
  // invalid UTF-8 in the page).
  std::string label = model.describe_operation(op);
  std::size_t fits = static_cast<std::size_t>(std::max(0.0, (x2 - x1) / 6.5));
  if (fits < label.size()) {
    while (fits > 0 && (static_cast<unsigned char>(label[fits]) & 0xC0) == 0x80) --fits;
    label.resize(fits);
  }
  svg << "<g class=\"op " << cls << "\"><title>" << escape(tip) << "</title><rect x=\"" << x1
      << "\" y=\"" << y << "\" width=\"" << std::max(2.0, x2 - x1) << "\" height=\""
      << kRowHeight - 12 << "\" rx=\"3\"/><text x=\"" << x1 + 3 << "\" y=\"" << y + 16 << "\">"
      << escape(label) << "</text></g>\n";
}

void write_linearisation(std::ostringstream& svg, const History& history, const Model& model,
                         const Layout& layout, const Linearisation& steps, std::size_t index,
                         bool joined) {
  std::vector<double> points = point_ranks(history, layout, steps);
  svg << "<g class=\"lin\" data-lin=\"" << index << "\""
      << (index == 0 ? "" : " style=\"display:none\"") << ">\n";
  std::ostringstream line;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const Operation& op = history.ops[steps[k].op];
    if (!layout.row.count(op.process) || !layout.rank.count(op.invoke_event)) continue;
    double cx = layout.x(points[k]);
    double cy = layout.y(op.process) + 8;  // on the bar's top edge, clear of its label
    line << cx << "," << cy << " ";
    svg << "<circle cx=\"" << cx << "\" cy=\"" << cy << "\" r=\"4\"><title>"
        << escape(std::to_string(k + 1) + ". " + detail::op_label(history, model, steps[k].op) +
                  "\nstate after: " + steps[k].state_after)
        << "</title></circle>\n";
  }
  if (joined) svg << "<polyline points=\"" << line.str() << "\"/>\n";
  svg << "</g>\n";
}

std::string page_style() {
  return "body{font:14px system-ui,sans-serif;margin:20px;color:#222}"
         "pre{background:#f6f6f6;padding:10px;overflow:auto;max-height:40em}"
         ".op rect{fill:#cfe0f7;stroke:#4a78b8}.op.info rect{fill:#fbe3c4;stroke:#c98a2e;"
         "stroke-dasharray:4 2}.op.fail rect{fill:#e4e4e4;stroke:#999}"
         ".op.candidate rect{stroke:#d33;stroke-dasharray:3 2}"
         ".op.stuck rect{fill:#f7b3b3;stroke:#c00;stroke-width:2}"
         ".op text{font:11px monospace;pointer-events:none}"
         ".op:hover rect{stroke-width:3}.lin circle{fill:#111}.lin polyline{fill:none;"
         "stroke:#111;stroke-width:1;opacity:.5}.proc{font:12px monospace}"
         ".legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid}"
         ".tick{font:10px monospace;fill:#666;text-anchor:middle}";
}

}  // namespace
}  // namespace faultline::checker

namespace faultline::checker {
namespace {

struct View {
  std::vector<std::size_t> ops;
  std::vector<const Linearisation*> linearisations;  // alternatives, or one per part
  bool alternatives = false;                         // pick one at a time
  Marks marks;
  std::string heading;
};

View failing_view(const CheckResult& result) {
  View view;
  const Counterexample& c = *result.counterexample;
  const PartReport& part = result.parts[c.part];
  view.ops = part.ops;
  view.alternatives = true;
  for (const auto& partial : c.longest) view.linearisations.push_back(&partial.steps);
  if (!c.longest.empty()) {
    view.marks.stuck = c.longest[0].stuck_op;
    view.marks.candidates = c.longest[0].candidates;
    view.marks.stuck_state = c.longest[0].stuck_state;
    view.marks.stuck_value = c.longest[0].stuck_value;
    view.marks.unreachable_read = c.longest[0].unreachable_read;
    for (const auto& step : c.longest[0].steps) view.marks.state_after[step.op] = step.state_after;
  }
  view.heading = "Not linearizable: " + detail::part_name(part) + " has no linearisation";
  return view;
}

View whole_view(const History& history, const CheckResult& result) {
  View view;
  for (std::size_t i = 0; i < history.ops.size(); ++i) view.ops.push_back(i);
  for (const PartReport& part : result.parts) {
    if (part.witness.empty()) continue;
    view.linearisations.push_back(&part.witness);
    for (const auto& step : part.witness) view.marks.state_after[step.op] = step.state_after;
  }
  view.heading = result.verdict == Verdict::linearizable ? "Linearizable"
                                                         : "Unknown: " + result.unknown_reason;
  return view;
}

// About ten ticks of real time above the rows, at round steps (1, 2 or 5 times a power of ten).
void write_time_axis(std::ostringstream& svg, const Layout& layout) {
  const double span_ns = (layout.end_rank - 1) * layout.ns_per_rank;
  double step = 1;
  while (step * 10 < span_ns) step *= 10;
  if (step / 2 * 10 >= span_ns) step /= 2;
  if (step / 2.5 * 10 >= span_ns) step /= 2.5;
  const double t0 = static_cast<double>(layout.t0_ns);
  for (double t = std::ceil(t0 / step) * step; t <= t0 + span_ns; t += step) {
    const double x = layout.x((t - t0) / layout.ns_per_rank);
    const double seconds = t / 1e9;
    svg << "<text class=\"tick\" x=\"" << x << "\" y=\"12\">" << seconds << "s</text><line x1=\""
        << x << "\" x2=\"" << x << "\" y1=\"15\" y2=\"" << kTopMargin - 2
        << "\" stroke=\"#999\"/>\n";
  }
}

std::string render_svg(const History& history, const Model& model, const View& view,
                       const Layout& layout) {
  std::ostringstream svg;
  double width = layout.x(layout.end_rank) + 40;
  double height = kTopMargin + static_cast<double>(layout.row.size()) * kRowHeight + 10;
  svg << "<svg width=\"" << width << "\" height=\"" << height << "\">\n";
  if (layout.timed) write_time_axis(svg, layout);
  for (const auto& [process, row] : layout.row) {
    svg << "<text class=\"proc\" x=\"6\" y=\"" << layout.y(process) + 24 << "\">process " << process
        << "</text>\n";
  }
  for (std::size_t i : layout.ops) write_op(svg, history, model, layout, i, view.marks);
  for (std::size_t k = 0; k < view.linearisations.size(); ++k) {
    write_linearisation(svg, history, model, layout, *view.linearisations[k],
                        view.alternatives ? k : 0, view.alternatives);
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string chooser(const View& view) {
  if (!view.alternatives || view.linearisations.size() < 2) return "";
  std::ostringstream out;
  out << "<p>Longest partial linearisations: ";
  for (std::size_t k = 0; k < view.linearisations.size(); ++k) {
    out << "<label><input type=\"radio\" name=\"lin\" value=\"" << k << "\""
        << (k == 0 ? " checked" : "") << " onchange=\"showLin(" << k << ")\"> " << (k + 1)
        << "</label> ";
  }
  out << "</p><script>function showLin(k){document.querySelectorAll('.lin').forEach("
         "function(g){g.style.display=g.dataset.lin==k?'':'none';});}</script>";
  return out.str();
}

}  // namespace

std::string explain_html(const History& history, const Model& model, const CheckResult& result,
                         std::string_view title) {
  View view = result.counterexample ? failing_view(result) : whole_view(history, result);
  std::string note;
  Layout layout = make_layout(history, window_ops(view.ops, view.marks.stuck, note));
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape(title)
       << "</title><style>" << page_style() << "</style></head><body>\n"
       << "<h1>" << escape(title) << "</h1>\n<h2>" << escape(view.heading) << "</h2>\n"
       << "<p class=\"legend\"><span style=\"background:#cfe0f7\">ok</span>"
          "<span style=\"background:#fbe3c4\">outcome unknown</span>"
          "<span style=\"background:#e4e4e4\">failed</span>"
          "<span style=\"background:#f7b3b3\">could not be placed</span>"
          "<span style=\"border-style:dashed;border-color:#d33\">could have come next</span>"
          " ● linearisation point (hover for the state)</p>\n";
  if (!note.empty()) page << "<p>" << escape(note) << "</p>\n";
  page << chooser(view) << "<div style=\"overflow-x:auto\">"
       << render_svg(history, model, view, layout) << "</div>\n<h3>Explanation</h3><pre>"
       << escape(explain_text(history, model, result)) << "</pre>\n</body></html>\n";
  return page.str();
}

}  // namespace faultline::checker
