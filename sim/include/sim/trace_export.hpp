#pragma once
// The trace, exported on demand: as the JSON trace format (docs/formats.md) and as a
// readable event log (`faultline run --print`).
#include <ostream>

#include <nlohmann/json.hpp>

#include "sim/simulation.hpp"

namespace faultline::sim {

// The whole run: nodes, every event, the history, findings and the result. `meta`
// (protocol, seed, parameters) is stored as given. Message bodies appear when the run
// kept them (SimConfig::keep_payloads).
nlohmann::json trace_to_json(const Simulation& sim, const RunResult& result,
                             const nlohmann::json& meta);

nlohmann::json result_to_json(const Simulation& sim, const RunResult& result);
nlohmann::json finding_to_json(const Simulation& sim, const Finding& f);

// One line per event: time, node, what happened.
void print_trace(const Simulation& sim, std::ostream& out);
std::string describe_event(const Simulation& sim, std::size_t index);

}  // namespace faultline::sim
