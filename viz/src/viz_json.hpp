#pragma once
// Reading optional fields of a checked trace without exceptions: a field of the wrong type
// reads as absent (parse_trace checked every field a view cannot do without).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace faultline::viz::detail {

inline std::string string_or(const nlohmann::json& object, const char* key,
                             const std::string& fallback = "") {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

inline std::int64_t int_or(const nlohmann::json& object, const char* key,
                           std::int64_t fallback = 0) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

inline bool bool_or(const nlohmann::json& object, const char* key, bool fallback = false) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Compact JSON that never throws on bad UTF-8 (it is replaced).
inline std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "faultline: PROTOCOL seed S" of a trace's meta (the source file when it names no
// protocol): the title of the page and of the diagram.
inline std::string run_title(const nlohmann::json& meta, const std::string& source) {
  std::string title = "faultline: " + string_or(meta, "protocol", source);
  if (auto seed = meta.find("seed"); seed != meta.end()) title += " seed " + dump(*seed);
  return title;
}

}  // namespace faultline::viz::detail
