#pragma once
// Byte-level helpers shared by the readers of outside text: UTF-8 validation, turning a
// byte offset into a line and column, and naming the character found where something
// else was expected.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::checker::detail {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// The length (1-4) of the well-formed UTF-8 sequence at text[at], or 0 when it is not one
// (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

// The offset of the first byte that does not start a well-formed UTF-8 sequence.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

struct TextPosition {
  std::uint32_t line = 1;
  std::uint32_t column = 1;  // in characters (code points), from 1
};

// Where `offset` falls in `text`, counting lines from first_line.
TextPosition position_of(std::string_view text, std::size_t offset, std::uint32_t first_line = 1);

// What stands at `offset`, for "expected X, found Y": 'x', U+00E9, byte 0xff, or end_name
// (e.g. "the end of the line") at the end.
std::string found_at(std::string_view text, std::size_t offset, std::string_view end_name);

// `text` cut to about max_chars characters for a message: its head, "…", and its length.
std::string brief_text(std::string_view text, std::size_t max_chars = 60);

}  // namespace faultline::checker::detail
