#include "text_input.hpp"

#include <cstdio>

namespace faultline::checker::detail {

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;  // a continuation byte, 0xC0/0xC1 (always overlong) or 0xF5-0xFF
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(at + i) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000)) return 0;
  if ((code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    if (static_cast<unsigned char>(text[at]) < 0x80) {  // the common case, byte by byte
      ++at;
      continue;
    }
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) return at;
    at += length;
  }
  return std::nullopt;
}

TextPosition position_of(std::string_view text, std::size_t offset, std::uint32_t first_line) {
  TextPosition position{first_line, 1};
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // continuation bytes belong to the character before
      ++position.column;
    }
  }
  return position;
}

std::string found_at(std::string_view text, std::size_t offset, std::string_view end_name) {
  if (offset >= text.size()) return std::string(end_name);
  const auto c = static_cast<unsigned char>(text[offset]);
  char buffer[32];
  if (c >= 0x20 && c < 0x7F) {
    std::snprintf(buffer, sizeof buffer, "'%c'", c);
  } else if (c == '\n' || c == '\r') {
    return "the end of the line";
  } else if (c < 0x80) {
    std::snprintf(buffer, sizeof buffer, "the control character U+%04X", c);
  } else if (std::size_t length = utf8_sequence_length(text, offset)) {
    return "'" + std::string(text.substr(offset, length)) + "'";
  } else {
    std::snprintf(buffer, sizeof buffer, "the byte 0x%02x (not UTF-8)", c);
  }
  return buffer;
}

std::string brief_text(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  std::size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…(" + std::to_string(text.size()) + " bytes)";
}

}  // namespace faultline::checker::detail
