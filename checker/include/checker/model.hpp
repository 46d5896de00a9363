#pragma once
// A sequential model: what a correct object returns when operations run one at a time.
//
// The checker asks a model only five things: its initial state; the step of one operation
// from a state (legal? and the state after); state equality and hash; an optional
// partition key (operations with different keys touch independent objects, so each part
// is checked alone — P-compositionality); and descriptions for explanations. States are
// JSON values, so a protocol can add its own model in a few lines. The built-in models
// also carry a compiled form the search uses for speed; the JSON form is their slow,
// obviously correct twin (the brute-force checker uses it).
//
// Step of an operation whose outcome is unknown (`info`, or never completed): it has no
// output; return the effect it would have had if it took effect now (the search also
// considers it never taking effect). A failed operation (`fail`) did not take effect and
// is never stepped unless keeps_failed() says it is an observation.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/history.hpp"
#include "checker/input_error.hpp"

namespace faultline::checker {

struct ModelOptions {
  // Knossos convention: an ok read of nil (null) says nothing about the value.
  bool nil_read_is_unknown = false;
  // A failed cas observed that the value differed from its expected one (Porcupine's etcd
  // model), instead of merely not taking effect. Both readings must agree on real data.
  bool failed_cas_observes = false;
};

struct Step {
  bool legal = false;
  nlohmann::json state;  // the state after the operation, when legal
};

class Model {
 public:
  virtual ~Model() = default;

  virtual std::string name() const = 0;
  virtual nlohmann::json initial_state() const = 0;
  virtual Step step(const nlohmann::json& state, const Operation& op) const = 0;

  // By default exact: integers compare exactly, an integer equals a double only when the
  // double is that integer (nlohmann's operator== is looser), objects ignore key order.
  virtual bool equal(const nlohmann::json& a, const nlohmann::json& b) const;
  virtual std::uint64_t hash(const nlohmann::json& state) const;
  virtual std::optional<std::string> partition(const Operation& /*op*/) const {
    return std::nullopt;
  }
  // An error message for an operation this model cannot interpret; checked before searching.
  virtual std::optional<std::string> validate(const Operation& /*op*/) const {
    return std::nullopt;
  }
  virtual bool keeps_failed(const Operation& /*op*/) const { return false; }
  // True only if the op, whenever legal, leaves the state unchanged (a read). The search
  // then linearises it as soon as it is legal, without trying alternatives. A wrong true
  // gives wrong verdicts; false is always safe.
  virtual bool read_only(const Operation& /*op*/) const { return false; }

  virtual std::string describe_operation(const Operation& op) const;
  virtual std::string describe_state(const nlohmann::json& state) const { return state.dump(); }
};

struct ModelInfo {
  std::string name;
  std::string description;
  std::string operations;
};

// register, cas-register, kv, multi-register, set, queue, mutex.
const std::vector<ModelInfo>& builtin_models();

// A built-in model by name, with its initial state (null: the model's empty default).
Expected<std::unique_ptr<Model>> make_model(std::string_view name,
                                            const nlohmann::json& init = nullptr,
                                            const ModelOptions& options = {});

// The built-in model a history's operation names suggest (kv when ops carry keys, ...).
std::string infer_model(const History& history);

}  // namespace faultline::checker
