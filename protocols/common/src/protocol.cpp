#include "protocols/protocol.hpp"

#include <algorithm>

#include "sim/trace_export.hpp"

namespace faultline::protocols {
namespace {

std::string bug_list(const Protocol& protocol) {
  std::string list;
  for (const BugSpec& b : protocol.bugs) list += (list.empty() ? "" : ", ") + b.name;
  return list;
}

void validate_bugs(const Protocol& protocol, const std::vector<std::string>& bugs) {
  for (const std::string& bug : bugs) {
    if (protocol.find_bug(bug) != nullptr) continue;
    const std::string list = bug_list(protocol);
    throw BadInput("--bug " + bug, "unknown bug for " + protocol.name +
                                       (list.empty() ? " (it has none)" : "; known: " + list));
  }
}

// Faults at the default pace (one every 100 ms - 1 s, lasting 100 ms - 2 s), dense (ten
// times as often, shorter) or a storm (twice that again): the quiet choice is the
// default pace. Dense faults line up narrow timing windows that sparse ones miss.
void draw_pace(sim::FaultProfile& faults, sim::ChoiceSource& choices) {
  const std::uint32_t pace = choices.pick(3, sim::ChoiceKind::config);
  if (pace == 0) return;
  const sim::Duration unit = pace == 1 ? 20 * sim::kMillisecond : 10 * sim::kMillisecond;
  faults.gap_min_ns = unit;
  faults.gap_max_ns = 10 * unit;
  faults.duration_min_ns = unit;
  faults.duration_max_ns = 15 * unit;
}

}  // namespace

bool RunConfig::has_bug(std::string_view name) const {
  return std::find(bugs.begin(), bugs.end(), name) != bugs.end();
}

const BugSpec* Protocol::find_bug(std::string_view bug) const {
  for (const BugSpec& b : bugs) {
    if (b.name == bug) return &b;
  }
  return nullptr;
}

std::optional<sim::NodeId> ProtocolRun::leader(const sim::Simulation& sim) const {
  std::optional<sim::NodeId> best;
  std::int64_t best_term = -1;
  for (sim::NodeId id : fault_targets()) {
    if (!sim.is_up(id)) continue;
    const sim::Annotation* role = sim.annotation(id, "role");
    if (role == nullptr || !role->is_text || role->text != "leader") continue;
    const sim::Annotation* term = sim.annotation(id, "term");
    if (term == nullptr) term = sim.annotation(id, "ballot");
    const std::int64_t t = term != nullptr && !term->is_text ? term->number : 0;
    if (t > best_term) {
      best = id;
      best_term = t;
    }
  }
  return best;
}

sim::Verdict RunOutput::verdict() const {
  if (result.verdict != sim::Verdict::ok) return result.verdict;
  return run && run->checks.any(CheckStatus::unknown) ? sim::Verdict::unknown : sim::Verdict::ok;
}

std::optional<bool> linearizable(const RunOutput& out) {
  const CheckOutcome* lin = out.run ? out.run->checks.find("linearizability") : nullptr;
  if (lin == nullptr || lin->status == CheckStatus::unknown || lin->status == CheckStatus::skipped) {
    return std::nullopt;
  }
  return lin->status == CheckStatus::held;
}

RunConfig resolve_run(const Protocol& protocol, const RunSpec& spec) {
  validate_bugs(protocol, spec.bugs);
  RunConfig config;
  config.seed = spec.seed;
  config.options = OptionValues::resolve(protocol.options, spec.options);
  for (const std::string& bug : spec.bugs) {
    for (const auto& [name, value] : protocol.find_bug(bug)->implies) {
      if (config.options.given(name)) continue;
      config.options.set(name, value, "--bug " + bug + " (implies " + name + "=" + value + ")",
                         ValueOrigin::implied);
    }
  }
  config.bugs = spec.bugs;
  config.time_limit_ns = spec.time_limit_ns > 0 ? spec.time_limit_ns : protocol.default_time_ns;
  config.check_budget = spec.check_budget > 0 ? spec.check_budget : kDefaultCheckBudget;
  if (protocol.validate) protocol.validate(config.options);
  return config;
}

RunOutput run_protocol(const Protocol& protocol, const RunSpec& spec,
                       std::unique_ptr<sim::ChoiceSource> choices, const Prepare& prepare) {
  RunOutput out = prepare_run(protocol, spec, std::move(choices), prepare);
  execute_run(out);
  return out;
}

namespace {

// Swarm values are drawn without looking at the options the user fixed, so a draw may
// break a rule across options (blockstore's node_losses=1 with replication=1 given; Raft's
// read=lease with election_timeout=20ms given, below the default lease_margin). Then a
// drawn option goes back to its quiet value (its swarm domain's first): the one the
// protocol's check blames, else the first in table order whose quiet value alone makes
// the check pass. No choice is drawn for it, so the tape and replay are unchanged. A rule
// still broken then is the user's options' own: the error stands.
void validate_swarm(const Protocol& protocol, OptionValues& options,
                    std::map<std::string, std::string>& drawn,
                    std::map<std::string, std::string>& quieted) {
  auto quiet = [&](OptionValues& values, const OptionSpec& spec) {
    values.set(spec.name, spec.swarm.front(),
               "swarm " + spec.name + " (quiet: " + drawn[spec.name] + " broke a rule)",
               ValueOrigin::swarm);
  };
  auto loud = [&](const OptionSpec& spec) {
    return options.origin(spec.name) == ValueOrigin::swarm && drawn.count(spec.name) == 1 &&
           drawn[spec.name] != spec.swarm.front();
  };
  for (std::size_t attempt = 0;; ++attempt) {
    try {
      protocol.validate(options);
      return;
    } catch (const BadInput& e) {
      if (attempt >= drawn.size()) throw;
      const OptionSpec* chosen = nullptr;
      for (const OptionSpec& spec : options.table().specs()) {
        if (loud(spec) && options.where(spec.name) == e.where()) chosen = &spec;
      }
      // Else the first drawn value whose quiet value satisfies every rule; failing that,
      // when two rules are broken at once (Raft's heartbeat pair and its membership floor)
      // and no one value mends both, the first whose quiet value mends this rule: the next
      // attempt takes the other.
      const OptionSpec* mends_this = nullptr;
      for (const OptionSpec& spec : options.table().specs()) {
        if (chosen != nullptr) break;
        if (!loud(spec)) continue;
        OptionValues trial = options;
        quiet(trial, spec);
        try {
          protocol.validate(trial);
          chosen = &spec;
        } catch (const BadInput& other) {
          const bool other_rule = other.where() != e.where() || std::string(other.what()) != e.what();
          if (other_rule && mends_this == nullptr) mends_this = &spec;
        }
      }
      if (chosen == nullptr) chosen = mends_this;
      if (chosen == nullptr) throw;
      quiet(options, *chosen);
      quieted[chosen->name] = drawn[chosen->name];
      drawn[chosen->name] = chosen->swarm.front();
    }
  }
}

}  // namespace

RunOutput prepare_run(const Protocol& protocol, const RunSpec& spec,
                      std::unique_ptr<sim::ChoiceSource> choices, const Prepare& prepare) {
  RunOutput out;
  out.config = resolve_run(protocol, spec);
  out.choices = choices ? std::move(choices) : std::make_unique<sim::SeededChoices>(spec.seed);
  // The swarm configuration comes first on the tape: options, fault kinds, pace.
  out.faults = spec.faults;
  if (spec.swarm) {
    out.swarm = draw_swarm_options(out.config.options, *out.choices);
    if (protocol.validate) {
      validate_swarm(protocol, out.config.options, out.swarm, out.swarm_quieted);
    }
    out.faults = sim::FaultProfile::swarm(spec.faults, *out.choices);
    if (!out.faults.kinds.empty()) draw_pace(out.faults, *out.choices);
  }
  if (protocol.fault_budget && !out.faults.kinds.empty()) {
    protocol.fault_budget(out.config, out.faults);
  }
  out.config.has_faults = !out.faults.kinds.empty() || spec.scripted_heal_ns > 0;
  out.config.heal_ns =
      std::max(out.faults.kinds.empty() ? sim::Time{0} : out.faults.end_ns, spec.scripted_heal_ns);

  sim::SimConfig config;
  config.time_limit_ns = out.config.time_limit_ns;
  if (spec.max_events > 0) config.max_events = spec.max_events;
  config.keep_payloads = spec.keep_payloads;
  config.keep_trace = spec.keep_trace;
  config.keep_digests = spec.keep_digests;
  config.hash_trace = spec.hash_trace;
  config.seed = spec.seed;
  if (protocol.configure) protocol.configure(out.config, config);
  if (spec.configure) spec.configure(config);
  if (!out.faults.torn_writes.never()) config.disk.torn_write = out.faults.torn_writes;

  out.sim = std::make_unique<sim::Simulation>(config, *out.choices);
  out.run = protocol.setup(*out.sim, out.config);
  const ProtocolRun* run = out.run.get();
  out.faults.leader = [run](const sim::Simulation& s) { return run->leader(s); };
  out.fault_log = sim::schedule_faults(*out.sim, out.run->fault_targets(), out.faults);
  if (prepare) prepare(*out.sim, *out.run);
  return out;
}

void execute_run(RunOutput& out) {
  out.sim->run();
  // Explore mode: where nothing can happen any more, the protocol judges what is stuck.
  const bool quiescent = out.sim->config().explore.on && out.sim->explore_enabled().empty();
  if (quiescent && out.sim->findings().empty()) {
    if (std::string stuck = out.run->stuck_now(*out.sim); !stuck.empty()) {
      out.sim->report(sim::Finding{.kind = sim::FindingKind::liveness, .name = "liveness",
                                   .message = "no event can happen any more, and " + stuck});
    }
  }
  if (out.sim->findings().empty()) out.run->finish(*out.sim);
  out.result = out.sim->result();
}

namespace {

// Every invariant by name (held unless a finding names it), then the end-of-run checks.
nlohmann::json checks_json(const RunOutput& out) {
  nlohmann::json checks = nlohmann::json::array();
  for (const std::string& name : out.sim->invariant_names()) {
    const bool broken = std::any_of(out.result.findings.begin(), out.result.findings.end(),
                                    [&](const sim::Finding& f) { return f.name == name; });
    checks.push_back({{"name", name}, {"status", broken ? "violated" : "held"}});
  }
  for (const CheckOutcome& c : out.run->checks.all()) {
    nlohmann::json j = {{"name", c.name}, {"status", check_status_name(c.status)}};
    if (!c.detail.empty()) j["detail"] = c.detail;
    if (!c.data.empty()) j["data"] = c.data;
    checks.push_back(std::move(j));
  }
  return checks;
}

}  // namespace

nlohmann::json run_summary(const Protocol& protocol, const RunSpec& spec, const RunOutput& out) {
  nlohmann::json j = sim::result_to_json(*out.sim, out.result);
  j["verdict"] = sim::verdict_name(out.verdict());
  j["protocol"] = protocol.name;
  j["seed"] = spec.seed;
  j["checks"] = checks_json(out);
  const std::optional<bool> lin = linearizable(out);
  j["linearizable"] = lin ? nlohmann::json(*lin) : nlohmann::json(nullptr);
  nlohmann::json kinds = nlohmann::json::array();
  for (sim::FaultKind k : out.faults.kinds) kinds.push_back(sim::fault_kind_name(k));
  j["fault_kinds"] = kinds;
  j["bugs"] = spec.bugs;
  j["options"] = out.config.options.as_text();
  if (!out.swarm.empty()) j["swarm"] = out.swarm;
  if (!out.swarm_quieted.empty()) j["swarm_quieted"] = out.swarm_quieted;
  j["protocol_summary"] = out.run->summary(*out.sim);
  return j;
}

RunSpec swarm_spec(const Protocol& protocol, std::uint64_t seed, std::vector<std::string> bugs) {
  RunSpec spec;
  spec.seed = seed;
  spec.bugs = std::move(bugs);
  spec.time_limit_ns = protocol.default_time_ns;
  spec.faults = fault_profile(protocol, "swarm", spec.time_limit_ns);
  spec.swarm = true;
  spec.max_events = kSwarmMaxEvents;
  spec.keep_trace = false;
  return spec;
}

void datacenter_defaults(sim::SimConfig& config) {
  config.network.latency =
      sim::Latency::exponential(500 * sim::kMicrosecond, sim::kMillisecond, 20 * sim::kMillisecond);
  config.disk.sync_latency_min_ns = 100 * sim::kMicrosecond;
  config.disk.sync_latency_max_ns = 2 * sim::kMillisecond;
}

sim::FaultProfile fault_profile(const Protocol& protocol, const std::string& mode,
                                sim::Time time_limit_ns, const std::string& where) {
  if (mode == "none") return sim::FaultProfile::none();
  sim::FaultProfile p = sim::FaultProfile::all(0, time_limit_ns / 10 * 8);
  if (mode == "all" || mode == "swarm") {
    p.kinds = protocol.faults;
    return p;
  }
  p.kinds.clear();
  std::size_t start = 0;
  while (start <= mode.size()) {
    const std::size_t comma = std::min(mode.find(',', start), mode.size());
    const std::string name = mode.substr(start, comma - start);
    sim::FaultKind kind{};
    if (!sim::fault_kind_from_name(name, kind)) {
      std::string known;
      for (int k = 0; k < sim::kFaultKinds; ++k) {
        known += std::string(known.empty() ? "" : ", ") +
                 std::string(sim::fault_kind_name(static_cast<sim::FaultKind>(k)));
      }
      throw BadInput(where, "expected none, all, swarm or a comma-separated list of fault kinds (" +
                                known + "), got '" + name + "'");
    }
    if (p.enabled(kind)) throw BadInput(where, "'" + name + "' is listed twice");
    p.kinds.push_back(kind);
    start = comma + 1;
  }
  return p;
}

std::vector<sim::NodeId> add_group(sim::Simulation& sim, ProtocolRun& run,
                                   const std::string& group, const std::string& prefix,
                                   int count, const std::string& role,
                                   const std::function<sim::ActorFactory(int index)>& factory) {
  std::vector<sim::NodeId> ids;
  for (int i = 0; i < count; ++i) {
    const sim::NodeId id =
        sim.add_node({.name = prefix + std::to_string(i), .role = role}, factory(i));
    run.groups.add(group, id);
    ids.push_back(id);
  }
  return ids;
}

}  // namespace faultline::protocols
