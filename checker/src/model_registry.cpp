// The built-in models by name, the Model defaults, and inferring a model from a history.
#include <set>

#include "json_values.hpp"
#include "model_value.hpp"
#include "models_collections.hpp"

namespace faultline::checker {

std::uint64_t Model::hash(const nlohmann::json& state) const {
  return detail::hash_bytes(detail::canonical_text(state));
}

bool Model::equal(const nlohmann::json& a, const nlohmann::json& b) const {
  return detail::same_value(a, b);
}

std::string Model::describe_operation(const Operation& op) const {
  std::string text = detail::elide(op.f, 60);
  if (op.key) text += " " + detail::elide(nlohmann::json(*op.key).dump(), 60);
  if (!op.input.is_null()) text += " " + detail::short_text(op.input, 60);
  switch (op.outcome) {
    case Outcome::ok:
      if (!op.output.is_null() && !detail::same_value(op.output, op.input)) {
        text += " → " + detail::short_text(op.output, 60);
      } else if (op.output.is_null() && op.input.is_null()) {
        text += " → null";
      }
      break;
    case Outcome::fail:
      text += " (failed)";
      break;
    case Outcome::info:
      text += op.completed() ? " (outcome unknown)" : " (never completed)";
      break;
  }
  return text;
}

const std::vector<ModelInfo>& builtin_models() {
  static const std::vector<ModelInfo> models = {
      {"register", "a single read/write register", "read, write"},
      {"cas-register", "a register with compare-and-set", "read, write, cas [expected new]"},
      {"kv", "a key-value map, checked key by key",
       "get (read), put (write), append, cas [expected new]; each with a key"},
      {"multi-register", "registers read and written by atomic transactions",
       "txn [[read k v] [write k v] ...]"},
      {"set", "a set of elements", "add x, read -> all elements"},
      {"queue", "a FIFO queue", "enqueue x, dequeue -> head (null when empty)"},
      {"mutex", "a lock", "acquire, release"},
  };
  return models;
}

namespace {

Expected<std::unique_ptr<Model>> make_collection_model(std::string_view name,
                                                       const nlohmann::json& init,
                                                       const ModelOptions& options) {
  using namespace detail;
  if (name == "multi-register") {
    return std::unique_ptr<Model>(std::make_unique<MultiRegisterModel>(init, options));
  }
  if (name == "set" || name == "queue") {
    if (!init.is_null() && !init.is_array()) {
      return InputError{"--init", "the " + std::string(name) +
                                      " model starts from a list of elements, not " +
                                      detail::short_text(init, 60)};
    }
    if (name == "set") return std::unique_ptr<Model>(std::make_unique<SetModel>(init, options));
    if (init.is_array() && std::any_of(init.begin(), init.end(),
                                       [](const nlohmann::json& e) { return e.is_null(); })) {
      return InputError{"--init",
                        "the queue model's elements cannot be null (a dequeue that "
                        "returns null found the queue empty)"};
    }
    return std::unique_ptr<Model>(std::make_unique<QueueModel>(init));
  }
  if (!init.is_null() && !init.is_boolean()) {
    return InputError{"--init", "the mutex model starts free (false) or held (true), not " +
                                    detail::short_text(init, 60)};
  }
  return std::unique_ptr<Model>(
      std::make_unique<MutexModel>(init.is_boolean() && init.get<bool>()));
}

}  // namespace

Expected<std::unique_ptr<Model>> make_model(std::string_view name, const nlohmann::json& init,
                                            const ModelOptions& options) {
  using detail::ValueFlavor;
  if (name == "register" || name == "cas-register" || name == "kv") {
    ValueFlavor flavor = name == "register"       ? ValueFlavor::plain_register
                         : name == "cas-register" ? ValueFlavor::cas_register
                                                  : ValueFlavor::kv;
    return std::unique_ptr<Model>(std::make_unique<detail::ValueModel>(flavor, init, options));
  }
  if (name == "fifo-queue") return make_collection_model("queue", init, options);
  if (name == "multi-register" || name == "set" || name == "queue" || name == "mutex") {
    return make_collection_model(name, init, options);
  }
  std::string names;
  for (const ModelInfo& info : builtin_models()) names += (names.empty() ? "" : ", ") + info.name;
  return InputError{"--model",
                    "no model named '" + std::string(name) + "' (models: " + names + ")"};
}

std::string infer_model(const History& history) {
  std::set<std::string> fs;
  bool keyed = false;
  for (const Operation& op : history.ops) {
    fs.insert(op.f);
    keyed = keyed || op.key.has_value();
  }
  auto any = [&](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (fs.count(name)) return true;
    }
    return false;
  };
  if (any({"txn"})) return "multi-register";
  if (any({"enqueue", "dequeue"})) return "queue";
  if (any({"acquire", "release"})) return "mutex";
  if (any({"add"})) return "set";
  if (keyed || any({"get", "put", "append"})) return "kv";
  return "cas-register";
}

}  // namespace faultline::checker
