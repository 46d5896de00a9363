// multi-register, set, queue and mutex: models whose states are collections. They run on
// the generic path (JSON states interned, transitions cached).
#include "models_collections.hpp"

#include <algorithm>

#include "json_values.hpp"

namespace faultline::checker::detail {
namespace {

std::string key_text(const nlohmann::json& key) {
  return key.is_string() ? key.get<std::string>() : key.dump();
}

bool is_read(const nlohmann::json& f) {
  return f.is_string() && (f.get<std::string>() == "read" || f.get<std::string>() == "r");
}
bool is_write(const nlohmann::json& f) {
  return f.is_string() && (f.get<std::string>() == "write" || f.get<std::string>() == "w");
}

std::optional<std::string> check_micro_ops(const nlohmann::json& txn, const char* what) {
  if (!txn.is_array()) return std::string("a txn's ") + what + " must be a list of micro-ops";
  for (const auto& m : txn) {
    if (!m.is_array() || m.size() != 3 || !(is_read(m[0]) || is_write(m[0])) ||
        !(m[1].is_string() || m[1].is_number_integer())) {
      return std::string("a txn micro-op is [read key value] or [write key value], found ") +
             short_text(m, 60);
    }
  }
  return std::nullopt;
}

}  // namespace

// ---- multi-register ----

MultiRegisterModel::MultiRegisterModel(nlohmann::json init, ModelOptions options)
    : options_(options) {
  if (init.is_object()) {
    init_ = std::move(init);
  } else {
    init_ = nlohmann::json::object();
    default_value_ = std::move(init);
  }
}

std::optional<std::string> MultiRegisterModel::validate(const Operation& op) const {
  if (op.f != "txn") {
    return "the multi-register model has no operation '" + op.f + "' (it has txn)";
  }
  if (auto error = check_micro_ops(op.input, "invocation value")) return error;
  if (op.outcome != Outcome::ok || op.output.is_null()) return std::nullopt;
  if (auto error = check_micro_ops(op.output, "completion value")) return error;
  if (op.output.size() != op.input.size()) {
    return std::string(
        "a txn's completion has a different number of micro-ops than its "
        "invocation");
  }
  for (std::size_t i = 0; i < op.input.size(); ++i) {
    if (is_read(op.input[i][0]) != is_read(op.output[i][0]) ||
        key_text(op.input[i][1]) != key_text(op.output[i][1])) {
      return "micro-op " + std::to_string(i) + " of the completion (" +
             short_text(op.output[i], 60) + ") differs from the invocation's (" +
             short_text(op.input[i], 60) + ")";
    }
  }
  return std::nullopt;
}

bool MultiRegisterModel::read_only(const Operation& op) const {
  for (const auto& m : op.input) {
    if (is_write(m[0])) return false;
  }
  return true;
}

Step MultiRegisterModel::step(const nlohmann::json& state, const Operation& op) const {
  nlohmann::json next = state;
  bool reads_known = op.outcome == Outcome::ok && !op.output.is_null();
  for (std::size_t i = 0; i < op.input.size(); ++i) {
    std::string key = key_text(op.input[i][1]);
    if (is_write(op.input[i][0])) {
      next[key] = op.input[i][2];
      continue;
    }
    if (!reads_known) continue;
    const nlohmann::json& read = op.output[i][2];
    if (read.is_null() && options_.nil_read_is_unknown) continue;
    auto it = next.find(key);
    const nlohmann::json& current = it != next.end() ? *it : default_value_;
    if (!same_value(current, read)) return Step{false, nullptr};
  }
  return Step{true, std::move(next)};
}

// ---- set ----

namespace {

// A set's elements in one order and form: each by its canonical text, sorted by that text,
// so equal elements (1 and 1.0; same_value) meet and unequal ones never do (nlohmann's
// operator< and == are looser between integers and doubles).
nlohmann::json sorted_unique(const nlohmann::json& items, bool& had_duplicates) {
  std::vector<std::pair<std::string, nlohmann::json>> v;
  v.reserve(items.size());
  for (const auto& item : items) {
    nlohmann::json form = canonical_value(item);
    std::string text = form.dump();
    v.emplace_back(std::move(text), std::move(form));
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  auto end = std::unique(v.begin(), v.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; });
  had_duplicates = end != v.end();
  nlohmann::json out = nlohmann::json::array();
  for (auto it = v.begin(); it != end; ++it) out.push_back(std::move(it->second));
  return out;
}

}  // namespace

SetModel::SetModel(nlohmann::json init, ModelOptions options) : options_(options) {
  bool duplicates = false;
  init_ = init.is_null() ? nlohmann::json::array() : sorted_unique(init, duplicates);
}

std::optional<std::string> SetModel::validate(const Operation& op) const {
  if (op.f != "add" && op.f != "read") {
    return "the set model has no operation '" + op.f + "' (it has add, read)";
  }
  if (op.f == "read" && op.outcome == Outcome::ok && !op.output.is_array() &&
      !(op.output.is_null() && options_.nil_read_is_unknown)) {
    return "a set read returns a list or set of elements, found " + short_text(op.output, 60);
  }
  if (op.f == "add" && op.outcome == Outcome::ok) return echo_mismatch(op.f, op.input, op.output);
  return std::nullopt;
}

Step SetModel::step(const nlohmann::json& state, const Operation& op) const {
  if (op.f == "add") {
    nlohmann::json items = state;
    items.push_back(op.input);
    bool duplicates = false;
    return Step{true, sorted_unique(items, duplicates)};
  }
  if (op.outcome != Outcome::ok || op.output.is_null()) return Step{true, state};
  bool duplicates = false;
  nlohmann::json read = sorted_unique(op.output, duplicates);
  // A set never holds an element twice, so a read that returns one twice is wrong.
  if (duplicates || !same_value(read, state)) return Step{false, nullptr};
  return Step{true, state};
}

// ---- queue ----

QueueModel::QueueModel(nlohmann::json init)
    : init_(init.is_null() ? nlohmann::json::array() : std::move(init)) {}

std::optional<std::string> QueueModel::validate(const Operation& op) const {
  if (op.f != "enqueue" && op.f != "dequeue") {
    return "the queue model has no operation '" + op.f + "' (it has enqueue, dequeue)";
  }
  // A dequeue that returns null found the queue empty, so null cannot be an element.
  if (op.f == "enqueue" && op.input.is_null()) {
    return "an enqueue of null: the queue model's elements cannot be null (a dequeue that "
           "returns null found the queue empty)";
  }
  if (op.f == "enqueue" && op.outcome == Outcome::ok)
    return echo_mismatch(op.f, op.input, op.output);
  return std::nullopt;
}

Step QueueModel::step(const nlohmann::json& state, const Operation& op) const {
  if (op.f == "enqueue") {
    nlohmann::json next = state;
    next.push_back(op.input);
    return Step{true, std::move(next)};
  }
  if (op.outcome != Outcome::ok) {  // unknown: it took the head, if there was one
    if (state.empty()) return Step{true, state};
    return Step{true, nlohmann::json(state.begin() + 1, state.end())};
  }
  if (op.output.is_null()) return Step{state.empty(), state};  // dequeued from an empty queue
  if (state.empty() || !same_value(state.front(), op.output)) return Step{false, nullptr};
  return Step{true, nlohmann::json(state.begin() + 1, state.end())};
}

// ---- mutex ----

MutexModel::MutexModel(bool held) : held_(held) {}

std::optional<std::string> MutexModel::validate(const Operation& op) const {
  if (op.f != "acquire" && op.f != "release") {
    return "the mutex model has no operation '" + op.f + "' (it has acquire, release)";
  }
  return std::nullopt;
}

Step MutexModel::step(const nlohmann::json& state, const Operation& op) const {
  bool held = state.get<bool>();
  if (op.f == "acquire") return Step{!held, true};
  return Step{held, false};
}

}  // namespace faultline::checker::detail
