#pragma once
// Runs the search over one part with a given kernel (a compiled model: states as 64-bit
// words, ops as small indices) and turns its raw outcome into history terms: op indices
// and described states.
#include <algorithm>
#include <exception>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "checker_assert.hpp"
#include "wgl_search.hpp"

namespace faultline::checker::detail {

// What explains a prefix: the op that had to come next (the earliest return among ops
// not yet linearised) and every op that was invoked before that return.
struct StuckPoint {
  std::uint32_t op = 0;
  std::vector<std::uint32_t> candidates;
};
StuckPoint stuck_point(const Timeline& timeline, const std::vector<std::uint32_t>& prefix);

// Explanations never print a state or a value unbounded (a 200 MB value would print 400 MB
// of text): states are cut to kStateChars, and the state the stuck op met, with the op's
// result, to kStuckChars around where they first differ.
inline constexpr std::size_t kStateChars = 200;
inline constexpr std::size_t kStuckChars = 160;
inline constexpr std::size_t kValueCharsShown = 60;  // what describe_operation shows of a value

template <class Kernel>
class KernelSearcher final : public PartSearcher {
 public:
  KernelSearcher(const History& history, std::vector<std::size_t> ops, Kernel kernel)
      : history_(history),
        ops_(std::move(ops)),
        kernel_(std::move(kernel)),
        timeline_(make_timeline(history, ops_)),
        search_(kernel_, timeline_) {
    set_twins(timeline_, [this](std::uint32_t op) { return kernel_.twin_signature(op); });
  }

  PartProgress run(const SearchLimits& limits) override {
    want_witness_ = limits.want_witness;
    try {
      return search_.run(limits);
    } catch (const std::bad_alloc&) {
      failure_ = "memory ran out";
    } catch (const std::exception& e) {
      model_error_ = e.what();
    }
    return PartProgress::finished;
  }

  std::uint64_t memory_bytes() const override { return search_.memory_bytes(); }
  std::uint64_t configurations() const override { return search_.configurations(); }

  PartOutcome outcome() override {
    PartOutcome out;
    if (model_error_ || failure_) {
      out.model_error = model_error_;
      out.unknown_reason = failure_.value_or("");
      return out;
    }
    RawOutcome& raw = search_.outcome();
    out.verdict = raw.verdict;
    out.unknown_reason = std::move(raw.unknown_reason);
    out.configurations = raw.configurations;
    out.initial_state = elide(kernel_.describe_state(kernel_.initial_state()), kStateChars);
    if (raw.verdict == Verdict::linearizable && want_witness_) out.witness = replay(raw.witness);
    for (const auto& prefix : raw.longest) out.longest.push_back(explain(prefix));
    return out;
  }

 private:
  Linearisation replay(const std::vector<std::uint32_t>& order) {
    Linearisation steps;
    steps.reserve(order.size());
    std::uint64_t state = kernel_.initial_state();
    for (std::uint32_t op : order) {
      std::uint64_t after = 0;
      bool legal = kernel_.step(state, op, after);
      CHECKER_ASSERT(legal, "a linearisation the search found does not replay");
      state = after;
      steps.push_back(
          LinearisationStep{ops_[op], elide(kernel_.describe_state(state), kStateChars)});
    }
    return steps;
  }

  std::uint64_t final_state(const std::vector<std::uint32_t>& order) {
    std::uint64_t state = kernel_.initial_state();
    for (std::uint32_t op : order) {
      std::uint64_t after = 0;
      kernel_.step(state, op, after);
      state = after;
    }
    return state;
  }

  // Why the search went no further than `prefix`. Each claim is checked here rather than
  // taken from the search: every candidate illegal, or else a read the search pruned as
  // unreachable (wgl_search.hpp, read_unreachable).
  PartialLinearisation explain(const std::vector<std::uint32_t>& prefix) {
    PartialLinearisation partial;
    partial.steps = replay(prefix);
    std::uint64_t state = final_state(prefix);
    StuckPoint stuck = stuck_point(timeline_, prefix);
    bool all_illegal =
        std::none_of(stuck.candidates.begin(), stuck.candidates.end(), [&](std::uint32_t op) {
          std::uint64_t after = 0;
          return kernel_.step(state, op, after);
        });
    if (all_illegal) {
      partial.stuck_op = ops_[stuck.op];
      for (std::uint32_t op : stuck.candidates) partial.candidates.push_back(ops_[op]);
    } else {
      std::optional<std::uint32_t> read = unreachable_read(prefix, state);
      CHECKER_ASSERT(read.has_value(), "a longest partial linearisation has a legal next op");
      partial.stuck_op = ops_[*read];
      partial.unreachable_read = true;
    }
    describe_stuck(partial, kernel_.describe_state(state));
    return partial;
  }

  // The stuck state, and the stuck op's result when it is too long to show whole, each
  // cut around where the two first differ: that is where the evidence is.
  void describe_stuck(PartialLinearisation& partial, const std::string& state) const {
    const Operation& op = history_.ops[partial.stuck_op];
    if (op.outcome != Outcome::ok || op.output.is_null()) {
      partial.stuck_state = elide(state, kStateChars);
      return;
    }
    const std::string value =
        op.output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto [in_value, in_state] = first_difference(value, state);
    partial.stuck_state = elide_around(state, in_state, kStuckChars);
    if (value.size() > kValueCharsShown)
      partial.stuck_value = elide_around(value, in_value, kStuckChars);
  }

  // The first read (in invocation order) that the search's pruning would find unreachable
  // after `prefix`, computed afresh from the timeline.
  std::optional<std::uint32_t> unreachable_read(const std::vector<std::uint32_t>& prefix,
                                                std::uint64_t state) {
    if constexpr (WglSearch<Kernel>::kPrunesReads) {
      std::vector<bool> placed(timeline_.op_count, false);
      for (std::uint32_t op : prefix) placed[op] = true;
      auto limit = static_cast<std::uint32_t>(timeline_.entry_op.size() - 1);  // the tail
      for (std::uint32_t op = 0; op < timeline_.op_count; ++op) {
        if (!placed[op] && kernel_.resets(op)) limit = std::min(limit, timeline_.call_entry[op]);
      }
      for (std::uint32_t op = 0; op < timeline_.op_count; ++op) {
        std::uint32_t ret = timeline_.return_entry[op];
        if (placed[op] || ret == 0 || ret > limit) continue;
        if (!kernel_.reachable(state, op)) return op;
      }
    }
    return std::nullopt;
  }

  // Declared in construction order: the search refers to the kernel and the timeline.
  const History& history_;
  std::vector<std::size_t> ops_;
  Kernel kernel_;
  Timeline timeline_;
  WglSearch<Kernel> search_;
  bool want_witness_ = false;
  std::optional<std::string> model_error_;
  std::optional<std::string> failure_;
};

}  // namespace faultline::checker::detail
