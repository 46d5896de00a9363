#include "json_values.hpp"

#include <cmath>
#include <cstring>

namespace faultline::checker::detail {
namespace {

nlohmann::json canonical(const nlohmann::json& value) {
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e18) {
      return static_cast<std::int64_t>(d);
    }
    return value;
  }
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

}  // namespace

std::string canonical_text(const nlohmann::json& value) {
  if (!needs_canonical(value)) return value.dump();
  return canonical(value).dump();
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

std::string short_text(const nlohmann::json& value, std::size_t max_chars) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= max_chars) return text;
  std::size_t keep = max_chars > 10 ? max_chars - 10 : max_chars;
  return text.substr(0, keep) + "…(" + std::to_string(text.size()) + " chars)";
}

}  // namespace faultline::checker::detail
