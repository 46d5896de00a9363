// The slow, obviously correct twin of the search: every order of the ops that respects
// real time, every subset of the unknown-outcome ops, stepped on the model's JSON form.
#include "checker/checker.hpp"
#include "part_search.hpp"

namespace faultline::checker {
namespace {

class BruteForce {
 public:
  BruteForce(const History& history, const Model& model, std::vector<std::size_t> ops)
      : history_(history), model_(model), ops_(std::move(ops)) {}

  bool linearizable() { return extend(model_.initial_state(), 0); }

 private:
  const Operation& op(std::size_t i) const { return history_.ops[ops_[i]]; }
  bool required(std::size_t i) const { return !op(i).unknown_outcome(); }

  // May op i be linearised before every op not yet placed? Not if one of those completed
  // before i was invoked.
  bool may_go_next(std::size_t i, std::uint32_t placed) const {
    for (std::size_t j = 0; j < ops_.size(); ++j) {
      if (j == i || (placed >> j) & 1 || !required(j)) continue;
      if (op(j).complete_event < op(i).invoke_event) return false;
    }
    return true;
  }

  bool extend(const nlohmann::json& state, std::uint32_t placed) {
    bool all_required_placed = true;
    for (std::size_t j = 0; j < ops_.size(); ++j) {
      if (!((placed >> j) & 1) && required(j)) all_required_placed = false;
    }
    if (all_required_placed) return true;  // the remaining unknown ops never took effect
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if ((placed >> i) & 1 || !may_go_next(i, placed)) continue;
      Step step = model_.step(state, op(i));
      if (step.legal && extend(step.state, placed | (1u << i))) return true;
    }
    return false;
  }

  const History& history_;
  const Model& model_;
  std::vector<std::size_t> ops_;
};

}  // namespace

Verdict check_brute_force(const History& history, const Model& model, std::size_t max_ops) {
  std::vector<std::size_t> all(history.ops.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (model.validate(history.ops[i])) return Verdict::unknown;
    all[i] = i;
  }
  auto ops = detail::ops_to_search(history, model, all);
  if (ops.size() > max_ops || ops.size() > 31) return Verdict::unknown;
  BruteForce brute(history, model, std::move(ops));
  return brute.linearizable() ? Verdict::linearizable : Verdict::not_linearizable;
}

}  // namespace faultline::checker
