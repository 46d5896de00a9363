#include "scenarios/shrink.hpp"

#include "sim/assert.hpp"

#include <algorithm>
#include <cmath>

#include "protocols/registry.hpp"
#include "sim/faults.hpp"

namespace faultline::scenarios {
namespace {

nlohmann::json ms(sim::Duration ns) {
  if (ns % sim::kMillisecond == 0) return ns / sim::kMillisecond;
  return static_cast<double>(ns) / 1e6;
}

double ratio_value(sim::Ratio r) { return static_cast<double>(r.num) / static_cast<double>(r.den); }

nlohmann::json name_array(const sim::Simulation& sim, const std::vector<sim::NodeId>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (sim::NodeId id : ids) out.push_back(sim.node_name(id));
  return out;
}

// One fault of a random schedule as a timeline step (docs/scenarios.md).
nlohmann::json step_of(const sim::Simulation& sim, const sim::FaultRecord& r) {
  using K = sim::FaultKind;
  nlohmann::json j = {{"at_ms", ms(r.start_ns)}};
  const sim::Duration length = std::max<sim::Duration>(r.end_ns - r.start_ns, sim::kMicrosecond);
  bool window = true;
  switch (r.kind) {
    case K::partition:
    case K::isolate:
      j["kind"] = "partition";
      j["groups"] = {name_array(sim, r.groups.at(0)), name_array(sim, r.groups.at(1))};
      break;
    case K::one_way:
      j["kind"] = "one-way";
      j["from"] = name_array(sim, r.groups.at(0));
      j["to"] = name_array(sim, r.groups.at(1));
      break;
    case K::lossy_links:
    case K::duplicate_links:
      j["kind"] = r.kind == K::lossy_links ? "drop" : "duplicate";
      j["probability"] = ratio_value(r.ratio);
      break;
    case K::reorder_links:
      j["kind"] = "reorder";
      j["probability"] = ratio_value(r.ratio);
      j["delay_ms"] = ms(r.amount_ns);
      break;
    case K::slow_links:
      j["kind"] = "delay";
      j["delay_ms"] = ms(r.amount_ns);
      if (!r.groups.empty()) {
        j["from"] = name_array(sim, r.groups.at(0));
        j["to"] = name_array(sim, r.groups.at(1));
      }
      break;
    case K::crash:
    case K::pause:
      j["kind"] = r.kind == K::crash ? "crash" : "pause";
      j["node"] = sim.node_name(r.node);
      break;
    case K::clock_offset:
    case K::clock_drift:
    case K::clock_jump:
    case K::clock_strobe:
      j["kind"] = "clock";
      j["node"] = sim.node_name(r.node);
      if (r.kind == K::clock_offset) j["offset_ms"] = ms(r.amount_ns);
      if (r.kind == K::clock_drift) j["drift_ppm"] = r.ppm;
      if (r.kind == K::clock_jump) j["jump_ms"] = ms(r.amount_ns), window = false;
      if (r.kind == K::clock_strobe) j["strobe_ms"] = ms(r.amount_ns), j["period_ms"] = ms(r.period_ns);
      break;
    default:
      j["kind"] = "disk";
      j["node"] = sim.node_name(r.node);
      j["fault"] = r.kind == K::torn_writes       ? "torn-writes"
                   : r.kind == K::read_corruption ? "corrupt-reads"
                   : r.kind == K::slow_disk       ? "slow"
                   : r.kind == K::disk_full       ? "full"
                                                  : "lose-unsynced";
      if (r.kind == K::torn_writes || r.kind == K::read_corruption) j["probability"] = ratio_value(r.ratio);
      if (r.kind == K::slow_disk) j["factor"] = r.factor;
      window = r.kind != K::lose_unsynced;
      break;
  }
  if (window) j["for_ms"] = ms(length);
  return j;
}

// An option's value as a scenario file writes it.
nlohmann::json option_json(const protocols::OptionSpec& spec, const std::string& text) {
  if (spec.type == protocols::OptionType::integer) return std::stoll(text);
  if (spec.type == protocols::OptionType::boolean) return text == "true";
  return text;
}

struct Outcome {
  bool fails = false;  // fails the target property first
  ShrinkSize size;
  sim::Tape recorded;
  sim::Time finding_ns = 0;
  nlohmann::json materialized;  // the scenario with the random schedule as a timeline
  std::vector<std::string> nodes;  // the run's node names
};

// The scenario without the nodes in `gone` (a smaller configuration has no such nodes):
// they leave every fault step's node lists; a step left without its node, or with an
// empty side, goes.
nlohmann::json without_nodes(nlohmann::json scenario, const std::vector<std::string>& gone) {
  if (gone.empty() || !scenario.contains("faults")) return scenario;
  const auto is_gone = [&](const nlohmann::json& v) {
    return v.is_string() && std::find(gone.begin(), gone.end(), v.get<std::string>()) != gone.end();
  };
  const auto prune = [&](nlohmann::json& list) {  // false: the list is left empty
    if (!list.is_array()) return !is_gone(list);
    nlohmann::json kept = nlohmann::json::array();
    for (const nlohmann::json& v : list) {
      if (!is_gone(v)) kept.push_back(v);
    }
    list = std::move(kept);
    return !list.empty();
  };
  nlohmann::json steps = nlohmann::json::array();
  for (nlohmann::json step : scenario["faults"]) {
    bool keep = true;
    for (const char* field : {"node", "nodes", "from", "to"}) {
      if (step.contains(field)) keep = prune(step[field]) && keep;
    }
    if (step.contains("groups") && step["groups"].is_array()) {
      for (nlohmann::json& group : step["groups"]) keep = prune(group) && keep;
    }
    if (keep) steps.push_back(std::move(step));
  }
  if (steps.empty()) scenario.erase("faults");
  else scenario["faults"] = std::move(steps);
  return scenario;
}

class Shrinker {
 public:
  Shrinker(const Repro& r, std::uint64_t max_runs,
           const std::function<void(const std::string&)>& progress, const std::atomic<bool>* stop)
      : seed_(r.seed),
        failing_seed_(r.seed),
        max_events_(r.max_events),
        max_runs_(max_runs),
        progress_(progress),
        stop_(stop) {
    scenario_ = r.scenario;
    tape_ = r.tape;
    random_faults_ = r.scenario.value("random_faults", nlohmann::json("none"));
    for (const ReproFinding& f : r.findings) {
      if (f.kind == sim::finding_kind_name(sim::FindingKind::event_limit)) continue;
      property_ = f.name;
      break;
    }
  }

