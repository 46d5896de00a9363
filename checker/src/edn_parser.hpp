#pragma once
// A reader for the EDN that Jepsen and Knossos write, into JSON values:
//   nil true false, integers, floats, strings, \characters, keywords (:read -> "read",
//   :a/b -> "a/b"), symbols (-> their name), vectors and lists (-> arrays), sets #{} (->
//   arrays), maps (-> objects; keys by their text), tagged values #inst "..." (-> the
//   value), `;` comments, `#_` discards, commas as whitespace.
// Errors carry the line and column (in characters). Collections, tags and `#_` discards
// open more than kMaxNestingDepth at once are an error, not a stack overflow; so are
// integers beyond 64 bits and numbers beyond a double's range. The text must be UTF-8
// (the callers check it first); \u escapes must pair their surrogates.
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
  explicit EdnReader(std::string_view text, std::uint32_t first_line = 1)
      : text_(text), line_(first_line) {}

  // Skips whitespace, commas, comments and discarded forms; true when nothing is left.
  bool at_end();
  // The next form, inside `depth` levels already open (a history's vector: 1). On error
  // returns false and fills error().
  bool read(nlohmann::json& out, int depth = 0);
  // For readers of a top-level collection one element at a time: the next non-blank char.
  char peek();
  void advance() { next_char(); }

  std::uint32_t line() const { return line_; }
  std::uint32_t column() const { return column_; }
  const EdnError& error() const { return error_; }
  std::size_t offset() const { return pos_; }

 private:
  bool skip_blank(int depth);
  bool read_form(nlohmann::json& out, int depth);
  bool open(int depth);
  bool read_collection(nlohmann::json& out, char close, int depth);
  bool read_map(nlohmann::json& out, int depth);
  bool read_dispatch(nlohmann::json& out, int depth);
  bool read_string(nlohmann::json& out);
  bool read_escape(std::string& s, std::uint32_t line, std::uint32_t column);
  bool read_hex4(std::uint32_t& code);
  bool read_char(nlohmann::json& out);
  bool read_token(nlohmann::json& out);
  bool read_number(std::string_view token, nlohmann::json& out);
  bool fail(std::string what);
  bool fail_at(std::uint32_t line, std::uint32_t column, std::string what);
  char next_char();
  bool done() const { return pos_ >= text_.size(); }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  std::uint32_t token_line_ = 1, token_column_ = 1;  // where the last token began
  EdnError error_;
};

// One whole EDN value from text (for --init and for jepsen-log values), inside `depth`
// levels already open (a log line counts as one, as a JSONL line's object does).
bool parse_edn_value(std::string_view text, nlohmann::json& out, EdnError& error, int depth = 0);

}  // namespace faultline::checker::detail
