#include "sim/faults.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>

namespace faultline::sim {
namespace {

constexpr std::array<std::string_view, kFaultKinds> kNames = {
    "partition",   "one_way",     "isolate",      "lossy_links", "duplicate_links",
    "reorder_links", "slow_links", "crash",       "pause",       "clock_offset",
    "clock_drift", "clock_jump",  "clock_strobe", "torn_writes", "read_corruption",
    "slow_disk",   "disk_full",   "lose_unsynced", "leader_crash", "leader_isolate",
    "one_way_slow", "delay_burst", "short_pause"};

constexpr std::uint32_t kSteps = 1024;

// A value in [lo, hi]; the quiet choice 0 gives lo.
std::int64_t between(ChoiceSource& c, std::int64_t lo, std::int64_t hi, ChoiceKind kind) {
  if (hi <= lo) return lo;
  return lo + static_cast<std::int64_t>(static_cast<Int128>(hi - lo) * c.pick(kSteps, kind) /
                                        (kSteps - 1));
}

// A magnitude in [max/8, max] with a sign; the quiet choice is the smallest, forward.
std::int64_t signed_magnitude(ChoiceSource& c, std::int64_t max) {
  const std::int64_t m = between(c, max / 8, max, ChoiceKind::clock);
  return c.pick(2, ChoiceKind::clock) == 0 ? m : -m;
}

struct Nemesis {
  FaultProfile profile;
  std::vector<NodeId> targets;
  std::map<NodeId, FaultKind> down;  // crashed or paused by us
  // Each target's drift when the faults began (a scenario's starting drift, else 0):
  // a drift fault runs the clock at it plus the fault's, and its end and the heal bring
  // the clock back to it. Taken at the first fault, after the run's setup.
  std::map<NodeId, std::int64_t> base_drift;
  std::size_t max_down = 0;
  std::shared_ptr<FaultLog> log = std::make_shared<FaultLog>();
  FaultRecord& note(FaultKind kind, Time start, Time end) {
    FaultRecord r;
    r.kind = kind;
    r.start_ns = start;
    r.end_ns = end;
    log->push_back(std::move(r));
    return log->back();
  }
};
using State = std::shared_ptr<Nemesis>;

std::string names(const Simulation& sim, const std::vector<NodeId>& ids) {
  std::string out;
  for (NodeId id : ids) out += (out.empty() ? "" : ",") + sim.node_name(id);
  return "{" + out + "}";
}

// Splits the targets in two non-empty groups: a random permutation (Fisher-Yates with
// choices), cut at a chosen point. The quiet choices cut off the first target alone.
std::pair<std::vector<NodeId>, std::vector<NodeId>> split(Simulation& sim, const State& st) {
  std::vector<NodeId> order = st->targets;
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    const std::size_t j = i + sim.choices().pick(static_cast<std::uint32_t>(order.size() - i),
                                                 ChoiceKind::target);
    std::swap(order[i], order[j]);
  }
  const std::size_t cut =
      1 + sim.choices().pick(static_cast<std::uint32_t>(order.size() - 1), ChoiceKind::target);
  std::vector<NodeId> a(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut));
  std::vector<NodeId> b(order.begin() + static_cast<std::ptrdiff_t>(cut), order.end());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return {a, b};
}

NodeId pick_target(Simulation& sim, const State& st, bool must_be_up) {
  std::vector<NodeId> candidates;
  for (NodeId id : st->targets) {
    if (!must_be_up || (sim.is_up(id) && !sim.is_paused(id) && !st->down.count(id))) {
      candidates.push_back(id);
    }
  }
  if (candidates.empty()) return kNoNode;
  return candidates[sim.choices().pick(static_cast<std::uint32_t>(candidates.size()),
                                       ChoiceKind::target)];
}

// The node that leads now, if it is a target that is up; else a random target.
NodeId pick_leader(Simulation& sim, const State& st, bool must_be_up) {
  if (st->profile.leader) {
    const std::optional<NodeId> leader = st->profile.leader(sim);
    const bool targeted = leader && std::find(st->targets.begin(), st->targets.end(), *leader) !=
                                        st->targets.end();
    if (targeted && sim.is_up(*leader) && !sim.is_paused(*leader) && !st->down.count(*leader)) {
      return *leader;
    }
  }
  return pick_target(sim, st, must_be_up);
}