  ShrinkResult run(const std::string& version);

 private:
  // Runs a candidate for at most `max_events` events (0: the repro's own bound).
  Outcome attempt(const nlohmann::json& scenario, const sim::Tape& tape, std::uint64_t max_events = 0);
  // The same, drawing every choice from `seed` (no tape); the outcome records the tape.
  Outcome attempt_seeded(const nlohmann::json& scenario, std::uint64_t seed, std::uint64_t max_events);
  Outcome run_candidate(const nlohmann::json& scenario, const sim::Tape* tape, std::uint64_t seed,
                        std::uint64_t max_events);
  // Tries seeds `first_index` .. `first_index + tries - 1` (derived from the failing seed).
  bool resample(std::uint64_t first_index, std::uint64_t tries);
  // The passes below, round after round; true when a whole round found nothing smaller.
  bool local_passes();
  bool accept(const nlohmann::json& scenario, const sim::Tape& tape, const char* what);
  bool budget_left() const { return runs_ < max_runs_ && runs_ < round_end_ && !stopped(); }
  bool stopped() const { return stop_ != nullptr && stop_->load(); }
  bool remove_faults();
  bool one_fault();
  bool shorten_faults();
  bool simplify_options();
  bool shrink_tape();
  bool end_early();
  bool shorter_run();
  std::vector<std::string> nodes_gone(const nlohmann::json& candidate);

