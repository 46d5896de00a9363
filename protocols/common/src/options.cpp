#include "protocols/options.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "sim/assert.hpp"
#include "sim/simulation.hpp"

namespace faultline::protocols {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

// The unit's scale, or 0 for an unknown unit.
sim::Duration unit_scale(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return sim::kMicrosecond;
  if (unit == "ms") return sim::kMillisecond;
  if (unit == "s") return sim::kSecond;
  if (unit == "m" || unit == "min") return 60 * sim::kSecond;
  return 0;
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno != 0 || std::isspace(static_cast<unsigned char>(text[0]))) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "off" || text == "no") return false;
  return std::nullopt;
}

std::string format_bound(OptionType type, std::int64_t v) {
  return type == OptionType::duration ? sim::format_time(v) : std::to_string(v);
}

}  // namespace

sim::Duration parse_duration(const std::string& text, const std::string& where) {
  const std::string expected =
      "expected a duration with a unit, such as 150ms, 2s, 1.5s, 250us or 100ns, got '" + text +
      "'";
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string number = text.substr(0, i);
  const std::string unit = text.substr(i);
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1 || number == ".") {
    throw BadInput(where, expected);
  }
  // A bare number is an error, not nanoseconds: `--time 10` meant ten seconds, not a run
  // that ends before it starts. Zero needs no unit.
  if (unit.empty() && number.find_first_not_of("0.") == std::string::npos) return 0;
  if (unit.empty()) {
    throw BadInput(where, "'" + text + "' has no unit: did you mean " + text + "s or " + text +
                              "ms? (a duration is a number and one of ns, us, ms, s, m)");
  }
  const sim::Duration scale = unit_scale(unit);
  if (scale == 0) throw BadInput(where, expected);
  // Exact decimal arithmetic: integer part and up to 9 fraction digits.
  const auto dot = number.find('.');
  const std::string whole = number.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : number.substr(dot + 1);
  fraction.erase(fraction.find_last_not_of('0') + 1);  // 1.50s is 1.5s
  if (whole.size() > 12) throw BadInput(where, expected + " (too long)");
  // Ten fraction digits or more, not all zeros, are finer than 1 ns even in seconds (it
  // said "too long").
  if (fraction.size() > 9) throw BadInput(where, expected + " (finer than 1ns)");
  sim::Int128 value = whole.empty() ? 0 : std::stoll(whole);
  value *= scale;
  if (!fraction.empty()) {
    const std::int64_t digits = std::stoll(fraction);
    sim::Int128 denominator = 1;
    for (std::size_t k = 0; k < fraction.size(); ++k) denominator *= 10;
    const sim::Int128 part = static_cast<sim::Int128>(digits) * scale;
    if (part % denominator != 0) throw BadInput(where, expected + " (finer than 1ns)");
    value += part / denominator;
  }
  if (value > static_cast<sim::Int128>(sim::kTimeNever / 2)) {
    throw BadInput(where, expected + " (too long)");
  }
  return static_cast<sim::Duration>(value);
}

// ---------------------------------------------------------------- the table

std::string OptionSpec::kind_text() const {
  switch (type) {
    case OptionType::integer:
    case OptionType::duration:
      return std::string(type == OptionType::integer ? "int" : "duration") + " in [" +
             format_bound(type, min) + ", " + format_bound(type, max) + "]";
    case OptionType::boolean:
      return "bool";
    case OptionType::choice:
      return "one of " + join(choices, "|");
    case OptionType::text:
      return "text";
  }
  return "?";
}

OptionTable::Builder& OptionTable::Builder::swarm(std::vector<std::string> values) {
  FAULTLINE_ASSERT(!values.empty(), "a swarm domain has at least one value");
  table_.specs_[index_].swarm = std::move(values);
  return *this;
}

OptionTable::Builder& OptionTable::Builder::shrink(std::vector<std::string> values) {
  FAULTLINE_ASSERT(!values.empty(), "a shrink list has at least one value");
  table_.specs_[index_].shrink = std::move(values);
  return *this;
}

