#pragma once
// Protocol parameters as the user wrote them (`--set name=value`, a scenario's
// "parameters"), parsed on demand with a clear error naming the option and what was
// expected. Every option the user gave must be one the protocol declares: a misspelt
// option is an error, never a silent default.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/types.hpp"

namespace faultline::protocols {

// Bad external input: `where` names the flag, file:line or JSON path. Exit status 2.
class BadInput : public std::runtime_error {
 public:
  BadInput(std::string where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what), where_(std::move(where)) {}
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

// "150ms", "2s", "1.5s", "250us", "100ns", "3m"; a number without a unit is an error
// ("did you mean 10s?"), except 0.
sim::Duration parse_duration(const std::string& text, const std::string& where);
std::string format_duration(sim::Duration d);

class Options {
 public:
  Options() = default;
  // `origin` names where values came from in errors: "--set", "scenario.json: parameters".
  explicit Options(std::map<std::string, std::string> values, std::string origin = "--set")
      : values_(std::move(values)), origin_(std::move(origin)) {}

  void set(const std::string& name, const std::string& value) { values_[name] = value; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }

  std::int64_t get_int(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  bool get_bool(const std::string& name, bool fallback) const;
  sim::Duration get_duration(const std::string& name, sim::Duration fallback) const;
  std::string get_enum(const std::string& name, const std::string& fallback,
                       const std::vector<std::string>& allowed) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;

  // Throws BadInput naming any option given that is not in `known`.
  void check_known(const std::vector<std::string>& known) const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  const std::string* find(const std::string& name) const;
  std::string where(const std::string& name) const;
  std::map<std::string, std::string> values_;
  std::string origin_ = "--set";
};

}  // namespace faultline::protocols
