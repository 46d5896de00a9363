#include "json_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace faultline::checker::detail {
namespace {

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

// An integral double that fits in 64 bits, as the integer it is; anything else as it is.
nlohmann::json exact_number(double d) {
  if (!std::isfinite(d) || d != std::trunc(d)) return d;
  if (d >= -kTwo63 && d < kTwo63) return static_cast<std::int64_t>(d);
  if (d >= kTwo63 && d < kTwo64) return static_cast<std::uint64_t>(d);
  return d;
}

nlohmann::json canonical(const nlohmann::json& value) {
  if (value.is_number_float()) return exact_number(value.get<double>());
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
    return value;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(canonical(item));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = canonical(it.value());
    return out;
  }
  return value;
}

bool needs_canonical(const nlohmann::json& value) {
  return value.is_number_float() || value.is_number_unsigned() || value.is_structured();
}

bool same_number(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_float() && b.is_number_float()) return a.get<double>() == b.get<double>();
  // Bring integral doubles that fit in 64 bits to integers; a double left is no integer.
  nlohmann::json x = a.is_number_float() ? exact_number(a.get<double>()) : a;
  nlohmann::json y = b.is_number_float() ? exact_number(b.get<double>()) : b;
  if (x.is_number_float() || y.is_number_float()) return false;
  const bool x_negative =
      x.is_number_integer() && !x.is_number_unsigned() && x.get<std::int64_t>() < 0;
  const bool y_negative =
      y.is_number_integer() && !y.is_number_unsigned() && y.get<std::int64_t>() < 0;
  if (x_negative != y_negative) return false;
  if (x_negative) return x.get<std::int64_t>() == y.get<std::int64_t>();
  return x.get<std::uint64_t>() == y.get<std::uint64_t>();
}

// Moves `at` back to the start of the UTF-8 character it falls in.
std::size_t char_start(std::string_view text, std::size_t at) {
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  return at;
}

std::string gap(std::size_t chars) {
  return "…(" + std::to_string(chars) + " chars)…";
}

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

std::string canonical_text(const nlohmann::json& value) {
  if (!needs_canonical(value)) return value.dump();
  return canonical(value).dump();
}

nlohmann::json canonical_value(const nlohmann::json& value) {
  return needs_canonical(value) ? canonical(value) : value;
}

bool same_value(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return same_number(a, b);
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_value(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same_value(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::uint64_t hash_bytes(std::string_view bytes) {
  // 8 bytes at a time through a multiply-xorshift mix: fast and well spread; the checker
  // always confirms a hash match by comparing the values themselves.
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (bytes.size() * 0x100000001B3ULL);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = mix64(h ^ word) + 0x632BE59BD9B4E019ULL;
  }
  std::uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return mix64(h ^ tail ^ (bytes.size() << 56));
}

std::optional<std::string> echo_mismatch(std::string_view f, const nlohmann::json& input,
                                         const nlohmann::json& output) {
  if (output.is_null() || same_value(input, output)) return std::nullopt;
  return "the " + std::string(f) + "'s ok carries " + short_text(output, 40) + ", its invocation " +
         short_text(input, 40) + ": an ok repeats the value it was given, or carries none";
}

std::string short_text(const nlohmann::json& value, std::size_t max_chars) {
  return elide(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), max_chars);
}

std::string elide(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  const std::size_t head = char_start(text, max_chars * 2 / 3);
  const std::size_t tail = char_start(text, text.size() - max_chars / 3);
  return std::string(text.substr(0, head)) + gap(tail - head) + std::string(text.substr(tail));
}

std::string elide_around(std::string_view text, std::size_t focus, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  focus = std::min(focus, text.size());
  // A third of the window before the focus, two thirds from it on.
  std::size_t first = focus > max_chars / 3 ? focus - max_chars / 3 : 0;
  std::size_t last = std::min(text.size(), first + max_chars);
  if (last == text.size()) first = text.size() - max_chars;
  first = char_start(text, first);
  last = char_start(text, last);
  std::string out = first > 0 ? gap(first) : std::string();
  out += text.substr(first, last - first);
  if (last < text.size()) out += gap(text.size() - last);
  return out;
}

std::pair<std::size_t, std::size_t> first_difference(std::string_view value,
                                                     std::string_view state) {
  constexpr std::size_t kAnchor = 16;
  std::size_t direct = common_prefix(value, state);
  if (direct >= kAnchor || value.size() < kAnchor) return {direct, direct};
  // The state may hold the value inside (a kv state {"x":"..."}): align on its start.
  std::size_t at = state.find(value.substr(0, kAnchor));
  if (at == std::string_view::npos) return {direct, direct};
  std::size_t shared = common_prefix(value, state.substr(at));
  return {shared, at + shared};
}

}  // namespace faultline::checker::detail
