#include "sim/choice.hpp"

#include <array>
#include <utility>

namespace faultline::sim {
namespace {
constexpr std::array<std::string_view, kChoiceKinds> kKindNames = {
    "delay", "drop", "duplicate", "reorder", "random", "fault",
    "target", "duration", "clock", "disk", "schedule", "config"};
}

std::string_view choice_kind_name(ChoiceKind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

std::optional<ChoiceKind> choice_kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ChoiceKind>(i);
  }
  return std::nullopt;
}

std::string TapeMisfit::describe() const {
  std::string out = "tape choice #" + std::to_string(index) + " recorded " +
                    std::string(choice_kind_name(recorded.kind)) + " " +
                    std::to_string(recorded.value) + " of " + std::to_string(recorded.n) +
                    ", but the run asked for " + std::string(choice_kind_name(wanted_kind)) +
                    " of " + std::to_string(wanted_n);
  return out;
}

namespace {
template <std::size_t... K>
std::array<Xoshiro256, kChoiceKinds> make_streams(std::uint64_t seed, std::index_sequence<K...>) {
  // Stream k starts from the seed mixed with k, through splitmix64 (Xoshiro256's seeding).
  return {Xoshiro256(seed ^ (0x9e3779b97f4a7c15ULL * (K + 1)))...};
}
}  // namespace

SeededChoices::SeededChoices(std::uint64_t seed)
    : streams_(make_streams(seed, std::make_index_sequence<kChoiceKinds>{})) {}

std::uint32_t SeededChoices::draw(std::uint32_t n, ChoiceKind kind, Ratio odds) {
  Xoshiro256& rng = streams_[static_cast<std::size_t>(kind)];
  if (odds.den != 0) return rng.below(odds.den) < odds.num ? 1 : 0;
  return static_cast<std::uint32_t>(rng.below(n));
}

TapeChoices::TapeChoices(const Tape& tape) {
  for (std::size_t i = 0; i < tape.size(); ++i) {
    by_kind_[static_cast<std::size_t>(tape[i].kind)].push_back(Recorded{tape[i], i});
  }
}

bool TapeChoices::exhausted() const {
  for (std::size_t k = 0; k < by_kind_.size(); ++k) {
    if (next_[k] < by_kind_[k].size()) return false;
  }
  return true;
}

std::uint32_t TapeChoices::draw(std::uint32_t n, ChoiceKind kind, Ratio /*odds*/) {
  const auto k = static_cast<std::size_t>(kind);
  if (next_[k] >= by_kind_[k].size()) return 0;
  const Recorded& r = by_kind_[k][next_[k]++];
  const bool fits = r.choice.n == n && r.choice.value < n;
  if (!fits) {
    if (misfit_count_++ == 0) first_misfit_ = TapeMisfit{r.index, r.choice, kind, n};
  }
  return r.choice.value < n ? r.choice.value : n - 1;
}

}  // namespace faultline::sim