  std::uint64_t seed_;
  std::uint64_t failing_seed_;
  std::uint64_t max_events_;
  std::uint64_t max_runs_;
  std::function<void(const std::string&)> progress_;
  const std::atomic<bool>* stop_;
  std::string property_;
  nlohmann::json scenario_;
  sim::Tape tape_;
  ShrinkSize best_;
  sim::Time finding_ns_ = 0;
  std::vector<std::string> nodes_;  // the best run's node names
  nlohmann::json random_faults_;    // the failing run's random schedule ("none", "swarm", ...)
  std::uint64_t runs_ = 0;
  static constexpr std::uint64_t kNoRoundEnd = ~std::uint64_t{0};
  std::uint64_t round_end_ = kNoRoundEnd;  // the passes' share of a round ends at this run
};

Outcome Shrinker::attempt(const nlohmann::json& scenario, const sim::Tape& tape,
                          std::uint64_t max_events) {
  return run_candidate(scenario, &tape, seed_, max_events);
}

Outcome Shrinker::attempt_seeded(const nlohmann::json& scenario, std::uint64_t seed,
                                 std::uint64_t max_events) {
  return run_candidate(scenario, nullptr, seed, max_events);
}

Outcome Shrinker::run_candidate(const nlohmann::json& scenario, const sim::Tape* tape,
                                std::uint64_t seed, std::uint64_t max_events) {
  ++runs_;
  Outcome o;
  Scenario s;
  try {
    s = parse_scenario(scenario, "shrink candidate");
  } catch (const protocols::BadInput&) {
    return o;  // a candidate the format refuses (e.g. an option out of range) is no run
  }
  Overrides ov;
  ov.seed = seed;
  ov.max_events = max_events > 0 ? max_events : max_events_;
  ov.keep_trace = false;
  ScenarioRun r;
  try {
    r = run_scenario(s, ov, tape != nullptr ? std::make_unique<sim::TapeChoices>(*tape) : nullptr);
  } catch (const protocols::BadInput&) {
    return o;
  }
  for (const sim::Finding& f : r.out.result.findings) {
    if (f.kind == sim::FindingKind::event_limit) continue;
    o.fails = f.name == property_;
    o.finding_ns = f.time;
    break;
  }
  const std::uint64_t random_faults = r.out.fault_log ? r.out.fault_log->size() : 0;
  o.size = ShrinkSize{s.faults.size() + random_faults, r.out.result.events,
                      r.out.choices->tape().size(), r.out.result.sim_time_ns};
  o.size.fault_lines = r.timeline.size();
  o.recorded = r.out.choices->tape();
  for (sim::NodeId id = 0; id < r.out.sim->node_count(); ++id) o.nodes.push_back(r.out.sim->node_name(id));
  if (random_faults > 0 || !r.out.swarm.empty()) {
    nlohmann::json m = scenario;
    m["random_faults"] = "none";
    nlohmann::json steps = m.value("faults", nlohmann::json::array());
    for (const sim::FaultRecord& f : *r.out.fault_log) steps.push_back(step_of(*r.out.sim, f));
    std::stable_sort(steps.begin(), steps.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a["at_ms"].get<double>() < b["at_ms"].get<double>();
    });
    if (steps.empty()) m.erase("faults");
    else m["faults"] = steps;
    const protocols::Protocol& p = *protocols::find_protocol(s.protocol);
    for (const auto& [name, value] : r.out.swarm) m["options"][name] = option_json(*p.options.find(name), value);
    o.materialized = std::move(m);
  }
  return o;
}

bool Shrinker::accept(const nlohmann::json& scenario, const sim::Tape& tape, const char* what) {
  if (!budget_left()) return false;
  // One event more than the best: a candidate still running then cannot be smaller.
  const Outcome o = attempt(scenario, tape, best_.events + 1);
  if (!o.fails || !(o.size < best_)) return false;
  scenario_ = scenario;
  tape_ = o.recorded;  // what the run drew: a failing run that stops early draws less
  best_ = o.size;
  finding_ns_ = o.finding_ns;
  nodes_ = o.nodes;
  if (progress_) {
    progress_("run " + std::to_string(runs_) + ": " + std::string(what) + ": " +
              std::to_string(best_.faults) + " faults, " + std::to_string(best_.events) +
              " events, tape " + std::to_string(best_.tape));
  }
  return true;
}

// Delta debugging over the timeline: remove halves, then quarters, ..., then single steps.
bool Shrinker::remove_faults() {
  bool any = false;
  for (std::size_t chunk = std::max<std::size_t>(1, scenario_.value("faults", nlohmann::json::array()).size() / 2);
       chunk >= 1 && budget_left(); chunk /= 2) {
    for (std::size_t i = 0; budget_left();) {
      const nlohmann::json faults = scenario_.value("faults", nlohmann::json::array());
      if (i >= faults.size()) break;
      nlohmann::json candidate = scenario_;
      nlohmann::json rest = nlohmann::json::array();
      for (std::size_t k = 0; k < faults.size(); ++k) {
        if (k < i || k >= i + chunk) rest.push_back(faults[k]);
      }
      if (rest.empty()) candidate.erase("faults");
      else candidate["faults"] = rest;
      if (accept(candidate, tape_, "removed faults")) {
        any = true;  // the same i now names the next step
      } else {
        i += chunk;
      }
    }
    if (chunk == 1) break;
  }
  return any;
}

// Each fault alone, at earlier times (eighths of its start), with the tape and quiet: a
// failure often needs one fault at the right moment, and earlier means a shorter run.
bool Shrinker::one_fault() {
  const nlohmann::json faults = scenario_.value("faults", nlohmann::json::array());
  if (faults.empty()) return false;
  for (std::size_t i = faults.size(); i-- > 0 && budget_left();) {
    const double at = faults[i]["at_ms"].get<double>();
    for (int eighth = 1; eighth <= 8 && budget_left(); ++eighth) {
      nlohmann::json step = faults[i];
      step["at_ms"] = std::floor(at * eighth / 8);
      nlohmann::json candidate = scenario_;
      candidate["faults"] = nlohmann::json::array({step});
      if (accept(candidate, tape_, "one fault alone, earlier") ||
          accept(candidate, sim::Tape{}, "one fault alone, earlier, every choice quiet")) {
        return true;
      }
    }
  }
  return false;
}

// Shorter windows and earlier starts: a fault that does the same harm in less time.
bool Shrinker::shorten_faults() {
  bool any = false;
  const std::size_t n = scenario_.value("faults", nlohmann::json::array()).size();
  for (std::size_t i = 0; i < n && budget_left(); ++i) {
    for (const char* field : {"for_ms", "at_ms"}) {
      const nlohmann::json& step = scenario_["faults"][i];
      if (!step.contains(field)) continue;
      const double v = step[field].get<double>();
      if (v < 1) continue;
      nlohmann::json candidate = scenario_;
      candidate["faults"][i][field] = std::floor(v / 2);
      if (std::string(field) == "for_ms" && v / 2 < 1) continue;
      any = accept(candidate, tape_, field == std::string("for_ms") ? "shortened a fault" : "moved a fault earlier") || any;
    }
  }
  return any;
}

// The best run's nodes that `candidate`'s configuration does not have (a run set up and
// stopped at its first event tells; its faults left out, since they may name them).
std::vector<std::string> Shrinker::nodes_gone(const nlohmann::json& candidate) {
  nlohmann::json bare = candidate;
  bare.erase("faults");
  const Outcome probe = attempt(bare, tape_, 1);
  std::vector<std::string> gone;
  if (probe.nodes.empty()) return gone;  // no run: the candidate is refused anyway
  for (const std::string& name : nodes_) {
    if (std::find(probe.nodes.begin(), probe.nodes.end(), name) == probe.nodes.end()) gone.push_back(name);
  }
  return gone;
}

// Options back to their defaults, then every integer option toward its minimum (fewer
// servers, fewer clients, fewer operations): a smaller workload, a shorter run.
bool Shrinker::simplify_options() {
  bool any = false;
  if (scenario_.contains("options")) {
    const nlohmann::json options = scenario_["options"];
    for (const auto& [name, value] : options.items()) {
      if (!budget_left()) break;
      nlohmann::json candidate = scenario_;
      candidate["options"].erase(name);
      if (candidate["options"].empty()) candidate.erase("options");
      any = accept(candidate, tape_, "an option back to its default") || any;
    }
  }
  const protocols::Protocol* p = protocols::find_protocol(scenario_.value("protocol", ""));
  if (p == nullptr) return any;
  // The values an option declares for shrinking (e.g. a few operations per client where
  // the default is "until the run ends").
  for (const protocols::OptionSpec& spec : p->options.specs()) {
    for (const std::string& text : spec.shrink) {
      if (!budget_left()) break;
      const nlohmann::json value = option_json(spec, text);
      if (scenario_.contains("options") && scenario_["options"].value(spec.name, nlohmann::json()) == value) break;
      nlohmann::json candidate = scenario_;
      candidate["options"][spec.name] = value;
      if (accept(candidate, tape_, "a declared smaller value") ||
          accept(candidate, sim::Tape{}, "a declared smaller value, every choice quiet")) {
        any = true;
        break;
      }
    }
  }
  for (const protocols::OptionSpec& spec : p->options.specs()) {
    if (spec.type != protocols::OptionType::integer || !budget_left()) continue;
    const nlohmann::json* given = scenario_.contains("options") && scenario_["options"].contains(spec.name)
                                      ? &scenario_["options"][spec.name]
                                      : nullptr;
    const std::int64_t current = given != nullptr && given->is_number_integer()
                                     ? given->get<std::int64_t>()
                                     : std::stoll(spec.default_text);
    for (const std::int64_t v : {spec.min, spec.min + (current - spec.min) / 2, current - 1}) {
      if (v >= current || v < spec.min || !budget_left()) continue;
      nlohmann::json candidate = scenario_;
      candidate["options"][spec.name] = v;
      candidate = without_nodes(std::move(candidate), nodes_gone(candidate));
      // With the tape as it is, and with no tape at all (every choice quiet): a new
      // configuration shifts what each recorded choice meant, so the quiet run is often
      // the closer one.
      if (accept(candidate, tape_, "a smaller option") ||
          accept(candidate, sim::Tape{}, "a smaller option, every choice quiet")) {
        any = true;
        break;
      }
    }
  }
  return any;
}

// Tape passes: the whole tape quiet, then zero chunks of choices (the quiet choice), then
// delete chunks.
bool Shrinker::shrink_tape() {
  bool any = !tape_.empty() && accept(scenario_, sim::Tape{}, "every choice quiet");
  for (const bool zero : {true, false}) {
    for (std::size_t chunk = std::max<std::size_t>(1, tape_.size() / 2); budget_left(); chunk /= 2) {
      for (std::size_t i = 0; i < tape_.size() && budget_left();) {
        sim::Tape candidate = tape_;
        const std::size_t end = std::min(candidate.size(), i + chunk);
        bool changes = !zero;
        if (zero) {
          for (std::size_t k = i; k < end; ++k) {
            changes = changes || candidate[k].value != 0;
            candidate[k].value = 0;
          }
        } else {
          candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(i),
                          candidate.begin() + static_cast<std::ptrdiff_t>(end));
        }
        if (changes && accept(scenario_, candidate, zero ? "quieter choices" : "fewer choices")) {
          any = true;
          if (!zero) continue;  // the same i now names what followed
        }
        i += chunk;
      }
      // Single choices are worth trying only on short tapes (each try is a run).
      if (chunk == 1 || (chunk <= 8 && tape_.size() > 400)) break;
    }
  }
  return any;
}

