#include "checker/input_error.hpp"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::checker {

std::optional<std::string> json_lines_format(std::string_view text) {
  const std::size_t end = text.find('\n');
  const std::size_t next =
      end == std::string_view::npos ? end : text.find_first_not_of(" \t\r\n", end);
  if (next == std::string_view::npos || (text[next] != '{' && text[next] != '['))
    return std::nullopt;
  const nlohmann::json first = nlohmann::json::parse(text.substr(0, end), nullptr, false);
  if (first.is_discarded()) return std::nullopt;
  const auto format = first.is_object() ? first.find("format") : first.end();
  return format != first.end() && format->is_string() ? format->get<std::string>() : std::string();
}

InputError json_syntax_error(std::string_view source, std::string_view text, std::size_t byte,
                             std::string_view parser_message, std::size_t first_line) {
  const std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = first_line;
  std::size_t column = 1;
  for (std::size_t k = 0; k < end; ++k) {
    if (text[k] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string_view reason = parser_message;
  if (const auto dash = reason.rfind(" - "); dash != std::string_view::npos)
    reason.remove_prefix(dash + 3);
  if (const auto echo = reason.find("; last read: "); echo != std::string_view::npos)
    reason = reason.substr(0, echo);
  return InputError{std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column),
                    "not valid JSON: " + std::string(reason)};
}

Expected<std::string> read_capped(std::istream& in, const std::string& source,
                                  std::uint64_t max_bytes, std::string_view raise) {
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (text.size() + got > max_bytes) {
      return InputError{source, "larger than " + std::to_string(max_bytes) +
                                    " bytes, the cap on an input's size (a file that never "
                                    "ends?)" +
                                    (raise.empty() ? "" : "; " + std::string(raise))};
    }
    text.append(chunk.data(), got);
  }
  if (in.bad()) return InputError{source, "cannot read the file"};
  return text;
}

}  // namespace faultline::checker
