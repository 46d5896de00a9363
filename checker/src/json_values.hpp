#pragma once
// Helpers for JSON values as model values: one canonical text per value (so 1 and 1.0,
// which compare equal as JSON, also intern to one id), and a fast 64-bit text hash.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::checker::detail {

// JSON text with object keys sorted and integral floats written as integers.
std::string canonical_text(const nlohmann::json& value);

std::uint64_t hash_bytes(std::string_view bytes);

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Short text of a value for explanations: strings unquoted-if-simple is not done on
// purpose (a reader must tell "1" from 1), long values are cut with "…".
std::string short_text(const nlohmann::json& value, std::size_t max_chars = 120);

}  // namespace faultline::checker::detail