// The run need not go on after the failure: end it right after.
bool Shrinker::end_early() {
  const double end_ms = std::floor(static_cast<double>(finding_ns_) / 1e6) + 1;
  if (!scenario_.contains("run_ms") || scenario_["run_ms"].get<double>() <= end_ms) return false;
  nlohmann::json candidate = scenario_;
  candidate["run_ms"] = end_ms;
  return accept(candidate, tape_, "the run ends right after the failure");
}

// A failure found only when the run ends (a history checked at the end, a liveness
// bound) often happened long before: try the run cut to a sixteenth, an eighth, a
// quarter, a half and three quarters of its length, shortest first, dropping the faults
// that would start after the new end.
bool Shrinker::shorter_run() {
  const sim::Time length = best_.sim_time_ns;
  if (length < 2 * sim::kMillisecond || !budget_left()) return false;
  for (const double fraction : {1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 3.0 / 4}) {
    const double end_ms = std::floor(static_cast<double>(length) * fraction / 1e6);
    if (end_ms < 1 || !budget_left()) continue;
    nlohmann::json candidate = scenario_;
    candidate["run_ms"] = end_ms;
    if (candidate.contains("faults")) {
      nlohmann::json kept = nlohmann::json::array();
      for (const nlohmann::json& step : candidate["faults"]) {
        if (step["at_ms"].get<double>() < end_ms) kept.push_back(step);
      }
      if (kept.empty()) candidate.erase("faults");
      else candidate["faults"] = std::move(kept);
    }
    if (accept(candidate, tape_, "a shorter run")) return true;
  }
  return false;
}