void start_partition(Simulation& sim, const State& st, FaultKind kind, Time end_at) {
  Partition p;
  std::string what;
  if (kind == FaultKind::isolate || kind == FaultKind::leader_isolate) {
    const NodeId victim = kind == FaultKind::isolate ? pick_target(sim, st, false)
                                                     : pick_leader(sim, st, false);
    kind = FaultKind::isolate;
    std::vector<NodeId> rest;
    for (NodeId id : st->targets) {
      if (id != victim) rest.push_back(id);
    }
    p.groups = {NodeSet::of({victim}), NodeSet::of(rest)};
    what = "isolate " + sim.node_name(victim);
    st->note(kind, sim.now(), end_at).groups = {{victim}, rest};
  } else {
    auto [a, b] = split(sim, st);
    p.groups = {NodeSet::of(a), NodeSet::of(b)};
    p.one_way = kind == FaultKind::one_way;
    st->note(kind, sim.now(), end_at).groups = {a, b};
    what = (p.one_way ? "one-way partition " + names(sim, a) + " -/-> " + names(sim, b)
                      : "partition " + names(sim, a) + " | " + names(sim, b));
  }
  const std::uint32_t id = sim.partition(std::move(p), what);
  sim.at(end_at, "heal", [id](Simulation& s) { s.heal(id); });
}

void start_link_fault(Simulation& sim, const State& st, FaultKind kind, Time end_at) {
  const FaultProfile& p = st->profile;
  LinkFault f;
  std::string what;
  switch (kind) {
    case FaultKind::lossy_links:
      f.drop = p.link_drop;
      what = "links drop " + std::to_string(p.link_drop.num) + "/" + std::to_string(p.link_drop.den);
      break;
    case FaultKind::duplicate_links:
      f.duplicate = p.link_duplicate;
      what = "links duplicate " + std::to_string(p.link_duplicate.num) + "/" +
             std::to_string(p.link_duplicate.den);
      break;
    case FaultKind::reorder_links:
      f.reorder = p.link_reorder;
      f.reorder_delay_max_ns = p.reorder_delay_max_ns;
      what = "links reorder (hold back up to " + format_time(p.reorder_delay_max_ns) + ")";
      break;
    default:
      f.extra_delay_max_ns = between(sim.choices(), p.slow_delay_max_ns / 8, p.slow_delay_max_ns,
                                     ChoiceKind::duration);
      what = "links slow (up to +" + format_time(f.extra_delay_max_ns) + ")";
      break;
  }
  if (kind == FaultKind::one_way_slow) {
    // One direction of one link: a slow acknowledgement, a late vote.
    const NodeId from = pick_target(sim, st, false);
    std::vector<NodeId> others;
    for (NodeId id : st->targets) {
      if (id != from) others.push_back(id);
    }
    if (others.empty()) return;
    const NodeId to = others[sim.choices().pick(static_cast<std::uint32_t>(others.size()), ChoiceKind::target)];
    f.from = NodeSet::of({from});
    f.to = NodeSet::of({to});
    what = "link " + sim.node_name(from) + " -> " + sim.node_name(to) + " slow (up to +" +
           format_time(f.extra_delay_max_ns) + ")";
  }
  if (kind == FaultKind::delay_burst) {
    end_at = std::min(sim.now() + between(sim.choices(), 30 * kMillisecond, 300 * kMillisecond,
                                          ChoiceKind::duration),
                      p.end_ns);
    what = "a burst of delay on every link (up to +" + format_time(f.extra_delay_max_ns) + ")";
  }
  const bool slow = kind == FaultKind::one_way_slow || kind == FaultKind::delay_burst;
  FaultRecord& r = st->note(slow ? FaultKind::slow_links : kind, sim.now(), end_at);
  if (kind == FaultKind::one_way_slow) r.groups = {f.from.members(), f.to.members()};
  r.ratio = kind == FaultKind::lossy_links       ? f.drop
            : kind == FaultKind::duplicate_links ? f.duplicate
                                                 : f.reorder;
  r.amount_ns = kind == FaultKind::reorder_links ? f.reorder_delay_max_ns : f.extra_delay_max_ns;
  const std::uint32_t id = sim.degrade(std::move(f), what);
  sim.at(end_at, "restore links", [id](Simulation& s) { s.restore(id); });
}

void start_node_fault(Simulation& sim, const State& st, FaultKind kind, Time end_at) {
  if (st->down.size() >= st->max_down) return;  // the budget is spent
  const NodeId victim =
      kind == FaultKind::leader_crash ? pick_leader(sim, st, true) : pick_target(sim, st, true);
  if (victim == kNoNode) return;
  if (kind == FaultKind::leader_crash) kind = FaultKind::crash;
  if (kind == FaultKind::short_pause) {
    kind = FaultKind::pause;
    end_at = std::min(sim.now() + between(sim.choices(), 5 * kMillisecond, 100 * kMillisecond,
                                          ChoiceKind::duration),
                      st->profile.end_ns);
  }
  st->down[victim] = kind;
  st->note(kind, sim.now(), end_at).node = victim;
  if (kind == FaultKind::crash) {
    sim.crash(victim);
    sim.at(end_at, "restart", [st, victim](Simulation& s) {
      if (st->down.erase(victim)) s.restart(victim);
    });
  } else {
    sim.pause(victim);
    sim.at(end_at, "resume", [st, victim](Simulation& s) {
      if (st->down.erase(victim)) s.resume(victim);
    });
  }
}

