// The explorer's entry points (explorer.hpp): targets, bounds, dispatch to a strategy,
// and counterexamples as repro files the simulator replays.
#include "explorer/explorer.hpp"

#include <algorithm>
#include <set>

#include "protocols/registry.hpp"
#include "search.hpp"
#include "world_sim.hpp"

namespace faultline::explorer {

using protocols::BadInput;

std::string_view strategy_name(Strategy s) {
  switch (s) {
    case Strategy::bfs:
      return "bfs";
    case Strategy::dfs:
      return "dfs";
    case Strategy::pct:
      return "pct";
    case Strategy::random_walk:
      return "random-walk";
  }
  return "?";
}

std::string_view reduction_name(Reduction r) {
  switch (r) {
    case Reduction::none:
      return "none";
    case Reduction::sleep:
      return "sleep";
    case Reduction::dpor:
      return "dpor";
  }
  return "?";
}

std::string_view engine_name(Engine e) {
  switch (e) {
    case Engine::automatic:
      return "auto";
    case Engine::pure:
      return "pure";
    case Engine::simulator:
      return "simulator";
  }
  return "?";
}

sim::Tape Counterexample::tape() const {
  sim::Tape tape;
  for (const PathStep& s : steps) {
    if (s.options > 1) tape.push_back(sim::Choice{s.options, s.index, sim::ChoiceKind::schedule});
  }
  return tape;
}

sim::Verdict Result::verdict() const {
  if (counterexample || stuck) return sim::Verdict::violation;
  return exhaustive ? sim::Verdict::ok : sim::Verdict::unknown;
}

// ---------------------------------------------------------------- targets

Target target_for_protocol(const protocols::Protocol& protocol, const std::string& preset,
                           const protocols::Options& sets, const std::vector<std::string>& bugs) {
  Target t;
  t.protocol = &protocol;
  const protocols::ExplorePreset* chosen = nullptr;
  for (const protocols::ExplorePreset& p : protocol.explore_presets) {
    if (preset.empty() || p.name == preset) {
      chosen = &p;
      break;
    }
  }
  if (!preset.empty() && chosen == nullptr) {
    std::string known;
    for (const auto& p : protocol.explore_presets) known += (known.empty() ? "" : ", ") + p.name;
    throw BadInput("--preset", "no preset '" + preset + "' for " + protocol.name +
                                   (known.empty() ? "; it has none" : "; its presets: " + known));
  }
  if (chosen != nullptr) {
    t.preset = chosen->name;
    t.strategy = chosen->strategy;
    t.reduction = chosen->reduction;
    t.explore = chosen->spec;
    for (const auto& [name, value] : chosen->options) t.spec.options.set(name, value, "preset " + chosen->name);
  }
  t.explore.budget.on = true;
  for (const auto& [name, value] : sets.values()) t.spec.options.set(name, value, sets.where(name));
  t.spec.bugs = bugs;
  (void)protocols::resolve_run(protocol, t.spec);  // options and bugs checked now
  return t;
}

Target target_for_scenario(const scenarios::Scenario& s, const protocols::Options& sets,
                           const std::vector<std::string>& bugs) {
  Target t;
  t.protocol = protocols::find_protocol(s.protocol);
  t.scenario_file = s.file;
  scenarios::Overrides o;
  o.sets = sets;
  o.bugs = bugs;
  t.spec = scenarios::run_spec(s, o);
  t.spec.configure = nullptr;  // the scenario's network and clocks have no say in explore mode
  if (s.explore) {
    t.explore.budget = s.explore->budget;
    t.explore.crash_groups = s.explore->crash;
  } else if (!t.protocol->explore_presets.empty()) {
    t.explore = t.protocol->explore_presets.front().spec;
  }
  t.explore.budget.on = true;
  return t;
}

namespace {

std::shared_ptr<detail::SimTarget> sim_target(const Target& t) {
  auto s = std::make_shared<detail::SimTarget>();
  s->protocol = t.protocol;
  s->spec = t.spec;
  s->spec.keep_trace = false;
  s->spec.time_limit_ns = 1000 * 3600 * sim::kSecond;  // the gate ends every run
  const sim::ExploreConfig budget = t.explore.budget;
  s->spec.configure = [budget](sim::SimConfig& c) {
    c.explore = budget;
    c.explore.on = true;
  };
  s->crash_groups = t.explore.crash_groups;
  return s;
}

// The nodes a crash may hit, resolved on a run set up but not started.
std::vector<sim::NodeId> resolve_crashable(const Target& t) {
  protocols::RunOutput out = protocols::prepare_run(*t.protocol, t.spec);
  for (const std::string& g : t.explore.crash_groups) {
    bool known = out.run->groups.has(g);
    for (sim::NodeId id = 0; id < out.sim->node_count() && !known; ++id) known = out.sim->node_name(id) == g;
    if (!known) {
      std::string groups;
      for (const auto& [name, ids] : out.run->groups.all()) groups += (groups.empty() ? "" : ", ") + name;
      throw BadInput("--crash", "no group or node of " + t.protocol->name + " is named '" + g +
                                    "'; its groups: " + groups);
    }
  }
  detail::SimTarget st;
  st.crash_groups = t.explore.crash_groups;
  return detail::crash_targets(st, *out.sim, *out.run);
}

}  // namespace

void validate(const Target& t, const Options& o) {
  const sim::ExploreConfig& b = t.explore.budget;
  const bool exhaustive = o.strategy == Strategy::bfs || o.strategy == Strategy::dfs;
  if (b.timeouts == sim::kExploreUnbounded && o.max_depth == 0) {
    throw BadInput("--timeouts", "timers without a bound make the state space infinite: give "
                                 "--timeouts N (firings per node) or --max-depth D");
  }
  if (b.restarts > b.crashes) {
    throw BadInput("--restarts", std::to_string(b.restarts) + " restarts, but only " +
                                     std::to_string(b.crashes) + " crashes: only a crashed node restarts");
  }
  if (b.crashes > 0) {
    if (t.explore.crash_groups.empty()) {
      throw BadInput("--crash", "--crashes needs the groups or nodes a crash may hit (--crash GROUP)");
    }
    const std::size_t nodes = resolve_crashable(t).size();
    if (b.crashes > nodes + b.restarts) {
      throw BadInput("--crashes", std::to_string(b.crashes) + " crashes, but only " +
                                      std::to_string(nodes) + " nodes may crash and " +
                                      std::to_string(b.restarts) + " may restart");
    }
  }
  if (o.jobs == 0) throw BadInput("--jobs", "at least 1");
  // DFS and DPOR run on one thread whatever --jobs says (their order is the search):
  // the result is the same for every J, as for the parallel strategies.
  if (o.reduction != Reduction::none && o.strategy != Strategy::dfs) {
    throw BadInput("--por", std::string(reduction_name(o.reduction)) + " needs --strategy dfs");
  }
  if (o.shortest && o.strategy != Strategy::bfs && o.strategy != Strategy::dfs) {
    throw BadInput("--shortest", "needs --strategy dfs (BFS finds a shortest path by itself)");
  }
  if (o.shortest && o.reduction != Reduction::none) {
    throw BadInput("--shortest", "expands a state again when a shorter path reaches it, which "
                                 "sleep sets and DPOR do not allow: use --por none");
  }
  if (o.symmetry && !exhaustive) {
    throw BadInput("--symmetry", "merges states in a visited set, which walks do not keep: use "
                                 "--strategy bfs or dfs");
  }
  if (o.symmetry && o.reduction != Reduction::none) {
    // A stored sleep set names transitions of the state it was stored with (node ids,
    // peers, message contents); a twin with the participants renamed has other names for
    // them, and DPOR's races are about concrete steps. Not shown sound, so refused.
    throw BadInput("--symmetry", "is not combined with --por " + std::string(reduction_name(o.reduction)) +
                                     ": a stored sleep set names the transitions of one state, not of "
                                     "its twins with the nodes renamed; use --por none");
  }
  if (o.engine == Engine::pure && !t.protocol->explore) {
    throw BadInput("--engine", t.protocol->name + " has no pure model; use --engine simulator");
  }
  if (!exhaustive && o.walks == 0) throw BadInput("--walks", "at least 1");
  if (o.strategy == Strategy::pct && o.pct_depth == 0) throw BadInput("--pct-depth", "at least 1");
}

namespace {

// The protocol's pure world of the target, or null when it has none or declines the
// configuration (2PC's does not model restarts, for one).
std::unique_ptr<protocols::ExploreWorld> pure_world(const Target& t) {
  if (!t.protocol->explore) return nullptr;
  protocols::ExploreSpec spec = t.explore;
  spec.budget.on = true;
  return t.protocol->explore(protocols::resolve_run(*t.protocol, t.spec), spec);
}

std::unique_ptr<protocols::ExploreWorld> world_on(const Target& t, Engine engine, Engine& used) {
  if (engine != Engine::simulator) {
    if (std::unique_ptr<protocols::ExploreWorld> w = pure_world(t)) {
      used = Engine::pure;
      return w;
    }
    if (engine == Engine::pure) {
      throw BadInput("--engine", "the pure model of " + t.protocol->name +
                                     " does not model this configuration (restarts or client "
                                     "crashes); use --engine simulator");
    }
  }
  used = Engine::simulator;
  return detail::make_sim_world(sim_target(t));
}

// A network that is a set of messages keeps every message deliverable, and a world that
// keeps ignored messages in flight may deliver one again: no path ends by itself, so a
// search that only stops at the end of a path needs a bound. BFS and DFS end by their
// visited set on a pure model, DPOR where every move leads back; the simulator engine keys a state by each node's inputs,
// which grow with every delivery. A set also has no loss or copy in its model (a set holds
// one of each, and a lost message sent again would be back, which the reductions'
// independence does not know).
void refuse_endless(const Target& t, const Options& o, Engine engine, const protocols::ExploreWorld& root) {
  const sim::ExploreConfig& b = t.explore.budget;
  if (root.message_set()) {
    const std::string why = "the network of this configuration is a set of messages (TLA+'s msgs): ";
    if (b.drops > 0) throw BadInput("--drops", why + "a lost message is not modelled");
    if (b.duplicates > 0) throw BadInput("--duplicates", why + "a set holds one of each message, so there is no copy");
  }
  const std::optional<std::string> endless = root.endless();
  if (!endless || o.max_depth > 0) return;
  const std::string why = *endless + ": ";
  if (engine == Engine::simulator) {
    const bool declined = o.engine != Engine::simulator;  // the pure model does not take the budgets
    const char* flag = !declined ? "--max-depth" : b.crashes > 0 ? "--crashes" : b.restarts > 0 ? "--restarts"
                                                 : b.drops > 0   ? "--drops"   : "--duplicates";
    throw BadInput(flag, why + (declined ? "its pure model does not take these budgets, and " : "") +
                             "on the simulator engine, whose states are each node's inputs, no path ends; "
                             "give --max-depth D (the pure model needs none)");
  }
  // DPOR ends a path where every move leads back to the state it left (search_dpor.cpp).
  if (o.strategy == Strategy::pct || o.strategy == Strategy::random_walk) {
    throw BadInput("--max-depth", why + "no path ends, so " + std::string(strategy_name(o.strategy)) +
                                      " needs --max-depth D");
  }
}

}  // namespace

std::unique_ptr<protocols::ExploreWorld> initial_world(const Target& t, Engine engine) {
  Engine used = engine;
  return world_on(t, engine, used);
}

Result explore(const Target& target, const Options& o) {
  validate(target, o);
  Target t = target;
  if (o.symmetry) t.explore.symmetry = true;
  Engine engine = o.engine;
  const std::unique_ptr<protocols::ExploreWorld> root = world_on(t, o.engine, engine);
  if (o.symmetry) {
    if (const std::optional<std::string> why = root->symmetry_refused()) {
      throw BadInput("--symmetry", "not for this configuration (engine " + std::string(engine_name(engine)) +
                                       "): " + *why);
    }
  }
  refuse_endless(t, o, engine, *root);
  Result r;
  switch (o.strategy) {
    case Strategy::bfs:
      r = detail::run_bfs(*root, o);
      break;
    case Strategy::dfs:
      r = o.reduction == Reduction::dpor ? detail::run_dpor(*root, o) : detail::run_dfs(*root, o);
      break;
    case Strategy::pct:
    case Strategy::random_walk:
      r = detail::run_walks(*root, o);
      break;
  }
  r.strategy = o.strategy;
  r.reduction = o.reduction;
  r.engine = engine;
  r.symmetry = o.symmetry;
  return r;
}

// ---------------------------------------------------------------- repro files

scenarios::Scenario explore_scenario(const Target& t, std::size_t steps) {
  nlohmann::json j;
  if (!t.scenario_file.empty()) {
    j = scenarios::load_scenario(t.scenario_file).source;
    // "nodes" and "workload" set options, which come back below with the rest of the
    // run's options: kept, they set them twice (an error when the repro is read).
    for (const char* field : {"faults", "random_faults", "network", "clocks", "liveness_ms",
                              "expect", "nodes", "workload"}) {
      j.erase(field);
    }
  } else {
    j = scenarios::scenario_for_run(*t.protocol, t.spec, "none").source;
    j["name"] = "explore --protocol " + t.protocol->name + (t.preset.empty() ? "" : " --preset " + t.preset);
    j["description"] = "a path found by `faultline explore`, replayed in the simulator's explore mode";
  }
  nlohmann::json options = j.value("options", nlohmann::json::object());
  for (const auto& [name, text] : t.spec.options.values()) {
    const protocols::OptionSpec* spec = t.protocol->options.find(name);
    const bool number = spec != nullptr && spec->type == protocols::OptionType::integer;
    const bool flag = spec != nullptr && spec->type == protocols::OptionType::boolean;
    options[name] = number ? nlohmann::json(std::stoll(text)) : flag ? nlohmann::json(text == "true") : nlohmann::json(text);
  }
  if (!options.empty()) j["options"] = options;
  if (!t.spec.bugs.empty()) j["bugs"] = t.spec.bugs;
  const sim::ExploreConfig& b = t.explore.budget;
  nlohmann::json e = {{"drops", b.drops}, {"duplicates", b.duplicates}, {"crashes", b.crashes},
                      {"restarts", b.restarts}};
  if (b.timeouts != sim::kExploreUnbounded) e["timeouts"] = b.timeouts;
  // Crash groups mean something only with crashes (a target may keep its preset's groups
  // with crashes turned off); a scenario file names them only then.
  if (b.crashes > 0 && !t.explore.crash_groups.empty()) e["crash"] = t.explore.crash_groups;
  j["explore"] = e;
  // The run ends with the path: each step takes the explore mode's step of true time.
  const std::uint64_t step_ms = static_cast<std::uint64_t>(b.step_ns / sim::kMillisecond);
  j["run_ms"] = std::max<std::uint64_t>(1, steps) * std::max<std::uint64_t>(1, step_ms);
  j["seed"] = 1;
  return scenarios::parse_scenario(j, t.scenario_file.empty() ? "explore" : t.scenario_file);
}

scenarios::Scenario explore_scenario(const Target& t) { return explore_scenario(t, 1); }

ReproOutcome counterexample_repro(const Target& t, const Counterexample& path,
                                  const std::string& version) {
  const scenarios::Scenario s = explore_scenario(t, path.steps.size());
  scenarios::Overrides o;
  o.keep_digests = true;
  const scenarios::ScenarioRun run =
      scenarios::run_scenario(s, o, std::make_unique<sim::TapeChoices>(path.tape()));
  ReproOutcome r;
  r.repro = scenarios::make_repro(s, run, version);
  r.repro.notes = {{"explore", {{"steps", path.steps.size()},
                                {"finding", path.finding.name},
                                {"path", [&] {
                                   nlohmann::json steps = nlohmann::json::array();
                                   for (const PathStep& p : path.steps) steps.push_back(p.text);
                                   return steps;
                                 }()}}}};
  const bool same = std::any_of(run.out.result.findings.begin(), run.out.result.findings.end(),
                                [&](const sim::Finding& f) { return f.name == path.finding.name; });
  const scenarios::ReplayResult replayed = scenarios::replay(r.repro);
  r.reproduced = same && replayed.reproduced;
  if (!same) {
    r.explanation = "the simulator did not report '" + path.finding.name + "' on this path (" +
                    run.out.result.stop_reason + ")";
  } else if (!replayed.reproduced) {
    r.explanation = "the repro does not replay to the same trace: " + replayed.explanation;
  }
  return r;
}

}  // namespace faultline::explorer