// Other seeds of the failing configuration (the options as drawn; the random fault
// schedule drawn afresh, or the timeline kept when the run had no random schedule): a
// failure that needed seconds of one seed's history often shows within a few hundred
// events of another's. Runs are bounded by the best run's events, so each costs less
// than the best run. The seeds are derived from the failing seed, so a shrink is
// deterministic.
bool Shrinker::resample(std::uint64_t first_index, std::uint64_t tries) {
  nlohmann::json base = scenario_;
  if (random_faults_ != "none") {
    base.erase("faults");
    base["random_faults"] = random_faults_;
  }
  const std::uint64_t first = failing_seed_;
  const double length_ms = std::floor(static_cast<double>(best_.sim_time_ns) / 1e6) + 1;
  bool any = false;
  for (std::uint64_t i = first_index; i < first_index + tries && budget_left(); ++i) {
    // Half the tries with the run cut to a quarter: a random schedule paces its faults
    // over the run, so a shorter run is a denser one.
    if (i == first_index || i == first_index + tries / 2) {
      base["run_ms"] = std::max(1.0, std::floor(length_ms * (i == first_index ? 0.25 : 1.0)));
    }
    std::uint64_t seed = first + i * 0x9e3779b97f4a7c15ULL;  // splitmix64 of first + i
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
    seed ^= seed >> 31;
    const Outcome o = attempt_seeded(base, seed, best_.events + 1);
    if (!o.fails || !(o.size < best_)) continue;
    // As a timeline (an editable file), when that run fails the same way; else as drawn.
    nlohmann::json scenario = o.materialized.is_null() ? base : o.materialized;
    if (!budget_left()) break;
    Outcome kept = run_candidate(scenario, &o.recorded, seed, 2 * o.size.events + 1000);
    if (!kept.fails || !(kept.size < best_)) {
      if (!budget_left()) break;
      scenario = base;
      kept = run_candidate(scenario, &o.recorded, seed, o.size.events + 1);
      if (!kept.fails || !(kept.size < best_)) continue;
    }
    scenario["seed"] = seed;
    scenario_ = std::move(scenario);
    seed_ = seed;
    tape_ = kept.recorded;
    best_ = kept.size;
    finding_ns_ = kept.finding_ns;
    nodes_ = kept.nodes;
    any = true;
    if (progress_) {
      progress_("run " + std::to_string(runs_) + ": another seed (" + std::to_string(seed) +
                "): " + std::to_string(best_.faults) + " faults, " + std::to_string(best_.events) +
                " events, tape " + std::to_string(best_.tape));
    }
  }
  return any;
}

