// Running a scenario: its run specification, its fault timeline (selectors resolved as
// each fault fires), and the judgement of its expectations.
#include <algorithm>
#include <map>
#include <memory>

#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "scenarios/scenario.hpp"

namespace faultline::scenarios {
namespace {

using sim::NodeId;
using sim::Simulation;

std::string brace_names(const Simulation& sim, const std::vector<NodeId>& ids) {
  std::string out;
  for (NodeId id : ids) out += (out.empty() ? "" : ",") + sim.node_name(id);
  return "{" + out + "}";
}

bool is_keyword(const std::string& t) {
  return t == "leader" || t == "followers" || t == "minority" || t == "majority" ||
         t == "random" || t == "all" || t == "others";
}

// Resolves selectors against the running simulation. Random picks go through the run's
// choice source (kind `target`), so a replayed tape picks the same nodes.
class Resolver {
 public:
  Resolver(Simulation& sim, protocols::ProtocolRun& run) : sim_(sim), run_(run) {
    for (NodeId id = 0; id < sim.node_count(); ++id) by_name_[sim.node_name(id)] = id;
  }

  // Before the run: every term must name something that exists.
  void validate(const Selector& s) const {
    for (const std::string& t : s.terms) {
      if (is_keyword(t) || run_.groups.has(t) || by_name_.count(t) > 0) continue;
      if (t[0] == '#') {
        const std::uint64_t id = std::stoull(t.substr(1));
        if (id < sim_.node_count()) continue;
        throw BadInput(s.path, "no node " + t.substr(1) + " (this run has " +
                                   std::to_string(sim_.node_count()) + " nodes: 0-" +
                                   std::to_string(sim_.node_count() - 1) + ")");
      }
      std::vector<std::string> known = run_.groups.names();
      for (const auto& [name, id] : by_name_) known.push_back(name);
      throw BadInput(s.path, "no node or group named '" + t + "'" + did_you_mean(t, known) +
                                 "; nodes are named like " + sim_.node_name(0) +
                                 ", groups: " + join(run_.groups.names()) +
                                 ", or leader, followers, minority, majority, random, all, others");
    }
  }

