#pragma once
// Reading JSON files a user wrote (scenarios, repro files) so that every mistake is a
// clear error: the file, the JSON path (or line and column for a syntax error), what was
// expected and what was found — exit status 2, never a crash, a hang or a silent default.
//
//   const nlohmann::json doc = read_json_file(path);          // size and depth capped
//   const JsonField root(doc, path, "$");
//   root.only_fields({"format", "name", ...});                // unknown: did you mean?
//   const std::string name = root.at("name").string();
//   const sim::Duration at = step.at("at_ms").millis();      // "$.faults[2].at_ms: ..."
//
// Invariants: every accessor either returns a value of the promised type and range or
// throws protocols::BadInput naming `file: path`.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/options.hpp"
#include "sim/types.hpp"

namespace faultline::scenarios {

using protocols::BadInput;

// Inputs larger than this are refused (an endless input such as /dev/zero ends here).
inline constexpr std::uint64_t kMaxInputBytes = 64ULL << 20;
// Objects and arrays nested deeper than this are refused (the parser and every walk over
// a value then stay within a bounded stack).
inline constexpr int kMaxJsonDepth = 64;
// A time in milliseconds (run_ms, at_ms, for_ms...) is at most this far from 0: ~115 days,
// far beyond any run and far within int64 nanoseconds.
inline constexpr std::int64_t kMaxMillis = 10'000'000'000;

// Reads and parses a file; "-" reads standard input.
nlohmann::json read_json_file(const std::string& path, std::uint64_t max_bytes = kMaxInputBytes);
// Parses text that came from `file` (for errors). A key given twice in one object is an
// error naming its JSON path: JSON parsers keep one of the two values without a word.
nlohmann::json parse_json_text(const std::string& text, const std::string& file);
// The same for line `line` of a JSON Lines file: errors say FILE:LINE (and the column).
nlohmann::json parse_json_line(const std::string& text, const std::string& file, std::size_t line);

// The nearest of `known` to `word` when it is close enough to be a likely typo, as
// " (did you mean 'x'?)", else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);
// "a string", "the number -5", "an object", ... for "expected X, got Y".
std::string describe_json(const nlohmann::json& value);

class JsonField {
 public:
  JsonField(const nlohmann::json& value, std::string file, std::string path)
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const nlohmann::json& json() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  std::string where() const { return file_ + ": " + path_; }
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void expected(const std::string& what) const;  // "expected W, got <value>"

  // Objects.
  void expect_object() const;
  // A document's root: its "format" must be `format` (e.g. "faultline-repro/1") and its
  // keys among `fields`. The format is read first: a file of another faultline kind (a
  // repro given to run, a scenario to replay or shrink, a trace) is named as such, with
  // the verbs that read it, instead of by its first field this kind does not have. A
  // missing format is reported after the fields (a misspelt "format" is a field).
  void expect_document(std::string_view format,
                       std::initializer_list<std::string_view> fields) const;
  // Every key must be one of `allowed`; an unknown one is an error with a did-you-mean.
  void only_fields(std::initializer_list<std::string_view> allowed) const;
  bool has(std::string_view key) const;
  JsonField at(std::string_view key) const;                // required
  std::optional<JsonField> get(std::string_view key) const;  // optional
  std::vector<std::pair<std::string, JsonField>> members() const;

  // Arrays.
  std::vector<JsonField> elements() const;

  // Scalars.
  std::string string() const;
  std::string nonempty_string() const;
  bool boolean() const;
  std::uint64_t u64() const;                           // a whole number >= 0
  std::uint64_t u64(std::uint64_t min, std::uint64_t max) const;
  std::int64_t i64(std::int64_t min, std::int64_t max) const;
  // A number of milliseconds (whole or decimal, to the nanosecond), >= 0 unless `signed_`.
  sim::Duration millis(bool signed_ = false) const;
  // A probability in [0, 1], exact to one in a million.
  sim::Ratio probability() const;

 private:
  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

}  // namespace faultline::scenarios