bool Shrinker::local_passes() {
  bool progress = true;
  while (progress && budget_left()) {
    progress = shorter_run();
    progress = remove_faults() || progress;
    progress = one_fault() || progress;
    progress = shorten_faults() || progress;
    progress = simplify_options() || progress;
    progress = shrink_tape() || progress;
    progress = end_early() || progress;
  }
  return !progress && budget_left();
}

ShrinkResult Shrinker::run(const std::string& version) {
  ShrinkResult result;
  const Outcome base = attempt(scenario_, tape_);
  if (!base.fails) {
    throw protocols::BadInput("", "replayed, the run no longer fails '" + property_ +
                                      "' as recorded (the code changed since?)");
  }
  result.property = property_;
  result.before = best_ = base.size;
  finding_ns_ = base.finding_ns;
  nodes_ = base.nodes;
  tape_ = base.recorded;
  // What to give back when nothing smaller turns up: the run as it came.
  const nlohmann::json given = scenario_;
  const sim::Tape given_tape = tape_;
  const std::vector<std::string> given_nodes = nodes_;
  const sim::Time given_finding_ns = finding_ns_;
  if (!base.materialized.is_null() && budget_left()) {
    const Outcome m = attempt(base.materialized, tape_, 2 * best_.events + 1000);
    if (m.fails) {
      scenario_ = base.materialized;
      tape_ = m.recorded;
      best_ = m.size;
      finding_ns_ = m.finding_ns;
      nodes_ = m.nodes;
      result.materialized = true;
      if (progress_) progress_("the random schedule as a timeline of " + std::to_string(best_.faults) + " faults");
    }
  }
  // Rounds: other seeds of the configuration, then the passes until a whole round of them
  // finds nothing smaller or they have spent as many runs as the seeds did. The first round
  // tries 500 seeds (a quarter of a budget under 2,000), each later one twice as many as
  // the one before, the seeds running on where the last round's ended. The schedule does
  // not depend on the budget, so a larger one goes on from where a smaller one stopped and
  // never ends at a larger run. It ends, before the budget, when the passes had settled
  // and a round's seeds found nothing smaller either (the passes would find nothing anew).
  bool settled = false;
  for (std::uint64_t next = 1, tries = std::clamp<std::uint64_t>(max_runs_ / 4, 16, 500);
       budget_left(); next += tries, tries *= 2) {
    if (!resample(next, tries) && settled) break;
    round_end_ = runs_ + tries;
    settled = local_passes();
    round_end_ = kNoRoundEnd;
  }
  if (!(best_.net() < result.before.net())) {
    // The timeline that replaced the random schedule takes a line more per fault than the
    // schedule did, and the passes that would have cut it had no budget left, or found
    // nothing smaller. A shrink never gives back a larger run than it was given. The
    // comparison is net of those lines: a failure too fragile for the passes to cut any
    // event from can still lose faults (44 -> 34 for membership-no-term-commit from seed
    // 4587, with 14 trace events more than its 21,131, all of them such lines).
    scenario_ = given;
    tape_ = given_tape;
    nodes_ = given_nodes;
    finding_ns_ = given_finding_ns;
    seed_ = failing_seed_;
    best_ = result.before;
    result.materialized = false;
  }
  FAULTLINE_ASSERT(runs_ <= max_runs_, "a shrink tries at most its budget of candidate runs");
  FAULTLINE_ASSERT(!(result.before.net() < best_.net()),
                   "a shrink gives back no larger run than it was given");
  // The final run, recorded as a repro file.
  const Scenario s = parse_scenario(scenario_, "the shrunk scenario");
  Overrides o;
  o.seed = seed_;
  o.max_events = max_events_;
  o.keep_digests = true;
  const ScenarioRun final_run = run_scenario(s, o, std::make_unique<sim::TapeChoices>(tape_));
  result.repro = make_repro(s, final_run, version);
  result.after = best_;
  result.runs = runs_;
  result.stopped = stopped();
  result.repro.notes["shrunk"] = {{"property", property_},
                                  {"before", result.before.to_json()},
                                  {"after", result.after.to_json()},
                                  {"runs", runs_},
                                  {"materialized", result.materialized}};
  if (seed_ != failing_seed_) result.repro.notes["shrunk"]["failing_seed"] = failing_seed_;
  return result;
}

}  // namespace

nlohmann::json ShrinkSize::to_json() const {
  return {{"faults", faults},
          {"events", events},
          {"fault_lines", fault_lines},
          {"tape", tape},
          {"sim_time_ns", sim_time_ns}};
}

ShrinkResult shrink(const Repro& failing, std::uint64_t max_runs,
                    const std::function<void(const std::string&)>& progress,
                    const std::string& version, const std::atomic<bool>* stop) {
  const bool fails = std::any_of(failing.findings.begin(), failing.findings.end(), [](const ReproFinding& f) {
    return f.kind != sim::finding_kind_name(sim::FindingKind::event_limit);
  });
  if (!fails) {
    throw protocols::BadInput(failing.file, "the recorded run found nothing: there is no failure to shrink");
  }
  FAULTLINE_ASSERT(max_runs >= 1, "a shrink has room for at least the replay of its input");
  Shrinker shrinker(failing, max_runs, progress, stop);
  try {
    return shrinker.run(version.empty() ? failing.version : version);
  } catch (const protocols::BadInput& e) {
    throw protocols::BadInput(failing.file, e.what());
  }
}

}  // namespace faultline::scenarios