OptionTable::Builder& OptionTable::Builder::swarm_all() {
  OptionSpec& spec = table_.specs_[index_];
  FAULTLINE_ASSERT(spec.type == OptionType::boolean || spec.type == OptionType::choice,
                   "swarm_all is for booleans and choices");
  std::vector<std::string> values = {spec.default_text};
  const std::vector<std::string> all =
      spec.type == OptionType::boolean ? std::vector<std::string>{"false", "true"} : spec.choices;
  for (const std::string& v : all) {
    if (v != spec.default_text) values.push_back(v);
  }
  spec.swarm = std::move(values);
  return *this;
}

OptionTable::Builder OptionTable::add(OptionSpec spec) {
  FAULTLINE_ASSERT(find(spec.name) == nullptr, "each option is declared once");
  specs_.push_back(std::move(spec));
  return Builder(*this, specs_.size() - 1);
}

OptionTable::Builder OptionTable::integer(std::string name, std::int64_t fallback,
                                          std::int64_t min, std::int64_t max,
                                          std::string description) {
  FAULTLINE_ASSERT(min <= fallback && fallback <= max, "a default lies within its bounds");
  return add({.name = std::move(name), .type = OptionType::integer,
              .description = std::move(description), .default_text = std::to_string(fallback),
              .min = min, .max = max});
}

OptionTable::Builder OptionTable::boolean(std::string name, bool fallback,
                                          std::string description) {
  return add({.name = std::move(name), .type = OptionType::boolean,
              .description = std::move(description), .default_text = fallback ? "true" : "false"});
}

OptionTable::Builder OptionTable::duration(std::string name, sim::Duration fallback,
                                           sim::Duration min, sim::Duration max,
                                           std::string description) {
  FAULTLINE_ASSERT(min <= fallback && fallback <= max, "a default lies within its bounds");
  return add({.name = std::move(name), .type = OptionType::duration,
              .description = std::move(description),
              .default_text = sim::format_time(fallback), .min = min, .max = max});
}

OptionTable::Builder OptionTable::choice(std::string name, std::string fallback,
                                         std::vector<std::string> choices,
                                         std::string description) {
  FAULTLINE_ASSERT(std::find(choices.begin(), choices.end(), fallback) != choices.end(),
                   "a choice's default is one of its choices");
  return add({.name = std::move(name), .type = OptionType::choice,
              .description = std::move(description), .default_text = std::move(fallback),
              .choices = std::move(choices)});
}

OptionTable::Builder OptionTable::text(std::string name, std::string fallback,
                                       std::string description) {
  return add({.name = std::move(name), .type = OptionType::text,
              .description = std::move(description), .default_text = std::move(fallback)});
}

