#pragma once
// register, cas-register and kv: one value (or one value per key) read and written.
//   read / get          ok: the value read (output); legal iff it is the current value
//   write / put         sets the value (input)
//   cas [expected new]  ok: legal iff current == expected, then new; failed and kept as an
//                       observation: legal iff current != expected
//   append s (kv)       current string (null/absent counts as "") + s; illegal on a non-string
// kv partitions by key; its init is an object (key -> value, others absent = null) or any
// other value (every key starts at it, e.g. "" for Porcupine's kv service).
#include <optional>
#include <string>

#include "checker/model.hpp"
#include "part_search.hpp"

namespace faultline::checker::detail {

enum class ValueFlavor : std::uint8_t { plain_register, cas_register, kv };
enum class ValueAction : std::uint8_t { read, write, cas, append, none };

class ValueModel final : public Model, public CompiledModel {
 public:
  ValueModel(ValueFlavor flavor, nlohmann::json init, ModelOptions options);

  std::string name() const override;
  nlohmann::json initial_state() const override;
  Step step(const nlohmann::json& state, const Operation& op) const override;
  std::optional<std::string> partition(const Operation& op) const override;
  std::optional<std::string> validate(const Operation& op) const override;
  bool keeps_failed(const Operation& op) const override;
  bool read_only(const Operation& op) const override;
  std::string describe_state(const nlohmann::json& state) const override;

  std::unique_ptr<PartSearcher> compile_part(const History& history, std::vector<std::size_t> ops,
                                             const std::string& key) const override;

  ValueAction action(const Operation& op) const;
  // The op's value step: the value after it, or nullopt when it is not legal.
  std::optional<nlohmann::json> step_value(const nlohmann::json& value, const Operation& op) const;
  const nlohmann::json& value_of(const nlohmann::json& state, const std::string& key) const;

 private:
  bool read_says_nothing(const Operation& op) const;

  ValueFlavor flavor_;
  nlohmann::json init_;           // register: the value; kv: object of initial keys
  nlohmann::json default_value_;  // kv: the value of a key not in init_
  ModelOptions options_;
};

}  // namespace faultline::checker::detail
