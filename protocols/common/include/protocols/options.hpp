#pragma once
// A protocol's options, declared once in a typed table that serves everything that
// needs them: `faultline list` shows them, `--set name=value` and a scenario's
// "options" are parsed and checked against them, and swarm testing draws values from
// the domains they declare.
//
//   OptionTable t;
//   t.integer("servers", 5, 1, 64, "number of Raft servers").swarm({"5", "3"});
//   t.boolean("pre_vote", false, "PreVote (thesis 9.6)").swarm_all();
//   t.duration("heartbeat", 50 * kMillisecond, kMillisecond, kSecond, "leader heartbeat");
//   t.choice("read", "log", {"log", "index", "lease"}, "the read path").swarm_all();
//
//   OptionValues v = OptionValues::resolve(t, given);   // defaults, then what was given
//   v.integer("servers"); v.boolean("pre_vote"); v.duration("heartbeat"); v.text("read");
//
// Invariants: every value in an OptionValues is one its spec accepts (type and bounds);
// a name the table does not declare is an error naming it, never ignored; every error
// names the option and where its value came from (`--set heartbeat`, a scenario's JSON
// path) and what was expected.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/choice.hpp"
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

enum class OptionType : std::uint8_t { integer, boolean, duration, choice, text };

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::integer;
  std::string description;
  std::string default_text;          // as it would be written after --set name=
  std::int64_t min = 0;              // integer, duration (ns): inclusive bounds
  std::int64_t max = 0;
  std::vector<std::string> choices = {};  // choice: the allowed values
  // Swarm testing draws from these (as text); the first is the quiet choice. Empty: the
  // default always.
  std::vector<std::string> swarm = {};
  // A shrinker tries these (smallest run first) besides the default and the minimum: for
  // an option whose default means "unbounded" (operations per client: 0, until the run
  // ends), the small bounded values that make a shorter run.
  std::vector<std::string> shrink = {};
  // "int in [1, 64]", "duration in [1ms, 10s]", "one of log|index|lease", "bool", "text"
  std::string kind_text() const;
};

class OptionTable {
 public:
  class Builder {
   public:
    Builder(OptionTable& table, std::size_t index) : table_(table), index_(index) {}
    // Swarm draws one of `values`, the first being the quiet choice.
    Builder& swarm(std::vector<std::string> values);
    // Swarm draws any allowed value (booleans and choices), the default first.
    Builder& swarm_all();
    // A shrinker tries `values`, in order (docs/fuzzing.md).
    Builder& shrink(std::vector<std::string> values);

   private:
    OptionTable& table_;
    std::size_t index_;
  };

  Builder integer(std::string name, std::int64_t fallback, std::int64_t min, std::int64_t max,
                  std::string description);
  Builder boolean(std::string name, bool fallback, std::string description);
  Builder duration(std::string name, sim::Duration fallback, sim::Duration min,
                   sim::Duration max, std::string description);
  Builder choice(std::string name, std::string fallback, std::vector<std::string> choices,
                 std::string description);
  Builder text(std::string name, std::string fallback, std::string description);

  const std::vector<OptionSpec>& specs() const { return specs_; }
  const OptionSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  Builder add(OptionSpec spec);
  std::vector<OptionSpec> specs_;
};

// Option values as the user wrote them (`--set k=v`, a scenario's "options"), not yet
// checked; `origin` says where they came from, for errors.
class Options {
 public:
  Options() = default;
  explicit Options(std::map<std::string, std::string> values, std::string origin = "--set")
      : values_(std::move(values)), origin_(std::move(origin)) {}

  void set(const std::string& name, const std::string& value) { values_[name] = value; }
  // A value with its own origin (a scenario's "options", "nodes" or "workload" object).
  void set(const std::string& name, const std::string& value, std::string where) {
    values_[name] = value;
    wheres_[name] = std::move(where);
  }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const std::map<std::string, std::string>& values() const { return values_; }
  const std::string& origin() const { return origin_; }
  // Where the value of `name` came from: "--set heartbeat", "s.json: $.options.heartbeat".
  std::string where(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> wheres_;  // per-value origins, when set with one
  std::string origin_ = "--set";
};

// Where an option's value came from.
enum class ValueOrigin : std::uint8_t {
  fallback,  // the table's default
  user,      // --set or a scenario's "options"
  implied,   // a planted bug that needs it (BugSpec::implies)
  swarm,     // drawn by swarm testing
};

// Every option of a table with a checked, typed value.
class OptionValues {
 public:
  // The defaults, then each given value (an unknown name or a bad value throws BadInput).
  static OptionValues resolve(const OptionTable& table, const Options& given);

  std::int64_t integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  sim::Duration duration(const std::string& name) const;
  const std::string& text(const std::string& name) const;  // choice and text options
  // True if the value came from the user (not a default, a bug's implication or swarm).
  bool given(const std::string& name) const { return origin(name) == ValueOrigin::user; }
  ValueOrigin origin(const std::string& name) const;
  // Where a value came from, for errors of rules across options.
  std::string where(const std::string& name) const;

  // Sets one value from text, checked against its spec; `where` names its origin.
  void set(const std::string& name, const std::string& text, const std::string& where,
           ValueOrigin origin);
  // Every value as text, in table order (for the trace's meta and repro files).
  std::map<std::string, std::string> as_text() const;
  const OptionTable& table() const { return *table_; }

 private:
  struct Value {
    std::int64_t number = 0;  // integer, duration (ns), boolean (0/1)
    std::string text;         // as written; choice and text options read it
    std::string where;
    ValueOrigin origin = ValueOrigin::fallback;
  };
  const Value& value(const std::string& name, OptionType type) const;
  const OptionTable* table_ = nullptr;
  std::vector<Value> values_;  // parallel to table_->specs()
};

// Swarm testing: each option with a swarm domain whose value is still the default (not
// given by the user nor implied by a bug) takes a value drawn through the choice source
// (kind config), in table order.
// Returns the names and values drawn, in table order.
std::map<std::string, std::string> draw_swarm_options(OptionValues& values,
                                                      sim::ChoiceSource& choices);

}  // namespace faultline::protocols
