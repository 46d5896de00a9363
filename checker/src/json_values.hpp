#pragma once
// Helpers for JSON values as model values: one canonical text per value (so 1 and 1.0,
// which are the same number, also intern to one id), exact equality to match it, a fast
// 64-bit text hash, and bounded texts for explanations and messages.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace faultline::checker::detail {

// JSON text with object keys sorted and integral floats that fit in 64 bits written as
// integers. Two values have the same canonical text iff same_value says they are equal.
std::string canonical_text(const nlohmann::json& value);
nlohmann::json canonical_value(const nlohmann::json& value);  // the value canonical_text writes

// Exact equality of model values: integers compare exactly (nlohmann's operator== takes
// the unsigned 2^64-1 for the signed -1, and 2^53+1 for the double 2^53); an integer and a
// double are equal only when the double is that integer exactly.
bool same_value(const nlohmann::json& a, const nlohmann::json& b);

std::uint64_t hash_bytes(std::string_view bytes);

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Short text of a value for explanations and messages: strings stay quoted (a reader
// must tell "1" from 1); a long value keeps its head and its tail around "…(N chars)…".
std::string short_text(const nlohmann::json& value, std::size_t max_chars = 120);

// An operation whose value is its input (a write, a cas, an append, an add, an enqueue):
// its ok may repeat that value or carry none; one that carries another value contradicts
// the invocation (which was written?), and this says so. Else nothing. (Only an ok: an
// info or a fail may carry an error in its value, as Jepsen's logs do.)
std::optional<std::string> echo_mismatch(std::string_view f, const nlohmann::json& input,
                                         const nlohmann::json& output);

// `text` in at most about max_chars characters: its head and tail, or, with a focus, the
// part around byte `focus`; what is left out is replaced by "…(N chars)…". Cuts fall on
// UTF-8 character boundaries.
std::string elide(std::string_view text, std::size_t max_chars);
std::string elide_around(std::string_view text, std::size_t focus, std::size_t max_chars);

// Where `value` (an operation's result, as text) first differs from `state` (the model
// state it met, as text): byte offsets into each. When the state is a larger structure
// holding the value (a kv object), the value is first aligned with its occurrence there.
std::pair<std::size_t, std::size_t> first_difference(std::string_view value,
                                                     std::string_view state);

}  // namespace faultline::checker::detail
