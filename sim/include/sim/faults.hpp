#pragma once
// Random fault schedules ("nemesis"): faults as time windows within a stated budget
// (STYLE.md habit 7). Between start_ns and end_ns the scheduler starts one fault after
// another — partitions (symmetric or one-way), lossy/duplicating/reordering/slow links,
// crashes with restart, pauses, clock offsets, drift, jumps and strobes, disk faults
// (torn writes, corrupted reads, slow or full disks, lost unsynced writes) — each lasting
// a while, never taking down more than max_down targets at once. At end_ns every fault
// heals: partitions and links restored, crashed nodes restarted, paused ones resumed,
// drift stopped. What follows is the liveness phase.
//
// Every decision (which fault, when, on whom, how long, how strong) is a choice, so a
// schedule is part of the run's tape: replayed, shrunk and explored like the rest.
// Swarm testing (Groce et al. 2012): swarm() lets one choice per fault kind decide
// whether this run uses it, so different seeds stress different combinations.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace faultline::sim {

enum class FaultKind : std::uint8_t {
  partition,         // split targets into two groups (symmetric)
  one_way,           // one group cannot reach the other; the reverse works
  isolate,           // cut one target off from every other node
  lossy_links,       // links drop messages
  duplicate_links,   // links duplicate messages
  reorder_links,     // links hold messages back so later ones overtake them
  slow_links,        // links add latency
  crash,             // crash a target, restart it after the window
  pause,             // pause a target (SIGSTOP), resume after the window
  clock_offset,      // set a target's clock ahead or behind
  clock_drift,       // a target's clock runs fast or slow
  clock_jump,        // a target's clock jumps forward or back
  clock_strobe,      // a target's clock jumps back and forth during the window
  torn_writes,       // a crash of the target during the window tears its last write
  read_corruption,   // the target's disk reads flip bits during the window
  slow_disk,         // the target's syncs take 10-50 times as long during the window
  disk_full,         // the target's disk refuses writes during the window
  lose_unsynced,     // the target's disk forgets its unsynced writes (an instant)
  // Faults that line up narrow timing windows, which most consensus bugs need:
  leader_crash,      // crash the node that leads now (FaultProfile::leader), restart later
  leader_isolate,    // cut the node that leads now off from every other node
  one_way_slow,      // one direction of one link gets slow
  delay_burst,       // every link gets slow for a short burst (30-300 ms)
  short_pause,       // pause a target briefly (5-100 ms: shorter than an election timeout)
};
inline constexpr int kFaultKinds = 23;
std::string_view fault_kind_name(FaultKind kind);
bool fault_kind_from_name(std::string_view name, FaultKind& out);

struct FaultProfile {
  std::vector<FaultKind> kinds;   // enabled kinds; empty: no faults
  Time start_ns = 0;
  Time end_ns = 0;                // after this, everything heals
  Duration gap_min_ns = 100 * kMillisecond;  // between the start of one fault and the next
  Duration gap_max_ns = 1 * kSecond;
  Duration duration_min_ns = 100 * kMillisecond;
  Duration duration_max_ns = 2 * kSecond;
  std::size_t max_down = 0;       // crashed + paused targets at once; 0: a minority
  Ratio link_drop{1, 4};
  Ratio link_duplicate{1, 4};
  Ratio link_reorder{1, 3};
  Duration reorder_delay_max_ns = 50 * kMillisecond;
  Duration slow_delay_max_ns = 200 * kMillisecond;
  Duration clock_offset_max_ns = 100 * kMillisecond;
  std::int64_t clock_drift_max_ppm = 500;
  Duration clock_jump_max_ns = 200 * kMillisecond;
  Ratio torn_writes{0, 1};        // applied through the disk profile by the caller
  // Who leads now, for leader_crash and leader_isolate (the protocol kit gives it from
  // the nodes' annotations); without it, or without a leader, they pick a random target.
  std::function<std::optional<NodeId>(const Simulation&)> leader;

  bool enabled(FaultKind kind) const;
  static FaultProfile none() { return {}; }
  // Every kind, over [start, end).
  static FaultProfile all(Time start_ns, Time end_ns);
  // Each kind of `from` kept or left out by one config choice (at least one is kept).
  static FaultProfile swarm(const FaultProfile& from, ChoiceSource& choices);
};

// One fault the schedule started, in the terms a scenario's timeline uses, so that a
// shrinker can turn a random schedule into an editable timeline (scenarios/shrink).
struct FaultRecord {
  FaultKind kind = FaultKind::crash;
  Time start_ns = 0;
  Time end_ns = 0;                          // == start_ns for an instant (a jump, a loss)
  std::vector<std::vector<NodeId>> groups;  // partition, one_way (from, to), isolate
  NodeId node = kNoNode;                    // node, clock and disk faults
  Ratio ratio{0, 1};                        // lossy, duplicate, reorder links
  Duration amount_ns = 0;                   // slow/reorder delay, clock offset/jump/strobe
  std::int64_t ppm = 0;                     // clock drift
  Duration period_ns = 0;                   // clock strobe
  std::int64_t factor = 0;                  // slow disk
};
using FaultLog = std::vector<FaultRecord>;

// Installs a fault schedule on `targets` (the nodes faults may hit) in `sim`.
// Records each fault in the trace as it starts and ends, and in the returned log as it
// starts. Call before sim.run().
std::shared_ptr<const FaultLog> schedule_faults(Simulation& sim, const std::vector<NodeId>& targets,
                                                const FaultProfile& profile);

}  // namespace faultline::sim
