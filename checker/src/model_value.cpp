#include "model_value.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "json_values.hpp"
#include "kernel_searcher.hpp"
#include "value_kernel.hpp"

namespace faultline::checker::detail {
namespace {

std::string operation_names(ValueFlavor flavor) {
  switch (flavor) {
    case ValueFlavor::plain_register:
      return "read, write";
    case ValueFlavor::cas_register:
      return "read, write, cas";
    case ValueFlavor::kv:
      return "get (read), put (write), append, cas";
  }
  return "";
}

}  // namespace

ValueModel::ValueModel(ValueFlavor flavor, nlohmann::json init, ModelOptions options)
    : flavor_(flavor), options_(options) {
  if (flavor_ == ValueFlavor::kv && init.is_object()) {
    init_ = std::move(init);
  } else if (flavor_ == ValueFlavor::kv) {
    init_ = nlohmann::json::object();
    default_value_ = std::move(init);
  } else {
    init_ = std::move(init);
  }
}

std::string ValueModel::name() const {
  switch (flavor_) {
    case ValueFlavor::plain_register:
      return "register";
    case ValueFlavor::cas_register:
      return "cas-register";
    case ValueFlavor::kv:
      return "kv";
  }
  return "";
}

nlohmann::json ValueModel::initial_state() const {
  return init_;
}

ValueAction ValueModel::action(const Operation& op) const {
  const std::string& f = op.f;
  if (f == "read" || f == "get") return ValueAction::read;
  if (f == "write" || f == "put") return ValueAction::write;
  if (f == "cas" && flavor_ != ValueFlavor::plain_register) return ValueAction::cas;
  if (f == "append" && flavor_ == ValueFlavor::kv) return ValueAction::append;
  return ValueAction::none;
}

std::optional<std::string> ValueModel::validate(const Operation& op) const {
  ValueAction a = action(op);
  if (a == ValueAction::none) {
    return "the " + name() + " model has no operation '" + op.f + "' (it has " +
           operation_names(flavor_) + ")";
  }
  if (flavor_ == ValueFlavor::kv && !op.key) return std::string("a kv operation needs a key");
  if (flavor_ != ValueFlavor::kv && op.key) {
    return "the " + name() + " model's operations take no key (use --model kv for keyed ops)";
  }
  if (a == ValueAction::cas && !(op.input.is_array() && op.input.size() == 2)) {
    return "cas takes [expected, new], found " + short_text(op.input, 60);
  }
  if (a == ValueAction::append && !op.input.is_string()) {
    return "append takes a string, found " + short_text(op.input, 60);
  }
  if (a != ValueAction::read && op.outcome == Outcome::ok) {
    return echo_mismatch(op.f, op.input, op.output);
  }
  return std::nullopt;
}

std::optional<std::string> ValueModel::partition(const Operation& op) const {
  if (flavor_ != ValueFlavor::kv) return std::nullopt;
  return op.key;
}

bool ValueModel::keeps_failed(const Operation& op) const {
  return options_.failed_cas_observes && action(op) == ValueAction::cas;
}

bool ValueModel::read_only(const Operation& op) const {
  switch (action(op)) {
    case ValueAction::read:
      return true;
    case ValueAction::cas:
      return op.outcome == Outcome::fail || same_value(op.input[0], op.input[1]);
    default:
      return false;
  }
}

bool ValueModel::read_says_nothing(const Operation& op) const {
  return op.outcome != Outcome::ok || (op.output.is_null() && options_.nil_read_is_unknown);
}

const nlohmann::json& ValueModel::value_of(const nlohmann::json& state,
                                           const std::string& key) const {
  auto it = state.find(key);
  return it != state.end() ? *it : default_value_;
}

std::optional<nlohmann::json> ValueModel::step_value(const nlohmann::json& value,
                                                     const Operation& op) const {
  switch (action(op)) {
    case ValueAction::read:
      if (read_says_nothing(op) || same_value(value, op.output)) return value;
      return std::nullopt;
    case ValueAction::write:
      return op.input;
    case ValueAction::cas: {
      bool match = same_value(value, op.input[0]);
      if (op.outcome == Outcome::fail) return match ? std::nullopt : std::optional(value);
      if (op.outcome == Outcome::info) return match ? op.input[1] : value;
      return match ? std::optional(op.input[1]) : std::nullopt;
    }
    case ValueAction::append:
      if (value.is_null()) return op.input;
      if (!value.is_string()) return std::nullopt;
      return nlohmann::json(value.get<std::string>() + op.input.get<std::string>());
    case ValueAction::none:
      return std::nullopt;
  }
  return std::nullopt;
}

Step ValueModel::step(const nlohmann::json& state, const Operation& op) const {
  if (flavor_ != ValueFlavor::kv) {
    auto after = step_value(state, op);
    return after ? Step{true, std::move(*after)} : Step{false, nullptr};
  }
  const nlohmann::json& current = value_of(state, *op.key);
  auto after = step_value(current, op);
  if (!after) return Step{false, nullptr};
  if (same_value(*after, current)) return Step{true, state};  // one JSON form per state
  nlohmann::json next = state;
  next[*op.key] = std::move(*after);
  return Step{true, std::move(next)};
}

std::string ValueModel::describe_state(const nlohmann::json& state) const {
  if (flavor_ == ValueFlavor::kv && !default_value_.is_null()) {
    return state.dump() + " (other keys " + default_value_.dump() + ")";
  }
  return state.dump();
}

namespace {

// One op for the kernel, or nothing when it cannot change or contradict any state (a read
// whose value is unknown), which the search may then leave out.
std::optional<ValueKernel::Op> compile_op(const ValueModel& model, const Operation& op,
                                          bool read_unknown, ValueKernel& kernel) {
  using Kind = ValueKernel::Kind;
  switch (model.action(op)) {
    case ValueAction::read:
      if (read_unknown) return std::nullopt;
      return ValueKernel::Op{Kind::read, kernel.values.intern(op.output), 0};
    case ValueAction::write:
      return ValueKernel::Op{Kind::write, kernel.values.intern(op.input), 0};
    case ValueAction::cas: {
      Kind kind = op.outcome == Outcome::ok     ? Kind::cas
                  : op.outcome == Outcome::fail ? Kind::cas_failed
                                                : Kind::cas_unknown;
      return ValueKernel::Op{kind, kernel.values.intern(op.input[0]),
                             kernel.values.intern(op.input[1])};
    }
    case ValueAction::append:
      return ValueKernel::Op{Kind::append, kernel.values.add_piece(op.input.get<std::string>()), 0};
    case ValueAction::none:
      break;
  }
  return std::nullopt;
}

// Appends whose outcome is unknown (info) and whose piece no operation of the key shows
// can be left out of the search: true for each such op of `ops`. An append may always be
// left unapplied (its outcome is unknown), so leaving it out loses no linearization; and
// none is gained, because in a linearization that applies it every later read until the
// next write holds its piece, and no read, cas or write value here holds that text (so no
// read or successful cas comes between it and the next write), while a cas that saw it
// and failed might have failed because of it: so none may complete after its invocation
// (when failed cas observe). An unknown cas in between that it made a no-op is left out
// of the linearization too. Histories where clients time out make many such appends, and
// each multiplies the search (Raft runs with long elections ran out of the budget).
std::vector<bool> unobserved_appends(const ValueModel& model, const History& history,
                                     const std::vector<std::size_t>& ops) {
  std::vector<bool> out(ops.size(), false);
  std::vector<std::size_t> candidates;
  std::vector<std::string_view> texts;
  bool failed_cas = false;
  std::uint64_t failed_cas_completes = 0;  // the latest completion of an observing failed cas
  auto text = [&](const nlohmann::json& v) {
    if (v.is_string()) texts.push_back(v.get_ref<const std::string&>());
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = history.ops[ops[i]];
    switch (model.action(op)) {
      case ValueAction::append:
        if (op.outcome == Outcome::info && op.input.is_string() &&
            !op.input.get_ref<const std::string&>().empty()) {
          candidates.push_back(i);
        }
        break;
      case ValueAction::read:
        if (op.outcome == Outcome::ok) text(op.output);
        break;
      case ValueAction::write:
        text(op.input);
        break;
      case ValueAction::cas:
        if (op.input.is_array() && op.input.size() == 2) {
          text(op.input[0]);
          text(op.input[1]);
        }
        if (op.outcome == Outcome::fail && model.keeps_failed(op)) {
          failed_cas = true;
          failed_cas_completes = std::max(failed_cas_completes, op.complete_event);
        }
        break;
      case ValueAction::none:
        break;
    }
  }
  if (candidates.empty()) return out;
  // A piece inside a text is inside every text that extends it: keep the longest only.
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  std::vector<std::string_view> longest;
  for (std::size_t j = 0; j < texts.size(); ++j) {
    if (j + 1 < texts.size() && texts[j + 1].substr(0, texts[j].size()) == texts[j]) continue;
    longest.push_back(texts[j]);
  }
  for (std::size_t i : candidates) {
    const Operation& op = history.ops[ops[i]];
    if (failed_cas && failed_cas_completes > op.invoke_event) continue;
    const std::string& piece = op.input.get_ref<const std::string&>();
    out[i] = std::none_of(longest.begin(), longest.end(), [&](std::string_view t) {
      return t.find(piece) != std::string_view::npos;
    });
  }
  return out;
}

}  // namespace

std::unique_ptr<PartSearcher> ValueModel::compile_part(const History& history,
                                                       std::vector<std::size_t> ops,
                                                       const std::string& key) const {
  ValueKernel kernel;
  bool appends = std::any_of(ops.begin(), ops.end(), [&](std::size_t index) {
    return action(history.ops[index]) == ValueAction::append;
  });
  if (appends) kernel.values.keep_prefix_hashes();  // for reads' values (prepare_reachability)
  const nlohmann::json& initial = flavor_ == ValueFlavor::kv ? value_of(init_, key) : init_;
  kernel.initial = kernel.values.intern(initial);
  std::vector<std::size_t> kept;
  kept.reserve(ops.size());
  const std::vector<bool> unobserved =
      appends ? unobserved_appends(*this, history, ops) : std::vector<bool>(ops.size(), false);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (unobserved[i]) continue;
    const std::size_t index = ops[i];
    const Operation& op = history.ops[index];
    bool read_unknown = action(op) == ValueAction::read && read_says_nothing(op);
    if (auto compiled = compile_op(*this, op, read_unknown, kernel)) {
      kernel.ops.push_back(*compiled);
      kept.push_back(index);
    }
  }
  kernel.prepare_reachability();
  return std::make_unique<KernelSearcher<ValueKernel>>(history, std::move(kept), std::move(kernel));
}

}  // namespace faultline::checker::detail
