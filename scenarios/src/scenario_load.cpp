// Reading and validating a scenario file (docs/scenarios.md).
#include <algorithm>

#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "scenarios/scenario.hpp"

namespace faultline::scenarios {
namespace {

constexpr std::array<std::string_view, 13> kStepNames = {
    "partition", "one-way", "heal",  "drop",   "duplicate", "delay", "reorder",
    "crash",     "restart", "pause", "resume", "clock",     "disk"};

const std::vector<std::string> kPartitionSpecs = {"halves",          "random-halves",
                                                  "isolate-one",     "majorities-ring",
                                                  "bridge",          "minority-third"};
const std::vector<std::string> kDiskFaults = {"lose-unsynced", "torn-writes", "corrupt-reads",
                                              "slow", "full", "wipe"};

const protocols::Protocol& protocol_of(const JsonField& f) {
  const std::string name = f.nonempty_string();
  if (const protocols::Protocol* p = protocols::find_protocol(name)) return *p;
  std::vector<std::string> known;
  for (const protocols::Protocol& p : protocols::all_protocols()) known.push_back(p.name);
  std::string list;
  for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
  f.fail("unknown protocol '" + name + "'" + did_you_mean(name, known) + "; known: " + list);
}

// An option's value as --set would write it, checked against the option's type.
std::string option_text(const protocols::OptionSpec& spec, const JsonField& f) {
  const nlohmann::json& v = f.json();
  switch (spec.type) {
    case protocols::OptionType::integer:
      if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
      f.expected("a whole number (" + spec.kind_text() + ")");
    case protocols::OptionType::boolean:
      return f.boolean() ? "true" : "false";
    case protocols::OptionType::duration:
      if (!v.is_string()) f.expected("a duration with a unit, such as \"150ms\" or \"2s\"");
      return v.get<std::string>();
    case protocols::OptionType::choice:
    case protocols::OptionType::text:
      return f.string();
  }
  f.fail("unsupported option type");
}

void read_options(const JsonField& obj, const protocols::Protocol& p, protocols::Options& out,
                  bool sizes_only) {
  for (const auto& [name, value] : obj.members()) {
    const protocols::OptionSpec* spec = p.options.find(name);
    const bool is_group = std::find(p.groups.begin(), p.groups.end(), name) != p.groups.end();
    if (spec == nullptr || (sizes_only && !is_group)) {
      const std::vector<std::string> known =
          sizes_only ? p.groups : p.options.names();
      value.fail(std::string(sizes_only ? "not a node group of " : "not an option of ") +
                 p.name + did_you_mean(name, known) +
                 (sizes_only ? "; groups whose size an option sets are named like it" : ""));
    }
    if (out.has(name)) value.fail("given twice (in options, nodes or workload)");
    out.set(name, option_text(*spec, value), value.where());
  }
}

Selector read_selector(const JsonField& f) {
  Selector s;
  s.path = f.where();
  auto term = [&](const JsonField& t) {
    if (t.json().is_string()) {
      s.terms.push_back(t.nonempty_string());
    } else if (t.json().is_number_integer() || t.json().is_number_unsigned()) {
      s.terms.push_back("#" + std::to_string(t.u64(0, 1u << 20)));
    } else {
      t.expected("a node selector (a node name or id, a group, or leader, followers, minority, "
                 "majority, random, all, others)");
    }
  };
  if (f.json().is_array()) {
    for (const JsonField& t : f.elements()) term(t);
    if (s.terms.empty()) f.fail("an empty list selects no node");
  } else {
    term(f);
  }
  return s;
}

StepKind step_kind(const JsonField& f) {
  const std::string name = f.nonempty_string();
  for (std::size_t i = 0; i < kStepNames.size(); ++i) {
    if (kStepNames[i] == name) return static_cast<StepKind>(i);
  }
  const std::vector<std::string> known(kStepNames.begin(), kStepNames.end());
  std::string list;
  for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
  f.fail("unknown fault kind '" + name + "'" + did_you_mean(name, known) + "; known: " + list);
}

void read_partition(const JsonField& f, FaultStep& step) {
  f.only_fields({"kind", "at_ms", "for_ms", "note", "groups", "spec", "among"});
  if (f.has("groups") && f.has("spec"))
    f.fail("a partition takes \"groups\" or \"spec\", not both");
  if (!f.has("groups") && !f.has("spec")) f.fail("a partition needs either \"groups\" or \"spec\"");
  if (auto groups = f.get("groups")) {
    for (const JsonField& g : groups->elements()) {
      Selector selector = read_selector(g);
      // The same selector on two sides names a node that is on both; nodes the run only
      // resolves then (leader, a random pick) are checked when the fault fires.
      for (std::size_t i = 0; i < step.groups.size(); ++i) {
        for (const std::string& term : selector.terms) {
          const auto& earlier = step.groups[i].terms;
          if (std::find(earlier.begin(), earlier.end(), term) != earlier.end()) {
            const std::string& at = step.groups[i].path;  // "FILE: $.faults[k].groups[i]"
            g.fail("'" + term + "' is already in " + at.substr(std::min(at.find('$'), at.size())) +
                   "; a node is on one side of a partition only");
          }
        }
      }
      step.groups.push_back(std::move(selector));
    }
    if (step.groups.size() < 2) groups->fail("a partition needs at least two groups");
  } else {
    const JsonField spec = f.at("spec");
    step.spec = spec.nonempty_string();
    if (std::find(kPartitionSpecs.begin(), kPartitionSpecs.end(), step.spec) == kPartitionSpecs.end()) {
      std::string list;
      for (const std::string& k : kPartitionSpecs) list += (list.empty() ? "" : ", ") + k;
      spec.fail("unknown partition spec '" + step.spec + "'" +
                did_you_mean(step.spec, kPartitionSpecs) + "; known: " + list);
    }
    if (auto among = f.get("among")) step.among = read_selector(*among);
  }
}

void read_links(const JsonField& f, FaultStep& step) {
  const bool one_way = step.kind == StepKind::one_way;
  if (one_way) {
    f.only_fields({"kind", "at_ms", "for_ms", "note", "from", "to"});
    step.from = read_selector(f.at("from"));
    step.to = read_selector(f.at("to"));
    return;
  }
  f.only_fields({"kind", "at_ms", "for_ms", "note", "from", "to", "probability", "delay_ms"});
  if (auto from = f.get("from")) step.from = read_selector(*from);
  if (auto to = f.get("to")) step.to = read_selector(*to);
  const bool delays = step.kind == StepKind::delay || step.kind == StepKind::reorder;
  if (auto p = f.get("probability")) {
    if (step.kind == StepKind::delay) p->fail("a delay applies to every message; no probability");
    step.probability = p->probability();
  }
  if (auto d = f.get("delay_ms")) {
    if (!delays) d->fail("only delay and reorder take delay_ms");
    step.delay_ns = d->millis();
  } else if (delays) {
    f.fail("missing the field \"delay_ms\" (the most a message is held back)");
  }
}

void read_clock(const JsonField& f, FaultStep& step) {
  f.only_fields({"kind", "at_ms", "for_ms", "note", "node", "offset_ms", "drift_ppm", "jump_ms",
                 "strobe_ms", "period_ms"});
  step.nodes = read_selector(f.at("node"));
  int given = 0;
  if (auto v = f.get("offset_ms")) step.offset_ns = v->millis(true), ++given;
  if (auto v = f.get("drift_ppm")) step.drift_ppm = v->i64(-500000, 500000), ++given;
  if (auto v = f.get("jump_ms")) step.jump_ns = v->millis(true), ++given;
  if (auto v = f.get("strobe_ms")) step.strobe_ns = v->millis(), ++given;
  if (given != 1) f.fail("a clock fault takes exactly one of offset_ms, drift_ppm, jump_ms, strobe_ms");
  if (auto v = f.get("period_ms")) {
    if (!step.strobe_ns) v->fail("only a strobe takes period_ms");
    step.strobe_period_ns = v->millis();
    if (step.strobe_period_ns <= 0) v->fail("a strobe's period must be above 0");
  }
  if (step.jump_ns && step.for_ns) f.fail("a clock jump is an instant: no for_ms");
  if (step.strobe_ns && !step.for_ns) f.fail("a strobe needs for_ms (how long it strobes)");
  // Each jump is an event: a 1 ns period over 300 ms ran into the 20,000,000-event bound.
  constexpr std::int64_t kMaxStrobeJumps = 100000;
  if (step.strobe_ns && *step.for_ns / step.strobe_period_ns > kMaxStrobeJumps) {
    const JsonField at = f.get("period_ms") ? *f.get("period_ms") : f.at("for_ms");
    at.fail("the strobe would jump " + std::to_string(*step.for_ns / step.strobe_period_ns) +
            " times (for_ms / period_ms); at most " + std::to_string(kMaxStrobeJumps) +
            ": a longer period_ms or a shorter for_ms");
  }
}

void read_disk(const JsonField& f, FaultStep& step) {
  f.only_fields({"kind", "at_ms", "for_ms", "note", "node", "fault", "probability", "factor"});
  step.nodes = read_selector(f.at("node"));
  const JsonField kind = f.at("fault");
  step.disk = kind.nonempty_string();
  if (std::find(kDiskFaults.begin(), kDiskFaults.end(), step.disk) == kDiskFaults.end()) {
    std::string list;
    for (const std::string& k : kDiskFaults) list += (list.empty() ? "" : ", ") + k;
    kind.fail("unknown disk fault '" + step.disk + "'" + did_you_mean(step.disk, kDiskFaults) +
              "; known: " + list);
  }
  if (auto p = f.get("probability")) {
    if (step.disk != "torn-writes" && step.disk != "corrupt-reads") {
      p->fail("only torn-writes and corrupt-reads take a probability");
    }
    step.probability = p->probability();
  }
  if (auto factor = f.get("factor")) {
    if (step.disk != "slow") factor->fail("only a slow disk takes a factor");
    step.slow_factor = factor->i64(1, 1000000);
  }
  const bool instant = step.disk == "lose-unsynced" || step.disk == "wipe";
  if (instant && step.for_ns) {
    f.fail(step.disk == "wipe" ? "wiping a disk is an instant: no for_ms"
                               : "losing unsynced writes is an instant: no for_ms");
  }
  if (!instant && !step.for_ns) f.fail("a disk fault window needs for_ms");
}

FaultStep read_step(const JsonField& f) {
  f.expect_object();
  FaultStep step;
  step.path = f.path();
  step.kind = step_kind(f.at("kind"));
  step.at_ns = f.at("at_ms").millis();
  if (auto d = f.get("for_ms")) {
    step.for_ns = d->millis();
    if (*step.for_ns == 0) d->fail("a window must last longer than 0 ms (or leave for_ms out)");
  }
  if (auto n = f.get("note")) step.note = n->string();
  switch (step.kind) {
    case StepKind::partition:
      read_partition(f, step);
      break;
    case StepKind::heal:
      f.only_fields({"kind", "at_ms", "note"});
      break;
    case StepKind::one_way:
    case StepKind::drop:
    case StepKind::duplicate:
    case StepKind::delay:
    case StepKind::reorder:
      read_links(f, step);
      break;
    case StepKind::crash:
    case StepKind::pause:
      f.only_fields({"kind", "at_ms", "for_ms", "note", "node"});
      step.nodes = read_selector(f.at("node"));
      break;
    case StepKind::restart:
    case StepKind::resume:
      f.only_fields({"kind", "at_ms", "note", "node"});
      step.nodes = read_selector(f.at("node"));
      break;
    case StepKind::clock:
      read_clock(f, step);
      break;
    case StepKind::disk:
      read_disk(f, step);
      break;
  }
  return step;
}

sim::Latency read_latency(const JsonField& f) {
  f.only_fields({"shape", "min_ms", "max_ms", "mean_ms"});
  const JsonField shape = f.at("shape");
  const std::string s = shape.nonempty_string();
  const sim::Duration min = f.at("min_ms").millis();
  if (s == "constant") {
    if (f.has("max_ms") || f.has("mean_ms")) f.fail("a constant latency takes only min_ms");
    return sim::Latency::constant(min);
  }
  const sim::Duration max = f.at("max_ms").millis();
  if (max < min) f.at("max_ms").fail("must not be below min_ms");
  if (s == "uniform") {
    if (f.has("mean_ms")) f.fail("a uniform latency takes min_ms and max_ms");
    return sim::Latency::uniform(min, max);
  }
  if (s == "exponential") return sim::Latency::exponential(min, f.at("mean_ms").millis(), max);
  shape.fail("expected constant, uniform or exponential, got \"" + s + "\"");
}

void read_environment(const JsonField& root, Scenario& s) {
  if (auto net = root.get("network")) {
    net->only_fields({"latency", "drop", "duplicate", "reorder", "reorder_max_ms",
                      "bandwidth_bytes_per_sec"});
    if (auto l = net->get("latency")) s.network.latency = read_latency(*l);
    if (auto v = net->get("drop")) s.network.drop = v->probability();
    if (auto v = net->get("duplicate")) s.network.duplicate = v->probability();
    if (auto v = net->get("reorder")) s.network.reorder = v->probability();
    if (auto v = net->get("reorder_max_ms")) s.network.reorder_max_ns = v->millis();
    if (auto v = net->get("bandwidth_bytes_per_sec")) {
      s.network.bandwidth_bytes_per_sec = v->u64(1, std::uint64_t{1} << 50);
    }
  }
  if (auto clocks = root.get("clocks")) {
    clocks->only_fields({"skew_max_ms", "drift_max_ppm"});
    if (auto v = clocks->get("skew_max_ms")) s.clocks.skew_max_ns = v->millis();
    if (auto v = clocks->get("drift_max_ppm")) s.clocks.drift_max_ppm = v->i64(0, 500000);
  }
  if (auto disk = root.get("disk")) {
    disk->only_fields({"sync_min_ms", "sync_max_ms", "torn_writes", "read_corruption"});
    if (auto v = disk->get("sync_min_ms")) s.disk.sync_min_ns = v->millis();
    if (auto v = disk->get("sync_max_ms")) s.disk.sync_max_ns = v->millis();
    if (s.disk.sync_min_ns && s.disk.sync_max_ns && *s.disk.sync_max_ns < *s.disk.sync_min_ns) {
      disk->at("sync_max_ms").fail("must not be below sync_min_ms");
    }
    if (auto v = disk->get("torn_writes")) s.disk.torn_writes = v->probability();
    if (auto v = disk->get("read_corruption")) s.disk.read_corruption = v->probability();
  }
}

void read_explore(const JsonField& f, Scenario& s) {
  f.only_fields({"drops", "duplicates", "crashes", "restarts", "timeouts", "crash"});
  ExploreBlock b;
  b.budget.on = true;
  auto count = [&](const char* name, std::uint32_t& into) {
    if (auto v = f.get(name)) into = static_cast<std::uint32_t>(v->u64(0, 1000000));
  };
  count("drops", b.budget.drops);
  count("duplicates", b.budget.duplicates);
  count("crashes", b.budget.crashes);
  count("restarts", b.budget.restarts);
  count("timeouts", b.budget.timeouts);
  if (auto c = f.get("crash")) {
    for (const JsonField& g : c->elements()) b.crash.push_back(g.nonempty_string());
  }
  if (b.budget.crashes > 0 && b.crash.empty()) {
    f.fail("crashes need \"crash\": the groups or nodes a crash may hit");
  }
  if (b.budget.crashes == 0 && !b.crash.empty()) {
    f.at("crash").fail("names the nodes a crash may hit, but \"crashes\" is 0 or missing: give "
                       "\"crashes\": N");
  }
  if (b.budget.restarts > b.budget.crashes) {
    f.at("restarts").fail("more restarts than crashes: only a crashed node restarts");
  }
  s.explore = std::move(b);
}

void read_expect(const JsonField& f, Expectation& e) {
  f.only_fields({"violations", "linearizable", "liveness"});
  if (auto v = f.get("violations")) {
    std::vector<std::string> names;
    for (const JsonField& n : v->elements()) {
      names.push_back(n.nonempty_string());
      if (std::find(names.begin(), names.end() - 1, names.back()) != names.end() - 1) {
        n.fail("'" + names.back() + "' is given twice");
      }
    }
    e.violations = std::move(names);
  }
  if (auto v = f.get("linearizable")) e.linearizable = v->boolean();
  if (auto v = f.get("liveness")) e.liveness = v->boolean();
}

}  // namespace

std::string_view step_kind_name(StepKind kind) { return kStepNames[static_cast<std::size_t>(kind)]; }

sim::Time Scenario::heal_ns() const {
  sim::Time last = 0;
  for (const FaultStep& f : faults) last = std::max(last, f.last_ns());
  return last;
}

Scenario parse_scenario(const nlohmann::json& doc, const std::string& file) {
  const JsonField root(doc, file, "$");
  root.expect_document(kScenarioFormat,
                       {"format", "name", "description", "protocol", "seed", "options", "nodes",
                        "workload", "bugs", "network", "clocks", "disk", "faults", "random_faults",
                        "run_ms", "liveness_ms", "expect", "explore"});
  Scenario s;
  s.file = file;
  s.source = doc;
  s.name = root.at("name").nonempty_string();
  if (auto d = root.get("description")) s.description = d->string();
  const protocols::Protocol& p = protocol_of(root.at("protocol"));
  s.protocol = p.name;
  if (auto seed = root.get("seed")) s.seed = seed->u64();
  if (auto o = root.get("options")) read_options(*o, p, s.options, false);
  if (auto o = root.get("nodes")) read_options(*o, p, s.options, true);
  if (auto o = root.get("workload")) read_options(*o, p, s.options, false);
  if (auto bugs = root.get("bugs")) {
    std::vector<std::string> known;
    for (const protocols::BugSpec& b : p.bugs) known.push_back(b.name);
    for (const JsonField& b : bugs->elements()) {
      const std::string name = b.nonempty_string();
      if (p.find_bug(name) == nullptr) {
        b.fail("unknown bug '" + name + "' for " + p.name + did_you_mean(name, known));
      }
      if (std::find(s.bugs.begin(), s.bugs.end(), name) != s.bugs.end()) {
        b.fail("'" + name + "' is given twice");
      }
      s.bugs.push_back(name);
    }
  }
  read_environment(root, s);
  if (auto faults = root.get("faults")) {
    // Clock faults add up on a node: 923 jumps of 1e10 ms each (every one within bounds)
    // carried a clock past 2^63 ns and the run failed with std::bad_alloc.
    sim::Duration moved = 0;
    for (const JsonField& f : faults->elements()) {
      s.faults.push_back(read_step(f));
      const FaultStep& step = s.faults.back();
      for (const std::optional<sim::Duration>& d : {step.offset_ns, step.jump_ns, step.strobe_ns}) {
        if (d) moved += *d < 0 ? -*d : *d;
      }
      if (moved > kMaxMillis * sim::kMillisecond) {
        f.fail("the timeline's clock faults move clocks by more than " +
               std::to_string(kMaxMillis) +
               " ms in all (~115 days): local times would leave "
               "the range the simulator keeps");
      }
    }
  }
  if (auto r = root.get("random_faults")) {
    s.random_faults = r->nonempty_string();
    (void)protocols::fault_profile(p, s.random_faults, sim::kSecond, r->where());
  }
  if (auto r = root.get("run_ms")) {
    s.run_ns = r->millis();
    if (*s.run_ns <= 0) r->fail("a run lasts longer than 0 ms");
  }
  if (auto l = root.get("liveness_ms")) s.liveness_ns = l->millis();
  if (auto e = root.get("expect")) read_expect(*e, s.expect);
  if (auto e = root.get("explore")) read_explore(*e, s);
  return s;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(read_json_file(path), path); }

}  // namespace faultline::scenarios
