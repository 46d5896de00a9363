#pragma once
// A reader for the EDN that Jepsen and Knossos write, into JSON values:
//   nil true false, integers, floats, strings, \characters, keywords (:read -> "read",
//   :a/b -> "a/b"), symbols (-> their name), vectors and lists (-> arrays), sets #{} (->
//   arrays), maps (-> objects; keys by their text), tagged values #inst "..." (-> the
//   value), `;` comments, `#_` discards, commas as whitespace.
// Errors carry the line and column. Nesting deeper than kMaxDepth is an error, not a crash.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::checker::detail {

struct EdnError {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string what;
};

class EdnReader {
 public:
  static constexpr int kMaxDepth = 256;

  explicit EdnReader(std::string_view text, std::uint32_t first_line = 1)
      : text_(text), line_(first_line) {}

  // Skips whitespace, commas, comments and discarded forms; true when nothing is left.
  bool at_end();
  // The next form. On error returns false and fills error().
  bool read(nlohmann::json& out);
  // For readers of a top-level collection one element at a time: the next non-blank char.
  char peek();
  void advance() { next_char(); }

  std::uint32_t line() const { return line_; }
  std::uint32_t column() const { return column_; }
  const EdnError& error() const { return error_; }
  std::size_t offset() const { return pos_; }

 private:
  bool skip_blank();
  bool read_form(nlohmann::json& out, int depth);
  bool read_collection(nlohmann::json& out, char close, int depth);
  bool read_map(nlohmann::json& out, int depth);
  bool read_dispatch(nlohmann::json& out, int depth);
  bool read_string(nlohmann::json& out);
  bool read_char(nlohmann::json& out);
  bool read_token(nlohmann::json& out);
  bool read_number(std::string_view token, nlohmann::json& out);
  bool fail(std::string what);
  char next_char();
  bool done() const { return pos_ >= text_.size(); }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  EdnError error_;
};

// One whole EDN value from text (for --init and for jepsen-log values).
bool parse_edn_value(std::string_view text, nlohmann::json& out, EdnError& error);

}  // namespace faultline::checker::detail
