#include "checker/input_error.hpp"

#include <algorithm>

namespace faultline::checker {

InputError json_syntax_error(std::string_view source, std::string_view text, std::size_t byte,
                             std::string_view parser_message) {
  const std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = 1;
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

}  // namespace faultline::checker
