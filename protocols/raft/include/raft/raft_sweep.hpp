#pragma once
// Seed sweeps over Raft, shared by the tests and the benchmark.
//
// correct_spec(seed): one run of correct Raft whose whole configuration comes from the
// seed (swarm testing, Groce et al. 2012): 3 or 5 servers, the leader's no-op, PreVote,
// CheckQuorum, the read path, snapshots and membership changes each on or off, faults
// at the default pace, dense or in a storm, and the fault schedule's kinds chosen by
// the run's first choices. Torn writes are on. With lease reads, clock jumps and offsets are kept
// small enough that their sum over one lease stays below lease_margin: the bound within
// which lease reads are correct.
//
// Bug hunts: for each planted bug, the configuration a sweep uses to look for it, and
// the properties whose violation counts as finding it. A hunt runs seeds from a start
// until one run violates one of them (or a budget runs out), and says how long it took.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"
#include "sim/faults.hpp"

namespace faultline::raft {

protocols::RunSpec correct_spec(std::uint64_t seed);

struct BugHunt {
  std::string bug;
  std::vector<std::pair<std::string, std::string>> options = {};  // --set for the sweep
  std::vector<std::string> properties = {};  // finding names that count as the right one
  std::vector<sim::FaultKind> kinds = {};    // the kinds swarm draws from; empty: all
  // Faults at the default pace (every 100 ms - 1 s, lasting 100 ms - 2 s), or denser.
  enum class Pace : std::uint8_t { normal, dense, storm } pace = Pace::normal;
};
const std::vector<BugHunt>& bug_hunts();
const BugHunt* find_hunt(std::string_view bug);
protocols::RunSpec hunt_spec(const BugHunt& hunt, std::uint64_t seed);

struct HuntResult {
  bool found = false;
  std::uint64_t seed = 0;       // the run that found it
  std::uint64_t seeds_run = 0;  // including that one
  double seconds = 0;           // wall-clock time of the sweep
  std::string property;         // the finding's name
  std::string message;
  std::uint64_t event_index = 0;
};

// Sweeps seeds seed_start, seed_start + 1, ... until a run violates one of the hunt's
// properties, max_seeds runs were made, or max_seconds passed.
HuntResult hunt(const BugHunt& hunt, std::uint64_t seed_start, std::uint64_t max_seeds,
                double max_seconds);

}  // namespace faultline::raft