void strobe(Simulation& sim, NodeId victim, Duration amplitude, Duration period, Time end_at,
            bool forward) {
  if (sim.now() >= end_at) return;
  sim.clock_jump(victim, forward ? amplitude : -amplitude);
  if (sim.now() + period >= end_at) {
    if (forward) sim.at(end_at, "strobe end", [victim, amplitude](Simulation& s) {
      s.clock_jump(victim, -amplitude);
    });
    return;
  }
  sim.at(sim.now() + period, "strobe", [=](Simulation& s) {
    strobe(s, victim, amplitude, period, end_at, !forward);
  });
}

void start_clock_fault(Simulation& sim, const State& st, FaultKind kind, Time end_at) {
  const FaultProfile& p = st->profile;
  const NodeId victim = pick_target(sim, st, false);
  switch (kind) {
    case FaultKind::clock_offset: {
      // Set off by `offset` from where the clock is, and back by as much at the end: an
      // absolute offset would erase the jumps of a strobe or a jump fault on the same
      // node, and the strobe's closing jump would then leave the clock off for good
      // (seed 1003891 of Paxos's swarm profile: 198 ms behind after the heal).
      const Duration offset = signed_magnitude(sim.choices(), p.clock_offset_max_ns);
      FaultRecord& r = st->note(kind, sim.now(), end_at);
      r.node = victim;
      r.amount_ns = offset;
      sim.clock_offset(victim, sim.clock(victim).offset(sim.now()) + offset);
      sim.at(end_at, "clock offset ends", [victim, offset](Simulation& s) {
        s.clock_offset(victim, s.clock(victim).offset(s.now()) - offset);
      });
      break;
    }
    case FaultKind::clock_drift: {
      const std::int64_t ppm = signed_magnitude(sim.choices(), p.clock_drift_max_ppm);
      FaultRecord& r = st->note(kind, sim.now(), end_at);
      r.node = victim;
      r.ppm = ppm;
      // A drift past -1,000,000 ppm would stop the clock or run it backwards.
      const std::int64_t base = st->base_drift[victim];
      sim.clock_drift(victim, std::max<std::int64_t>(base + ppm, -999999));
      sim.at(end_at, "clock drift ends",
             [victim, base](Simulation& s) { s.clock_drift(victim, base); });
      break;
    }
    case FaultKind::clock_jump: {
      const Duration jump = signed_magnitude(sim.choices(), p.clock_jump_max_ns);
      FaultRecord& r = st->note(kind, sim.now(), sim.now());
      r.node = victim;
      r.amount_ns = jump;
      sim.clock_jump(victim, jump);
      break;
    }
    default: {
      const Duration amplitude =
          between(sim.choices(), p.clock_jump_max_ns / 8, p.clock_jump_max_ns, ChoiceKind::clock);
      const Duration period = between(sim.choices(), 5 * kMillisecond, 50 * kMillisecond,
                                      ChoiceKind::clock);
      FaultRecord& r = st->note(kind, sim.now(), end_at);
      r.node = victim;
      r.amount_ns = amplitude;
      r.period_ns = period;
      strobe(sim, victim, amplitude, period, end_at, true);
      break;
    }
  }
}

void start_disk_fault(Simulation& sim, const State& st, FaultKind kind, Time end_at) {
  const NodeId victim = pick_target(sim, st, false);
  if (kind == FaultKind::lose_unsynced) {
    st->note(kind, sim.now(), sim.now()).node = victim;
    sim.lose_unsynced(victim);
    return;
  }
  DiskFault fault;
  switch (kind) {
    case FaultKind::torn_writes:
      fault.kind = DiskFault::Kind::torn_writes;
      break;
    case FaultKind::read_corruption:
      fault.kind = DiskFault::Kind::read_corruption;
      fault.ratio = Ratio{1, 20};
      break;
    case FaultKind::slow_disk:
      fault.kind = DiskFault::Kind::slow;
      fault.slow_factor = between(sim.choices(), 10, 50, ChoiceKind::duration);
      break;
    default:
      fault.kind = DiskFault::Kind::full;
      break;
  }
  FaultRecord& r = st->note(kind, sim.now(), end_at);
  r.node = victim;
  r.ratio = fault.ratio;
  r.factor = fault.slow_factor;
  const std::uint32_t id = sim.disk_fault(victim, fault);
  sim.at(end_at, "disk fault ends", [id](Simulation& s) { s.end_disk_fault(id); });
}

