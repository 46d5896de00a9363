#include "protocols/options.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "sim/simulation.hpp"

namespace faultline::protocols {

sim::Duration parse_duration(const std::string& text, const std::string& where) {
  const std::string expected =
      "expected a duration such as 150ms, 2s, 1.5s, 250us or 100ns, got '" + text + "'";
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
    throw BadInput(where, "'" + text + "' has no unit: did you mean " + text +
                              "s? (a duration is a number and one of ns, us, ms, s, m)");
  }
  sim::Duration scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = sim::kMicrosecond;
  else if (unit == "ms") scale = sim::kMillisecond;
  else if (unit == "s") scale = sim::kSecond;
  else if (unit == "m" || unit == "min") scale = 60 * sim::kSecond;
  else throw BadInput(where, expected);
  // Exact decimal arithmetic: integer part and up to 9 fraction digits.
  const auto dot = number.find('.');
  const std::string whole = number.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : number.substr(dot + 1);
  if (whole.size() > 12 || fraction.size() > 9) throw BadInput(where, expected);
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
  if (value > static_cast<sim::Int128>(sim::kTimeNever / 2)) throw BadInput(where, expected + " (too long)");
  return static_cast<sim::Duration>(value);
}

std::string format_duration(sim::Duration d) { return sim::format_time(d); }

const std::string* Options::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Options::where(const std::string& name) const { return origin_ + " " + name; }

std::int64_t Options::get_int(const std::string& name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
  const std::string* text = find(name);
  if (text == nullptr) return fallback;
  const std::string range = " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0) {
    throw BadInput(where(name), "expected an integer" + range + ", got '" + *text + "'");
  }
  if (value < min || value > max) {
    throw BadInput(where(name), "expected an integer" + range + ", got " + *text);
  }
  return value;
}

bool Options::get_bool(const std::string& name, bool fallback) const {
  const std::string* text = find(name);
  if (text == nullptr) return fallback;
  if (*text == "true" || *text == "1" || *text == "on" || *text == "yes") return true;
  if (*text == "false" || *text == "0" || *text == "off" || *text == "no") return false;
  throw BadInput(where(name), "expected true or false, got '" + *text + "'");
}

sim::Duration Options::get_duration(const std::string& name, sim::Duration fallback) const {
  const std::string* text = find(name);
  if (text == nullptr) return fallback;
  return parse_duration(*text, where(name));
}

std::string Options::get_enum(const std::string& name, const std::string& fallback,
                              const std::vector<std::string>& allowed) const {
  const std::string* text = find(name);
  if (text == nullptr) return fallback;
  if (std::find(allowed.begin(), allowed.end(), *text) != allowed.end()) return *text;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw BadInput(where(name), "expected one of " + list + ", got '" + *text + "'");
}

std::string Options::get_string(const std::string& name, const std::string& fallback) const {
  const std::string* text = find(name);
  return text == nullptr ? fallback : *text;
}

void Options::check_known(const std::vector<std::string>& known) const {
  for (const auto& [name, value] : values_) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw BadInput(where(name), "unknown option; this protocol's options are: " + list);
  }
}

}  // namespace faultline::protocols
