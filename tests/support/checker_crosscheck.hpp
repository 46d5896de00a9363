#pragma once
// The fast search (compiled and generic paths) against the brute-force twin, on random
// small histories over every built-in model.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <checker/checker.hpp>

#include "checker_random_histories.hpp"

namespace faultline::checker::testing {

// Checks a failing result's explanation on the model's JSON form, by brute force: every
// longest partial linearisation replays legally, in real-time order; then either every
// candidate is illegal in the state reached, or (an unreachable read) no sequence of the
// part's unplaced ops invoked before the read returns, in any order, lets the read be
// placed — a claim stronger than any real continuation needs, so it must hold whenever the
// search's pruning was right. Windows larger than `window_max` ops are skipped (counted in
// `skipped`). Returns a description of the first claim that does not hold.
std::optional<std::string> explanation_problem(const History& history, const Model& model,
                                               const CheckResult& result,
                                               std::size_t window_max = 6,
                                               std::uint64_t* skipped = nullptr);

// Checks `count` random histories (spread evenly over `flavors`, by default every model)
// from `seed`; fails the running test on the first disagreement, printing the history.
void cross_check(std::uint64_t count, std::uint64_t seed,
                 const std::vector<std::string>& flavors = random_models());

}  // namespace faultline::checker::testing