  // The nodes `s` names whatever happens in the run (names, ids, groups, all); the
  // keywords that select as the run goes (leader, random...) add none.
  std::vector<NodeId> fixed(const Selector& s) const {
    std::vector<NodeId> out;
    for (const std::string& t : s.terms) {
      if (t == "all") return all();
      if (t[0] == '#')
        out.push_back(static_cast<NodeId>(std::stoull(t.substr(1))));
      else if (auto it = by_name_.find(t); it != by_name_.end())
        out.push_back(it->second);
      else if (run_.groups.has(t))
        for (NodeId id : run_.groups.nodes(t)) out.push_back(id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string node_name(NodeId id) const { return sim_.node_name(id); }

  // The nodes `s` selects now; `others` are the nodes named by the fault's other selectors.
  std::vector<NodeId> resolve(const Selector& s, const std::vector<NodeId>& others,
                              std::string& note) {
    std::vector<NodeId> out;
    for (const std::string& t : s.terms) {
      for (NodeId id : term(t, others, note)) out.push_back(id);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  std::vector<NodeId> targets() const { return run_.fault_targets(); }
  sim::ChoiceSource& choices() { return sim_.choices(); }

  // A random subset of `from` of `size`, by a Fisher-Yates prefix of picks.
  std::vector<NodeId> sample(std::vector<NodeId> from, std::size_t size) {
    size = std::min(size, from.size());
    for (std::size_t i = 0; i < size; ++i) {
      const std::size_t j =
          i + sim_.choices().pick(static_cast<std::uint32_t>(from.size() - i), sim::ChoiceKind::target);
      std::swap(from[i], from[j]);
    }
    from.resize(size);
    std::sort(from.begin(), from.end());
    return from;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

  std::vector<NodeId> term(const std::string& t, const std::vector<NodeId>& others,
                           std::string& note) {
    if (t[0] == '#') return {static_cast<NodeId>(std::stoull(t.substr(1)))};
    if (auto it = by_name_.find(t); it != by_name_.end()) return {it->second};
    if (run_.groups.has(t)) return run_.groups.nodes(t);
    const std::vector<NodeId> targets = run_.fault_targets();
    if (t == "all") return all();
    if (t == "others") {
      std::vector<NodeId> rest;
      for (NodeId id : all()) {
        if (std::find(others.begin(), others.end(), id) == others.end()) rest.push_back(id);
      }
      return rest;
    }
    if (t == "random") return sample(targets, 1);
    if (t == "minority") return sample(targets, (targets.size() - 1) / 2);
    if (t == "majority") return sample(targets, targets.size() / 2 + 1);
    const std::optional<NodeId> leader = run_.leader(sim_);
    if (t == "leader") {
      if (!leader) note += " (no leader now: selects nothing)";
      else note += " (leader = " + sim_.node_name(*leader) + ")";
      return leader ? std::vector<NodeId>{*leader} : std::vector<NodeId>{};
    }
    std::vector<NodeId> followers;  // "followers": the targets that are not the leader
    for (NodeId id : targets) {
      if (!leader || id != *leader) followers.push_back(id);
    }
    return followers;
  }

  std::vector<NodeId> all() const {
    std::vector<NodeId> ids;
    for (NodeId id = 0; id < sim_.node_count(); ++id) ids.push_back(id);
    return ids;
  }

  Simulation& sim_;
  protocols::ProtocolRun& run_;
  std::map<std::string, NodeId> by_name_;
};

// ---------------------------------------------------------------- partitions

std::vector<sim::NodeSet> named_partition(const std::string& spec, std::vector<NodeId> nodes,
                                          Resolver& r) {
  const std::size_t n = nodes.size();
  if (spec == "random-halves" || spec == "isolate-one") nodes = r.sample(nodes, n);  // shuffled
  std::vector<NodeId> a;
  std::vector<NodeId> b;
  std::size_t cut = (n + 1) / 2;
  if (spec == "isolate-one") cut = 1;
  if (spec == "minority-third") cut = std::max<std::size_t>(1, n / 3);
  if (spec == "bridge") {
    // Two halves that cannot reach each other, and one node (in no group) that reaches both.
    const std::size_t half = (n - 1) / 2;
    a.assign(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(half));
    b.assign(nodes.begin() + static_cast<std::ptrdiff_t>(half) + 1, nodes.end());
    return {sim::NodeSet::of(a), sim::NodeSet::of(b)};
  }
  a.assign(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(std::min(cut, n)));
  b.assign(nodes.begin() + static_cast<std::ptrdiff_t>(std::min(cut, n)), nodes.end());
  return {sim::NodeSet::of(a), sim::NodeSet::of(b)};
}

// A majorities ring (Jepsen): the nodes on a ring, each reaching only its nearest
// neighbours, a majority counting itself; every pair farther apart is cut.
std::vector<sim::Partition> majorities_ring(const std::vector<NodeId>& nodes) {
  std::vector<sim::Partition> cuts;
  const std::size_t n = nodes.size();
  const std::size_t reach = (n / 2 + 1) / 2;  // neighbours on each side
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const std::size_t d = std::min(j - i, n - (j - i));
      if (d > reach) cuts.push_back({{sim::NodeSet::of({nodes[i]}), sim::NodeSet::of({nodes[j]})}, false});
    }
  }
  return cuts;
}

// ---------------------------------------------------------------- the timeline

class Timeline : public std::enable_shared_from_this<Timeline> {
 public:
  Timeline(Simulation& sim, protocols::ProtocolRun& run, std::vector<std::string>& log)
      : sim_(sim), resolver_(sim, run), log_(log) {}

  void validate(const FaultStep& f) const {
    for (const Selector& g : f.groups) resolver_.validate(g);
    // A node two groups name (s0 and servers, all and anything) is on both sides: refused
    // before the run. One a keyword picks as the run goes is settled when the fault fires.
    for (std::size_t j = 1; j < f.groups.size(); ++j) {
      const std::vector<NodeId> later = resolver_.fixed(f.groups[j]);
      for (std::size_t i = 0; i < j; ++i) {
        const std::vector<NodeId> earlier = resolver_.fixed(f.groups[i]);
        std::vector<NodeId> both;
        std::set_intersection(earlier.begin(), earlier.end(), later.begin(), later.end(),
                              std::back_inserter(both));
        if (both.empty()) continue;
        const std::string& at = f.groups[i].path;
        throw BadInput(f.groups[j].path, "names " + brace_names(sim_, both) + ", already in " +
                                             at.substr(std::min(at.find('$'), at.size())) +
                                             "; a node is on one side of a partition only");
      }
    }
    for (const Selector* s : {&f.among, &f.from, &f.to, &f.nodes}) {
      if (!s->empty()) resolver_.validate(*s);
    }
  }

  void fire(const FaultStep& f) {
    std::string note;
    std::string what;
    switch (f.kind) {
      case StepKind::partition: what = partition(f, note); break;
      case StepKind::heal:
        sim_.heal_all();
        sim_.restore_all();
        what = "heal every partition and link fault";
        break;
      case StepKind::one_way:
      case StepKind::drop:
      case StepKind::duplicate:
      case StepKind::delay:
      case StepKind::reorder: what = links(f, note); break;
      case StepKind::clock: what = clock(f, note); break;
      case StepKind::disk: what = disk(f, note); break;
      default: what = nodes(f, note); break;
    }
    const std::string line = "scenario " + f.path + " at " + sim::format_time(sim_.now()) + ": " +
                             what + note + (f.note.empty() ? "" : " — " + f.note);
    sim_.log(line);
    log_.push_back(line);
  }

 private:
  // After the window: undo the fault.
  void after(const FaultStep& f, sim::Action undo) {
    if (f.for_ns) sim_.at(sim_.now() + *f.for_ns, "scenario " + f.path + " ends", std::move(undo));
  }

  std::string partition(const FaultStep& f, std::string& note) {
    std::vector<sim::NodeSet> groups;
    std::string text;
    if (!f.groups.empty()) {
      std::vector<std::vector<NodeId>> resolved(f.groups.size());
      // Named groups first, so `others` can be what they leave.
      std::vector<NodeId> named;
      for (std::size_t i = 0; i < f.groups.size(); ++i) {
        if (std::find(f.groups[i].terms.begin(), f.groups[i].terms.end(), "others") != f.groups[i].terms.end()) continue;
        resolved[i] = resolver_.resolve(f.groups[i], {}, note);
        named.insert(named.end(), resolved[i].begin(), resolved[i].end());
      }
      for (std::size_t i = 0; i < f.groups.size(); ++i) {
        if (std::find(f.groups[i].terms.begin(), f.groups[i].terms.end(), "others") == f.groups[i].terms.end()) continue;
        resolved[i] = resolver_.resolve(f.groups[i], named, note);
      }
      // A node a keyword picked that an earlier group has (the leader, when another group
      // names it) stays in the earlier group only.
      std::vector<NodeId> placed;
      for (std::size_t i = 0; i < resolved.size(); ++i) {
        std::vector<NodeId> kept;
        for (NodeId id : resolved[i]) {
          if (std::find(placed.begin(), placed.end(), id) == placed.end()) {
            kept.push_back(id);
          } else {
            note += " (" + sim_.node_name(id) + " is in an earlier group: left out of group " +
                    std::to_string(i + 1) + ")";
          }
        }
        placed.insert(placed.end(), kept.begin(), kept.end());
        resolved[i] = std::move(kept);
      }
      for (const auto& g : resolved) {
        groups.push_back(sim::NodeSet::of(g));
        text += (text.empty() ? "" : " | ") + brace_names(sim_, g);
      }
    } else {
      const std::vector<NodeId> among =
          f.among.empty() ? resolver_.targets() : resolver_.resolve(f.among, {}, note);
      if (f.spec == "majorities-ring") return ring(f, among);
      groups = named_partition(f.spec, among, resolver_);
      for (const sim::NodeSet& g : groups) {
        text += (text.empty() ? "" : " | ") + brace_names(sim_, g.members());
      }
      text = f.spec + " " + text;
    }
    const std::uint32_t id = sim_.partition(sim::Partition{groups, false}, "partition " + text);
    after(f, [id](Simulation& s) { s.heal(id); });
    return "partition " + text;
  }

  std::string ring(const FaultStep& f, const std::vector<NodeId>& among) {
    std::vector<std::uint32_t> ids;
    for (sim::Partition& p : majorities_ring(among)) {
      ids.push_back(sim_.partition(std::move(p), "majorities ring cut"));
    }
    after(f, [ids](Simulation& s) {
      for (std::uint32_t id : ids) s.heal(id);
    });
    return "majorities ring over " + brace_names(sim_, among);
  }

  std::string links(const FaultStep& f, std::string& note) {
    const std::vector<NodeId> from = f.from.empty() ? std::vector<NodeId>{} : resolver_.resolve(f.from, {}, note);
    const std::vector<NodeId> to = f.to.empty() ? std::vector<NodeId>{} : resolver_.resolve(f.to, from, note);
    const std::string span = (from.empty() ? "all" : brace_names(sim_, from)) + " -> " +
                             (to.empty() ? "all" : brace_names(sim_, to));
    // An omitted side is every node; a given side that selects no node (the leader when
    // there is none) selects no link: the step does nothing, rather than hit every link.
    if ((!f.from.empty() && from.empty()) || (!f.to.empty() && to.empty())) {
      return std::string(step_kind_name(f.kind)) + ": no link selected";
    }
    if (f.kind == StepKind::one_way) {
      const std::uint32_t id = sim_.partition(
          sim::Partition{{sim::NodeSet::of(from), sim::NodeSet::of(to)}, true}, "one-way " + span);
      after(f, [id](Simulation& s) { s.heal(id); });
      return "one-way partition " + span;
    }
    sim::LinkFault lf;
    lf.from = sim::NodeSet::of(from);
    lf.to = sim::NodeSet::of(to);
    if (f.kind == StepKind::drop) lf.drop = f.probability;
    if (f.kind == StepKind::duplicate) lf.duplicate = f.probability;
    if (f.kind == StepKind::reorder) {
      lf.reorder = f.probability;
      lf.reorder_delay_max_ns = f.delay_ns;
    }
    if (f.kind == StepKind::delay) lf.extra_delay_max_ns = f.delay_ns;
    const std::string what = std::string(step_kind_name(f.kind)) + " " + span;
    const std::uint32_t id = sim_.degrade(std::move(lf), what);
    after(f, [id](Simulation& s) { s.restore(id); });
    return what;
  }

  // A step on a node already in the state it asks for does nothing, and says so; its
  // window schedules no undo (which would end another step's window early). A window's
  // end undoes its step only if no later step acted on the node since: a crash window
  // ended early by a restart, then a crash "for good", no longer restarts the node at the
  // first window's end (it did, silently).
  std::string nodes(const FaultStep& f, std::string& note) {
    const std::vector<NodeId> ids = resolver_.resolve(f.nodes, {}, note);
    std::vector<NodeId> idle;
    auto window = [&](NodeId id, void (Simulation::*undo)(NodeId)) {
      const std::uint64_t step = ++node_steps_[id];
      if (!f.for_ns) return;
      after(f, [self = shared_from_this(), id, undo, step, path = f.path](Simulation& s) {
        if (self->node_steps_[id] == step) {
          (s.*undo)(id);
          return;
        }
        const std::string line = "scenario " + path + " ends at " + sim::format_time(s.now()) +
                                 ": " + s.node_name(id) +
                                 " left as it is (a later step acted on it)";
        s.log(line);
        self->log_.push_back(line);
      });
    };
    for (NodeId id : ids) {
      const bool up = sim_.is_up(id), paused = up && sim_.is_paused(id);
      switch (f.kind) {
        case StepKind::crash:
          if (!up) {
            idle.push_back(id);
            break;
          }
          sim_.crash(id);
          window(id, &Simulation::restart);
          break;
        case StepKind::restart:
          if (up) {
            idle.push_back(id);
          } else {
            sim_.restart(id);
            ++node_steps_[id];
          }
          break;
        case StepKind::pause:
          if (!up || paused) {
            idle.push_back(id);
            break;
          }
          sim_.pause(id);
          window(id, &Simulation::resume);
          break;
        default:
          if (!paused) {
            idle.push_back(id);
          } else {
            sim_.resume(id);
            ++node_steps_[id];
          }
          break;
      }
    }
    if (!idle.empty()) {
      const char* why = f.kind == StepKind::crash     ? "already down"
                        : f.kind == StepKind::restart ? "already up"
                        : f.kind == StepKind::pause   ? "already down or paused"
                                                      : "not paused";
      note += " (" + brace_names(sim_, idle) + ": " + why + ", nothing done)";
    }
    return std::string(step_kind_name(f.kind)) + " " + brace_names(sim_, ids);
  }

  std::string clock(const FaultStep& f, std::string& note) {
    const std::vector<NodeId> ids = resolver_.resolve(f.nodes, {}, note);
    std::string what;
    for (NodeId id : ids) {
      // An offset or a drift adds to what the clock has (its starting skew, other windows)
      // and its window's end takes back as much: setting it, and 0 at the end, erased the
      // starting skew and cut an overlapping window short.
      if (f.offset_ns) {
        const sim::Duration d = *f.offset_ns;
        sim_.clock_offset(id, sim_.clock(id).offset(sim_.now()) + d);
        after(f, [id, d](Simulation& s) { s.clock_offset(id, s.clock(id).offset(s.now()) - d); });
        what = "clock offset " + sim::format_time(d);
      } else if (f.drift_ppm) {
        const std::int64_t ppm = *f.drift_ppm;
        add_drift(id, ppm, note);
        after(f, [self = shared_from_this(), id, ppm](Simulation& s) {
          std::string end_note;
          self->add_drift(id, -ppm, end_note);
          if (!end_note.empty()) s.log("clock drift window ends:" + end_note);
        });
        what = "clock drift " + std::to_string(ppm) + "ppm";
      } else if (f.jump_ns) {
        sim_.clock_jump(id, *f.jump_ns);
        what = "clock jump " + sim::format_time(*f.jump_ns);
      } else {
        strobe(sim_, id, *f.strobe_ns, f.strobe_period_ns, sim_.now() + *f.for_ns, true);
        what = "clock strobe ±" + sim::format_time(*f.strobe_ns);
      }
    }
    return what + " on " + brace_names(sim_, ids);
  }

  // Drifts add up; a clock must run forwards, so a sum at or below -1,000,000 ppm runs the
  // clock at its slowest, -999,999 ppm, and what that leaves out is kept for the windows'
  // ends: as a shortfall, not as the sum asked, so that an end takes back from the drift
  // the clock has then (a drift fault of --faults sets the clock's starting drift plus its
  // own, and ends back at the starting drift).
  void add_drift(NodeId id, std::int64_t ppm, std::string& note) {
    constexpr std::int64_t kSlowest = -999999;
    std::int64_t& shortfall = drift_shortfall_[id];
    const std::int64_t asked = sim_.clock(id).drift_ppm() + shortfall + ppm;
    const std::int64_t applied = std::max(asked, kSlowest);
    shortfall = asked - applied;
    if (shortfall != 0) {
      note += " (" + sim_.node_name(id) + "'s drifts add up to " + std::to_string(asked) +
              "ppm: it runs at " + std::to_string(kSlowest) + "ppm)";
    }
    sim_.clock_drift(id, applied);
  }

  static void strobe(Simulation& sim, NodeId id, sim::Duration amplitude, sim::Duration period,
                     sim::Time end, bool forward) {
    if (sim.now() >= end) return;
    sim.clock_jump(id, forward ? amplitude : -amplitude);
    const sim::Time next = std::min(sim.now() + period, end);
    sim.at(next, "strobe", [=](Simulation& s) {
      if (s.now() >= end) {
        if (forward) s.clock_jump(id, -amplitude);  // end where it started
        return;
      }
      strobe(s, id, amplitude, period, end, !forward);
    });
  }

  std::string disk(const FaultStep& f, std::string& note) {
    const std::vector<NodeId> ids = resolver_.resolve(f.nodes, {}, note);
    for (NodeId id : ids) {
      if (f.disk == "lose-unsynced") {
        sim_.lose_unsynced(id);
        continue;
      }
      if (f.disk == "wipe") {  // a replaced disk: nothing to undo
        sim_.wipe_disk(id);
        continue;
      }
      sim::DiskFault fault;
      fault.kind = f.disk == "torn-writes"     ? sim::DiskFault::Kind::torn_writes
                   : f.disk == "corrupt-reads" ? sim::DiskFault::Kind::read_corruption
                   : f.disk == "slow"          ? sim::DiskFault::Kind::slow
                                               : sim::DiskFault::Kind::full;
      fault.ratio = f.probability;
      fault.slow_factor = f.slow_factor;
      const std::uint32_t fid = sim_.disk_fault(id, fault);
      after(f, [fid](Simulation& s) { s.end_disk_fault(fid); });
    }
    return "disk " + f.disk + " on " + brace_names(sim_, ids);
  }

  Simulation& sim_;
  Resolver resolver_;
  std::vector<std::string>& log_;
  std::map<NodeId, std::int64_t> drift_shortfall_;  // drift asked but not applied, per node
  std::map<NodeId, std::uint64_t>
      node_steps_;  // per node: crash, restart, pause, resume steps so far
};

// Each node's clock starts with an offset and a drift drawn within the scenario's bounds.
void skew_clocks(Simulation& sim, const ClockSpec& c) {
  if (c.skew_max_ns == 0 && c.drift_max_ppm == 0) return;
  constexpr std::uint32_t kSteps = 1024;
  auto draw = [&](std::int64_t max) {
    const std::int64_t step = static_cast<std::int64_t>(sim.choices().pick(2 * kSteps + 1, sim::ChoiceKind::clock)) - kSteps;
    return static_cast<std::int64_t>(static_cast<sim::Int128>(max) * step / kSteps);
  };
  for (NodeId id = 0; id < sim.node_count(); ++id) {
    if (c.skew_max_ns > 0) sim.clock_offset(id, draw(c.skew_max_ns));
    if (c.drift_max_ppm > 0) sim.clock_drift(id, draw(c.drift_max_ppm));
  }
}

void apply_environment(const Scenario& s, sim::SimConfig& c) {
  const NetworkSpec& n = s.network;
  if (n.latency) c.network.latency = *n.latency;
  if (n.drop) c.network.drop = *n.drop;
  if (n.duplicate) c.network.duplicate = *n.duplicate;
  if (n.reorder) c.network.reorder = *n.reorder;
  if (n.reorder_max_ns) c.network.reorder_delay_max_ns = *n.reorder_max_ns;
  if (n.bandwidth_bytes_per_sec) c.network.bandwidth_bytes_per_sec = *n.bandwidth_bytes_per_sec;
  const DiskSpec& d = s.disk;
  if (d.sync_min_ns) c.disk.sync_latency_min_ns = *d.sync_min_ns;
  if (d.sync_max_ns) c.disk.sync_latency_max_ns = *d.sync_max_ns;
  if (c.disk.sync_latency_max_ns < c.disk.sync_latency_min_ns) {
    c.disk.sync_latency_max_ns = c.disk.sync_latency_min_ns;
  }
  if (d.torn_writes) c.disk.torn_write = *d.torn_writes;
  if (d.read_corruption) c.disk.read_corruption = *d.read_corruption;
  if (s.explore) c.explore = s.explore->budget;
}

// The nodes an explore-mode crash may hit: groups, or nodes by name.
void set_crashable(const Scenario& s, Simulation& sim, const protocols::ProtocolRun& run) {
  if (!s.explore) return;
  std::vector<NodeId> ids;
  for (const std::string& name : s.explore->crash) {
    const std::size_t before = ids.size();
    const std::vector<NodeId>& group = run.groups.nodes(name);
    ids.insert(ids.end(), group.begin(), group.end());
    for (NodeId id = 0; id < sim.node_count() && group.empty(); ++id) {
      if (sim.node_name(id) == name) ids.push_back(id);
    }
    if (ids.size() == before) {
      throw BadInput(s.file + ": $.explore.crash", "no group or node is named '" + name + "'");
    }
  }
  sim.set_explore_crashable(std::move(ids));
}

}  // namespace

protocols::RunSpec run_spec(const Scenario& s, const Overrides& o) {
  const protocols::Protocol& p = *protocols::find_protocol(s.protocol);
  protocols::RunSpec spec;
  spec.seed = o.seed.value_or(s.seed);
  spec.options = s.options;
  for (const auto& [name, value] : o.sets.values()) spec.options.set(name, value, o.sets.where(name));
  spec.bugs = s.bugs;
  for (const std::string& b : o.bugs) {
    if (std::find(spec.bugs.begin(), spec.bugs.end(), b) == spec.bugs.end()) spec.bugs.push_back(b);
  }
  sim::Time time = s.run_ns.value_or(p.default_time_ns);
  if (s.liveness_ns) time = std::max(time, s.heal_ns() + *s.liveness_ns);
  spec.time_limit_ns = o.time_ns.value_or(time);
  spec.faults = protocols::fault_profile(p, s.random_faults, spec.time_limit_ns,
                                         s.file + ": $.random_faults");
  spec.swarm = s.random_faults == "swarm";
  spec.scripted_heal_ns = s.heal_ns();
  spec.max_events = o.max_events;
  spec.keep_payloads = o.keep_payloads;
  spec.keep_trace = o.keep_trace;
  spec.keep_digests = o.keep_digests;
  spec.hash_trace = o.hash_trace;
  spec.configure = [s](sim::SimConfig& c) { apply_environment(s, c); };
  (void)protocols::resolve_run(p, spec);  // options and bugs checked now, before any work
  return spec;
}

namespace {

// Every name in expect.violations must be something this run can report.
void check_expected_names(const Scenario& s, const protocols::Protocol& p,
                          const protocols::RunOutput& out) {
  if (!s.expect.violations) return;
  std::vector<std::string> known = out.sim->invariant_names();
  known.insert(known.end(), {"linearizability", "liveness", "assertion", "exception", "livelock"});
  for (const protocols::BugSpec& b : p.bugs) known.insert(known.end(), b.finds.begin(), b.finds.end());
  for (const protocols::CheckOutcome& c : out.run->checks.all()) known.push_back(c.name);
  for (std::size_t i = 0; i < s.expect.violations->size(); ++i) {
    const std::string& name = (*s.expect.violations)[i];
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    throw BadInput(s.file + ": $.expect.violations[" + std::to_string(i) + "]",
                   "no check of this run is named '" + name + "'" + did_you_mean(name, known) +
                       "; its checks: " + list);
  }
}

// Sets the run up with its timeline installed; `r.out` is ready to execute.
void set_up(const Scenario& s, const Overrides& o, std::unique_ptr<sim::ChoiceSource> choices,
            ScenarioRun& r) {
  const protocols::Protocol& p = *protocols::find_protocol(s.protocol);
  r.spec = run_spec(s, o);
  for (const FaultStep& f : s.faults) {
    if (f.at_ns >= r.spec.time_limit_ns) {
      throw BadInput(s.file + ": " + f.path + ".at_ms",
                     "the fault comes at " + sim::format_time(f.at_ns) +
                         ", after the run ends (" + sim::format_time(r.spec.time_limit_ns) + ")");
    }
  }
  std::vector<std::string>* timeline = &r.timeline;
  const protocols::Prepare prepare = [&s, timeline](Simulation& sim, protocols::ProtocolRun& run) {
    auto line = std::make_shared<Timeline>(sim, run, *timeline);
    for (const FaultStep& f : s.faults) line->validate(f);  // unknown names: exit 2, no run
    set_crashable(s, sim, run);
    skew_clocks(sim, s.clocks);
    for (const FaultStep& f : s.faults) {
      sim.at(f.at_ns, "scenario " + f.path, [line, f](Simulation&) { line->fire(f); });
    }
  };
  r.out = protocols::prepare_run(p, r.spec, std::move(choices), prepare);
  check_expected_names(s, p, r.out);
}

}  // namespace

void validate(const Scenario& s, const Overrides& o) {
  ScenarioRun r;
  set_up(s, o, nullptr, r);
}

ScenarioRun run_scenario(const Scenario& s, const Overrides& o,
                         std::unique_ptr<sim::ChoiceSource> choices) {
  ScenarioRun r;
  set_up(s, o, std::move(choices), r);
  protocols::execute_run(r.out);
  r.expectations = judge(s, r.out);
  return r;
}

ExpectationResult judge(const Scenario& s, const protocols::RunOutput& out) {
  ExpectationResult r;
  const Expectation& e = s.expect;
  r.checked = e.any();
  if (!r.checked) {
    r.met = out.verdict() == sim::Verdict::ok;
    r.undecided = out.verdict() == sim::Verdict::unknown;
    return r;
  }
  auto unmet = [&r](std::string why, bool undecided = false) {
    r.met = false;
    r.undecided = r.undecided || undecided;
    r.unmet.push_back(std::move(why));
  };
  std::vector<std::string> allowed = e.violations.value_or(std::vector<std::string>{});
  if (e.linearizable == false) allowed.push_back("linearizability");
  if (e.liveness == false) allowed.push_back("liveness");
  for (const sim::Finding& f : out.result.findings) {
    if (f.kind == sim::FindingKind::event_limit) {
      unmet("the run hit its event limit: " + f.message, true);
    } else if (std::find(allowed.begin(), allowed.end(), f.name) == allowed.end()) {
      unmet("unexpected violation '" + f.name + "': " + f.message.substr(0, 300));
    }
  }
  if (e.violations && !e.violations->empty()) {
    const bool any = std::any_of(out.result.findings.begin(), out.result.findings.end(),
                                 [&](const sim::Finding& f) {
                                   return std::find(e.violations->begin(), e.violations->end(),
                                                    f.name) != e.violations->end();
                                 });
    if (!any) unmet("expected a violation of one of: " + [&] {
      std::string list;
      for (const std::string& v : *e.violations) list += (list.empty() ? "" : ", ") + v;
      return list;
    }() + "; none happened");
  }
  auto check = [&](const char* name, std::optional<bool> want) {
    if (!want) return;
    const protocols::CheckOutcome* c = out.run->checks.find(name);
    const bool stopped_early = !out.result.findings.empty();
    if (c == nullptr || c->status == protocols::CheckStatus::skipped) {
      // A run stopped by the expected violation never reaches the end-of-run checks.
      if (!*want && stopped_early) return;
      if (*want && stopped_early) return;  // the violation itself is already judged above
      unmet(std::string(name) + " was not judged" + (c ? ": " + c->detail : ""));
    } else if (c->status == protocols::CheckStatus::unknown) {
      unmet(std::string(name) + " could not be decided: " + c->detail, true);
    } else if (*want && c->status == protocols::CheckStatus::violated && stopped_early) {
      return;  // its finding is already reported as unexpected
    } else if ((c->status == protocols::CheckStatus::held) != *want) {
      unmet(std::string("expected ") + name + (*want ? " to hold" : " to be violated") +
            "; it " + (c->status == protocols::CheckStatus::held ? "held" : "was violated"));
    }
  };
  check("linearizability", e.linearizable);
  check("liveness", e.liveness);
  return r;
}

}  // namespace faultline::scenarios
