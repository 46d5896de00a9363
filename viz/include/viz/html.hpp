#pragma once
// One self-contained HTML page for a trace (inline script and style, no network): a lane
// per node coloured by its state, crash/pause spans, partition bands, clock markers,
// message arrows, the client history with its verdict, a cursor that steps event by event
// with the event's fields and every node's state, the findings with a jump to each, and
// "why it broke": the causal past of the violation, everything else dimmed.
//
// The page draws on a canvas and only what is in view, so a 50,000-event trace stays
// responsive. The data goes in as JSON (built here, so the page and `--print` describe
// events in the same words); the script is viz/src/viz_page.js.
#include <string>

#include "viz/diagram.hpp"
#include "viz/history.hpp"
#include "viz/select.hpp"
#include "viz/trace.hpp"

namespace faultline::viz {

struct HtmlOptions {
  Selection initial;  // the window and the nodes the page opens with (all by default)
};

// The page's data (exposed for tests): everything the script draws.
nlohmann::json page_data(const Trace& trace, const Diagram& diagram, const HistoryReport& history,
                         const HtmlOptions& options);

std::string to_html(const Trace& trace, const Diagram& diagram, const HistoryReport& history,
                    const HtmlOptions& options = {});

// The event a finding is about, for "jump to" and "why it broke": the trace's violation
// event; for a linearizability finding, the completion of the operation that could not
// be placed. kNone when the trace does not say.
std::size_t finding_event(const Trace& trace, const HistoryReport& history, std::size_t finding);

}  // namespace faultline::viz