void start_fault(Simulation& sim, const State& st) {
  const FaultProfile& p = st->profile;
  const FaultKind kind =
      p.kinds[sim.choices().pick(static_cast<std::uint32_t>(p.kinds.size()), ChoiceKind::fault)];
  const Duration length = between(sim.choices(), p.duration_min_ns, p.duration_max_ns,
                                   ChoiceKind::duration);
  const Time end_at = std::min(sim.now() + length, p.end_ns);
  switch (kind) {
    case FaultKind::partition:
    case FaultKind::one_way:
    case FaultKind::isolate:
      return start_partition(sim, st, kind, end_at);
    case FaultKind::leader_isolate:
      return start_partition(sim, st, kind, end_at);
    case FaultKind::lossy_links:
    case FaultKind::duplicate_links:
    case FaultKind::reorder_links:
    case FaultKind::slow_links:
    case FaultKind::one_way_slow:
    case FaultKind::delay_burst:
      return start_link_fault(sim, st, kind, end_at);
    case FaultKind::crash:
    case FaultKind::pause:
    case FaultKind::leader_crash:
    case FaultKind::short_pause:
      return start_node_fault(sim, st, kind, end_at);
    case FaultKind::torn_writes:
    case FaultKind::read_corruption:
    case FaultKind::slow_disk:
    case FaultKind::disk_full:
    case FaultKind::lose_unsynced:
      return start_disk_fault(sim, st, kind, end_at);
    default:
      return start_clock_fault(sim, st, kind, end_at);
  }
}

void next_fault(Simulation& sim, const State& st) {
  if (sim.now() >= st->profile.end_ns) return;
  if (st->base_drift.empty()) {
    for (NodeId id : st->targets) st->base_drift[id] = sim.clock(id).drift_ppm();
  }
  start_fault(sim, st);
  const Time next =
      sim.now() + between(sim.choices(), st->profile.gap_min_ns, st->profile.gap_max_ns,
                          ChoiceKind::duration);
  if (next < st->profile.end_ns) sim.at(next, "nemesis", [st](Simulation& s) { next_fault(s, st); });
}

void heal_everything(Simulation& sim, const State& st) {
  sim.log("faults end: heal everything");
  sim.heal_all();
  sim.restore_all();
  for (const auto& [id, kind] : st->down) {
    if (kind == FaultKind::crash) sim.restart(id);
    else sim.resume(id);
  }
  st->down.clear();
  for (const auto& [id, base] : st->base_drift) {
    if (sim.clock(id).drift_ppm() != base) sim.clock_drift(id, base);
  }
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  return kNames[static_cast<std::size_t>(kind)];
}

bool fault_kind_from_name(std::string_view name, FaultKind& out) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      out = static_cast<FaultKind>(i);
      return true;
    }
  }
  return false;
}

bool FaultProfile::enabled(FaultKind kind) const {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

FaultProfile FaultProfile::all(Time start_ns, Time end_ns) {
  FaultProfile p;
  for (int k = 0; k < kFaultKinds; ++k) p.kinds.push_back(static_cast<FaultKind>(k));
  p.start_ns = start_ns;
  p.end_ns = end_ns;
  return p;
}

FaultProfile FaultProfile::swarm(const FaultProfile& from, ChoiceSource& choices) {
  FaultProfile p = from;
  p.kinds.clear();
  for (FaultKind kind : from.kinds) {
    // The quiet choice keeps the kind: a shrinker lowering choices keeps faults on.
    if (choices.pick(2, ChoiceKind::config) == 0) p.kinds.push_back(kind);
  }
  if (p.kinds.empty() && !from.kinds.empty()) {
    p.kinds.push_back(
        from.kinds[choices.pick(static_cast<std::uint32_t>(from.kinds.size()), ChoiceKind::config)]);
  }
  return p;
}

std::shared_ptr<const FaultLog> schedule_faults(Simulation& sim, const std::vector<NodeId>& targets,
                                                const FaultProfile& profile) {
  if (profile.kinds.empty() || targets.empty() || profile.end_ns <= profile.start_ns) {
    return std::make_shared<const FaultLog>();
  }
  auto st = std::make_shared<Nemesis>();
  st->profile = profile;
  st->targets = targets;
  st->max_down = profile.max_down > 0 ? profile.max_down : (targets.size() - 1) / 2;
  sim.at(profile.start_ns, "nemesis", [st](Simulation& s) { next_fault(s, st); });
  sim.at(profile.end_ns, "heal everything", [st](Simulation& s) { heal_everything(s, st); });
  return st->log;
}

}  // namespace faultline::sim