const OptionSpec* OptionTable::find(const std::string& name) const {
  for (const OptionSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> OptionTable::names() const {
  std::vector<std::string> out;
  for (const OptionSpec& s : specs_) out.push_back(s.name);
  return out;
}

std::string Options::where(const std::string& name) const {
  if (auto it = wheres_.find(name); it != wheres_.end()) return it->second;
  // A JSON origin ("file.json: $.options") takes the name as a path step.
  if (origin_.find("$.") != std::string::npos) return origin_ + "." + name;
  return origin_ + " " + name;
}

// ---------------------------------------------------------------- values

OptionValues OptionValues::resolve(const OptionTable& table, const Options& given) {
  OptionValues v;
  v.table_ = &table;
  v.values_.resize(table.specs().size());
  for (std::size_t i = 0; i < table.specs().size(); ++i) {
    const OptionSpec& spec = table.specs()[i];
    v.set(spec.name, spec.default_text, "the default of " + spec.name, ValueOrigin::fallback);
  }
  for (const auto& [name, text] : given.values()) {
    if (table.find(name) == nullptr) {
      throw BadInput(given.where(name),
                     "unknown option; this protocol's options are: " + join(table.names(), ", "));
    }
    v.set(name, text, given.where(name), ValueOrigin::user);
  }
  return v;
}

void OptionValues::set(const std::string& name, const std::string& text, const std::string& where,
                       ValueOrigin origin) {
  const OptionSpec* spec = table_->find(name);
  FAULTLINE_ASSERT(spec != nullptr, "set names a declared option");
  Value& v = values_[static_cast<std::size_t>(spec - table_->specs().data())];
  Value next{.number = 0, .text = text, .where = where, .origin = origin};
  const std::string expected = "expected " + spec->kind_text();
  switch (spec->type) {
    case OptionType::integer: {
      const std::optional<std::int64_t> n = parse_integer(text);
      if (!n) throw BadInput(where, expected + ", got '" + text + "'");
      next.number = *n;
      break;
    }
    case OptionType::duration:
      next.number = parse_duration(text, where);
      break;
    case OptionType::boolean: {
      const std::optional<bool> b = parse_bool(text);
      if (!b) throw BadInput(where, "expected true or false, got '" + text + "'");
      next.number = *b ? 1 : 0;
      next.text = *b ? "true" : "false";
      break;
    }
    case OptionType::choice:
      if (std::find(spec->choices.begin(), spec->choices.end(), text) == spec->choices.end()) {
        throw BadInput(where, expected + ", got '" + text + "'");
      }
      break;
    case OptionType::text:
      break;
  }
  const bool bounded = spec->type == OptionType::integer || spec->type == OptionType::duration;
  if (bounded && (next.number < spec->min || next.number > spec->max)) {
    throw BadInput(where, expected + ", got " + text);
  }
  v = std::move(next);
}

const OptionValues::Value& OptionValues::value(const std::string& name, OptionType type) const {
  const OptionSpec* spec = table_->find(name);
  FAULTLINE_ASSERT(spec != nullptr, "a protocol reads only options it declared");
  const bool textual = type == OptionType::choice || type == OptionType::text;
  const bool matches = textual ? (spec->type == OptionType::choice || spec->type == OptionType::text)
                               : spec->type == type;
  FAULTLINE_ASSERT(matches, "an option is read as the type it was declared with");
  return values_[static_cast<std::size_t>(spec - table_->specs().data())];
}

std::int64_t OptionValues::integer(const std::string& name) const {
  return value(name, OptionType::integer).number;
}
bool OptionValues::boolean(const std::string& name) const {
  return value(name, OptionType::boolean).number != 0;
}
sim::Duration OptionValues::duration(const std::string& name) const {
  return value(name, OptionType::duration).number;
}
const std::string& OptionValues::text(const std::string& name) const {
  return value(name, OptionType::text).text;
}

ValueOrigin OptionValues::origin(const std::string& name) const {
  const OptionSpec* spec = table_->find(name);
  FAULTLINE_ASSERT(spec != nullptr, "origin names a declared option");
  return values_[static_cast<std::size_t>(spec - table_->specs().data())].origin;
}

std::string OptionValues::where(const std::string& name) const {
  const OptionSpec* spec = table_->find(name);
  FAULTLINE_ASSERT(spec != nullptr, "where names a declared option");
  const Value& v = values_[static_cast<std::size_t>(spec - table_->specs().data())];
  return v.origin == ValueOrigin::fallback ? "--set " + name : v.where;
}

std::map<std::string, std::string> OptionValues::as_text() const {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < values_.size(); ++i) out[table_->specs()[i].name] = values_[i].text;
  return out;
}

std::map<std::string, std::string> draw_swarm_options(OptionValues& values,
                                                      sim::ChoiceSource& choices) {
  std::map<std::string, std::string> drawn;
  for (const OptionSpec& spec : values.table().specs()) {
    if (spec.swarm.empty() || values.origin(spec.name) != ValueOrigin::fallback) continue;
    const std::uint32_t k =
        choices.pick(static_cast<std::uint32_t>(spec.swarm.size()), sim::ChoiceKind::config);
    values.set(spec.name, spec.swarm[k], "swarm " + spec.name, ValueOrigin::swarm);
    drawn[spec.name] = spec.swarm[k];
  }
  return drawn;
}

}  // namespace faultline::protocols
