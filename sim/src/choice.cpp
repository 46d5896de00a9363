#include "sim/choice.hpp"

#include <array>

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

std::uint32_t SeededChoices::draw(std::uint32_t n, ChoiceKind /*kind*/, Ratio odds) {
  if (odds.den != 0) return rng_.below(odds.den) < odds.num ? 1 : 0;
  return static_cast<std::uint32_t>(rng_.below(n));
}

std::uint32_t TapeChoices::draw(std::uint32_t n, ChoiceKind kind, Ratio /*odds*/) {
  if (position_ >= recorded_.size()) return 0;
  const std::size_t index = position_++;
  const Choice& recorded = recorded_[index];
  const bool fits = recorded.kind == kind && recorded.value < n;
  if (!fits) {
    if (misfit_count_++ == 0) first_misfit_ = TapeMisfit{index, recorded, kind, n};
  }
  return recorded.value < n ? recorded.value : n - 1;
}

}  // namespace faultline::sim
