#pragma once
// The choice source: the one place nondeterminism enters a run (DESIGN.md §1).
//
// Every nondeterministic decision is pick(n, kind) -> [0, n). Value 0 is the quiet
// choice: deliver, no duplicate, the shortest delay, no fault. A run records every
// choice it drew, as (kind, n, value): its tape. A run is a pure function of
// (configuration, seed) with SeededChoices, and of (configuration, tape) with
// TapeChoices; a tape replayed gives the same run, event for event.
//
// Invariants: a decision with only one option (n == 1, a never/always flip) is not a
// choice: it is neither drawn nor recorded, so tapes hold only real choices and an
// explorer enumerates only those.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/rng.hpp"
#include "sim/types.hpp"

namespace faultline::sim {

enum class ChoiceKind : std::uint8_t {
  delay,      // a message's latency (monotone: 0 = the shortest)
  drop,       // lose a message
  duplicate,  // deliver a message twice
  reorder,    // hold a message back so later ones overtake it
  random,     // an actor's own random draw (e.g. an election timeout)
  fault,      // the fault scheduler: whether and which fault starts next
  target,     // which node or group a fault hits
  duration,   // how long a fault lasts, or when the next one starts
  clock,      // a clock fault's magnitude
  disk,       // torn writes, read corruption, sync latency
  schedule,   // which of several ready events goes next (explore mode)
  config,     // swarm testing: which fault kinds this run enables
};
inline constexpr int kChoiceKinds = 12;

std::string_view choice_kind_name(ChoiceKind kind);
std::optional<ChoiceKind> choice_kind_from_name(std::string_view name);

struct Choice {
  std::uint32_t n = 0;
  std::uint32_t value = 0;
  ChoiceKind kind = ChoiceKind::random;
  friend bool operator==(const Choice&, const Choice&) = default;
};
using Tape = std::vector<Choice>;

// A replayed choice that no longer fits the run that reads it (after a code change,
// or on a shrunk tape): the first one is kept, the rest are counted.
struct TapeMisfit {
  std::size_t index = 0;  // position in the tape
  Choice recorded;
  ChoiceKind wanted_kind = ChoiceKind::random;
  std::uint32_t wanted_n = 0;
  std::string describe() const;
};

class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;

  // A value in [0, n); 0 is the quiet choice. n must be >= 1.
  std::uint32_t pick(std::uint32_t n, ChoiceKind kind) {
    if (n <= 1) return 0;
    const std::uint32_t value = draw(n, kind, Ratio{0, 0});
    tape_.push_back(Choice{n, value, kind});
    return value;
  }

  // A two-way choice that is 1 (the fault) with probability p under a seeded source.
  bool flip(Ratio p, ChoiceKind kind) {
    if (p.never()) return false;
    if (p.always()) return true;
    const std::uint32_t value = draw(2, kind, p);
    tape_.push_back(Choice{2, value, kind});
    return value != 0;
  }

  const Tape& tape() const { return tape_; }

  // Replay only: how many recorded choices did not fit, and the first of them.
  virtual std::size_t misfits() const { return 0; }
  virtual std::optional<TapeMisfit> first_misfit() const { return std::nullopt; }

 protected:
  // odds.den == 0: uniform over [0, n); else n == 2 and 1 has probability odds.
  virtual std::uint32_t draw(std::uint32_t n, ChoiceKind kind, Ratio odds) = 0;

 private:
  Tape tape_;
};

// Random runs: one per seed. Each kind of choice draws from its own stream (all derived
// from the seed), so that a change in one kind's choices does not shift another's: a
// shrinker that removes a fault from the schedule leaves the network's and the actors'
// draws as they were, up to where the fault's effects begin.
class SeededChoices final : public ChoiceSource {
 public:
  explicit SeededChoices(std::uint64_t seed);

 protected:
  std::uint32_t draw(std::uint32_t n, ChoiceKind kind, Ratio odds) override;

 private:
  std::array<Xoshiro256, kChoiceKinds> streams_;
};

// Replay of a recorded tape. Like SeededChoices' streams, each kind replays its own
// recorded choices in order (the run that recorded the tape drew them in that order);
// a kind whose choices run out gives quiet choices. A recorded choice that does not fit
// (another number of options, or value >= n) is a misfit: n-1 is used when the value is
// too large, the recorded value otherwise, and the misfit is reported. So an edited
// scenario (a fault removed by a shrinker) replays the untouched kinds as they were.
class TapeChoices final : public ChoiceSource {
 public:
  explicit TapeChoices(const Tape& tape);

  std::size_t misfits() const override { return misfit_count_; }
  std::optional<TapeMisfit> first_misfit() const override { return first_misfit_; }
  // Every recorded choice has been replayed.
  bool exhausted() const;

 protected:
  std::uint32_t draw(std::uint32_t n, ChoiceKind kind, Ratio odds) override;

 private:
  struct Recorded {
    Choice choice;
    std::size_t index = 0;  // its position in the whole tape
  };
  std::array<std::vector<Recorded>, kChoiceKinds> by_kind_;
  std::array<std::size_t, kChoiceKinds> next_ = {};
  std::size_t misfit_count_ = 0;
  std::optional<TapeMisfit> first_misfit_;
};

}  // namespace faultline::sim
