#pragma once
// Field visitors over message bodies: a hash for the trace hash, JSON for the trace file.
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "sim/message.hpp"

namespace faultline::sim {

class HashFields final : public Fields {
 public:
  void add_int(std::string_view name, std::int64_t value) override {
    text(name);
    word(static_cast<std::uint64_t>(value));
  }
  void add_uint(std::string_view name, std::uint64_t value) override {
    text(name);
    word(value);
  }
  void add_bool(std::string_view name, bool value) override {
    text(name);
    word(value ? 1 : 2);
  }
  void add_string(std::string_view name, std::string_view value) override {
    text(name);
    text(value);
  }
  void begin_list(std::string_view name) override {
    text(name);
    word(0x5b);
  }
  void begin_object(std::string_view name) override {
    text(name);
    word(0x7b);
  }
  void end() override { word(0x7d); }
  std::uint64_t value() const { return h_; }

 private:
  void word(std::uint64_t w) {
    h_ ^= w;
    h_ *= 0x100000001b3ULL;
    h_ ^= h_ >> 29;
  }
  void text(std::string_view s) {
    // Eight bytes at a time, the length folded into the last word.
    std::size_t i = 0;
    std::uint64_t w = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::memcpy(&w, s.data() + i, 8);
      word(w);
    }
    w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    word(w ^ (std::uint64_t{s.size()} << 56));
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

class JsonFields final : public Fields {
 public:
  JsonFields() : root_(nlohmann::json::object()) { stack_.push_back(&root_); }
  void add_int(std::string_view name, std::int64_t value) override { put(name, value); }
  void add_uint(std::string_view name, std::uint64_t value) override { put(name, value); }
  void add_bool(std::string_view name, bool value) override { put(name, value); }
  void add_string(std::string_view name, std::string_view value) override {
    put(name, std::string(value));
  }
  void begin_list(std::string_view name) override { open(name, nlohmann::json::array()); }
  void begin_object(std::string_view name) override { open(name, nlohmann::json::object()); }
  void end() override {
    if (stack_.size() > 1) stack_.pop_back();
  }
  nlohmann::json take() { return std::move(root_); }

 private:
  nlohmann::json* slot(std::string_view name) {
    nlohmann::json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(nullptr);
      return &top.back();
    }
    return &top[std::string(name)];
  }
  void put(std::string_view name, nlohmann::json value) { *slot(name) = std::move(value); }
  void open(std::string_view name, nlohmann::json empty) {
    nlohmann::json* s = slot(name);
    *s = std::move(empty);
    stack_.push_back(s);
  }
  nlohmann::json root_;
  std::vector<nlohmann::json*> stack_;
};

}  // namespace faultline::sim
