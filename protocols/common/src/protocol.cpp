#include "protocols/protocol.hpp"

#include <algorithm>

#include "sim/trace_export.hpp"

namespace faultline::protocols {

void validate_bugs(const Protocol& protocol, const std::vector<std::string>& bugs) {
  for (const std::string& bug : bugs) {
    const bool known = std::any_of(protocol.bugs.begin(), protocol.bugs.end(),
                                   [&](const BugSpec& b) { return b.name == bug; });
    if (known) continue;
    std::string list;
    for (const BugSpec& b : protocol.bugs) list += (list.empty() ? "" : ", ") + b.name;
    throw BadInput("--bug " + bug, "unknown bug for " + protocol.name +
                                       (list.empty() ? " (it has none)" : "; known: " + list));
  }
}

bool has_bug(const RunSpec& spec, std::string_view name) {
  return std::find(spec.bugs.begin(), spec.bugs.end(), name) != spec.bugs.end();
}

void datacenter_defaults(sim::SimConfig& config) {
  config.network.latency =
      sim::Latency::exponential(500 * sim::kMicrosecond, sim::kMillisecond, 20 * sim::kMillisecond);
  config.disk.sync_latency_min_ns = 100 * sim::kMicrosecond;
  config.disk.sync_latency_max_ns = 2 * sim::kMillisecond;
}

sim::FaultProfile fault_profile(const std::string& mode, sim::Time time_limit_ns,
                                const std::string& where) {
  if (mode == "none") return sim::FaultProfile::none();
  if (mode == "all" || mode == "swarm") {
    return sim::FaultProfile::all(0, time_limit_ns / 10 * 8);
  }
  throw BadInput(where, "expected none, all or swarm, got '" + mode + "'");
}

RunOutput run_protocol(const Protocol& protocol, const RunSpec& spec,
                       std::unique_ptr<sim::ChoiceSource> choices,
                       const std::function<void(sim::Simulation&)>& prepare) {
  std::vector<std::string> known;
  for (const OptionSpec& o : protocol.options) known.push_back(o.name);
  spec.options.check_known(known);
  validate_bugs(protocol, spec.bugs);

  RunOutput out;
  out.choices = choices ? std::move(choices) : std::make_unique<sim::SeededChoices>(spec.seed);
  sim::SimConfig config;
  config.time_limit_ns = spec.time_limit_ns > 0 ? spec.time_limit_ns : protocol.default_time_ns;
  if (spec.max_events > 0) config.max_events = spec.max_events;
  config.keep_payloads = spec.keep_payloads;
  config.keep_trace = spec.keep_trace;
  if (protocol.configure) protocol.configure(spec, config);
  // Swarm selection comes first, so the fault kinds are the first choices on the tape.
  out.faults = spec.swarm ? sim::FaultProfile::swarm(spec.faults, *out.choices) : spec.faults;
  if (!out.faults.torn_writes.never()) config.disk.torn_write = out.faults.torn_writes;

  out.sim = std::make_unique<sim::Simulation>(config, *out.choices);
  out.run = protocol.setup(*out.sim, spec);
  sim::schedule_faults(*out.sim, out.run->fault_targets(), out.faults);
  if (prepare) prepare(*out.sim);
  out.sim->run();
  if (out.sim->findings().empty()) out.run->finish(*out.sim);
  out.result = out.sim->result();
  return out;
}

nlohmann::json run_summary(const Protocol& protocol, const RunSpec& spec, const RunOutput& out) {
  nlohmann::json j = sim::result_to_json(*out.sim, out.result);
  j["protocol"] = protocol.name;
  j["seed"] = spec.seed;
  const std::optional<bool> lin = out.run->linearizable();
  j["linearizable"] = lin ? nlohmann::json(*lin) : nlohmann::json(nullptr);
  nlohmann::json kinds = nlohmann::json::array();
  for (sim::FaultKind k : out.faults.kinds) kinds.push_back(sim::fault_kind_name(k));
  j["fault_kinds"] = kinds;
  j["bugs"] = spec.bugs;
  j["protocol_summary"] = out.run->summary(*out.sim);
  return j;
}

}  // namespace faultline::protocols
