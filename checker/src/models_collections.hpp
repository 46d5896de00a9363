#pragma once
// multi-register: txn ops whose value is a list of [read k v] / [write k v] micro-ops,
//   applied atomically in order; reads take their values from the completion. Init: an
//   object of registers (others start at null), or a value every register starts at.
// set: add x; read -> the elements (a list; order does not matter, no element twice).
// queue (FIFO): enqueue x; dequeue -> the head, or null from an empty queue. An unknown
//   dequeue took the head, if any.
// mutex: acquire (legal when free), release (legal when held).
#include "checker/model.hpp"

namespace faultline::checker::detail {

class MultiRegisterModel final : public Model {
 public:
  MultiRegisterModel(nlohmann::json init, ModelOptions options);
  std::string name() const override { return "multi-register"; }
  nlohmann::json initial_state() const override { return init_; }
  Step step(const nlohmann::json& state, const Operation& op) const override;
  std::optional<std::string> validate(const Operation& op) const override;
  bool read_only(const Operation& op) const override;

 private:
  nlohmann::json init_;
  nlohmann::json default_value_;
  ModelOptions options_;
};

class SetModel final : public Model {
 public:
  SetModel(nlohmann::json init, ModelOptions options);
  std::string name() const override { return "set"; }
  nlohmann::json initial_state() const override { return init_; }
  Step step(const nlohmann::json& state, const Operation& op) const override;
  std::optional<std::string> validate(const Operation& op) const override;
  bool read_only(const Operation& op) const override { return op.f == "read"; }

 private:
  nlohmann::json init_;  // sorted, unique
  ModelOptions options_;
};

class QueueModel final : public Model {
 public:
  explicit QueueModel(nlohmann::json init);
  std::string name() const override { return "queue"; }
  nlohmann::json initial_state() const override { return init_; }
  Step step(const nlohmann::json& state, const Operation& op) const override;
  std::optional<std::string> validate(const Operation& op) const override;

 private:
  nlohmann::json init_;
};

class MutexModel final : public Model {
 public:
  explicit MutexModel(bool held);
  std::string name() const override { return "mutex"; }
  nlohmann::json initial_state() const override { return held_; }
  Step step(const nlohmann::json& state, const Operation& op) const override;
  std::optional<std::string> validate(const Operation& op) const override;

 private:
  bool held_;
};

}  // namespace faultline::checker::detail
