#pragma once
// The search of one part of a partitioned history, behind a small interface so that the
// driver (linearizability.cpp) runs compiled built-in models and generic JSON models alike.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/checker.hpp"

namespace faultline::checker::detail {

struct SearchLimits {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // This slice of the search pauses once the part has explored this many configurations,
  // or when it would need more memory than this (it can resume later with more).
  std::uint64_t configurations_max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t memory_bytes_max = std::numeric_limits<std::uint64_t>::max();
  // Parts are numbered; once a lower-numbered part fails, higher ones may stop (their
  // result cannot change which part is reported). nullptr: never stop for that.
  const std::atomic<std::size_t>* first_failed_part = nullptr;
  std::size_t part_index = 0;
  bool want_witness = false;
};

struct PartOutcome {
  Verdict verdict = Verdict::unknown;
  std::string unknown_reason;
  std::uint64_t configurations = 0;
  Linearisation witness;
  std::string initial_state;
  std::vector<PartialLinearisation> longest;
  std::optional<std::string> model_error;  // the model threw; reported as bad input
};

enum class PartProgress : std::uint8_t {
  finished,  // outcome() is ready
  paused,    // reached limits.configurations_max; run again to continue
  starved,   // reached limits.memory_bytes_max; run again with more to continue
};

// A resumable search of one part: run() continues where the last slice stopped.
class PartSearcher {
 public:
  virtual ~PartSearcher() = default;
  virtual PartProgress run(const SearchLimits& limits) = 0;
  virtual PartOutcome outcome() = 0;
  virtual std::uint64_t memory_bytes() const = 0;
  virtual std::uint64_t configurations() const = 0;  // explored so far, over every slice
};

// Which ops of a part take part in the search: failed ops only if the model keeps them.
std::vector<std::size_t> ops_to_search(const History& history, const Model& model,
                                       const std::vector<std::size_t>& part_ops);

// The generic path: any Model, states interned as JSON, transitions cached.
std::unique_ptr<PartSearcher> make_json_searcher(const History& history, const Model& model,
                                                 std::vector<std::size_t> ops);

// Implemented by built-in models with a compiled form.
class CompiledModel {
 public:
  virtual ~CompiledModel() = default;
  virtual std::unique_ptr<PartSearcher> compile_part(const History& history,
                                                     std::vector<std::size_t> ops,
                                                     const std::string& key) const = 0;
};

}  // namespace faultline::checker::detail
