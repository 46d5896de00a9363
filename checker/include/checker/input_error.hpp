#pragma once
// Bad external input (a history file, a flag value, an operation a model cannot read) is a
// returned value, never an exception or a crash: an InputError says where and what.
// Expected<T> holds either a T or that error.
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace faultline::checker {

struct InputError {
  std::string where;  // "file:line", "file: $.process", "operation 12", or empty
  std::string what;   // what was wrong and what was expected

  std::string message() const { return where.empty() ? what : where + ": " + what; }
};

// A JSON text the parser refused, worded alike by every verb: where is
// "SOURCE:LINE:COLUMN" of the parser's 1-based byte offset `byte` (0: the start), what is
// "not valid JSON: " and the parser's reason, without nlohmann's prefix
// ("[json.exception.parse_error.101] parse error at ... - ") or its echo of what it read.
// `first_line`: the line of SOURCE the text starts on (a JSON Lines file's line).
InputError json_syntax_error(std::string_view source, std::string_view text, std::size_t byte,
                             std::string_view parser_message, std::size_t first_line = 1);

// A text that is one JSON value per line (JSON Lines: a client history) where one
// document was expected, for the message that names it: the first line's "format" ("" if
// it names none); nullopt when the text is not that (a second line that does not open a
// value, or a first line that is not whole JSON).
std::optional<std::string> json_lines_format(std::string_view text);

template <class T>
class Expected;

// Everything `in` holds, or an error once that is more than max_bytes: reading stops there,
// so an endless input (/dev/zero, a pipe that never closes) neither hangs a reader nor
// fills memory. `raise`: how the user may raise the cap, for the message ("" if they
// cannot). Every verb that reads a file reads it through this.
Expected<std::string> read_capped(std::istream& in, const std::string& source,
                                  std::uint64_t max_bytes, std::string_view raise = "");

template <class T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  Expected(InputError error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const InputError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, InputError> state_;
};

}  // namespace faultline::checker
