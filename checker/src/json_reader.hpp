#pragma once
// Our JSON reader for outside input (history lines, --init). RFC 8259 JSON into
// nlohmann::json, with the checks a checker needs and nlohmann's parser lacks or reports
// by exception:
//  - integers are exact: one that does not fit in 64 bits is an error (nlohmann would
//    round it to a double, so 2^64 and 2^64+1 would compare equal);
//  - a number out of a double's range (1e400) is an error, not an exception;
//  - nesting deeper than kMaxNestingDepth is an error (the checker walks values
//    recursively);
//  - strings must be well-formed UTF-8 with escaped control characters; \u surrogates
//    must pair; an object may not name a key twice;
//  - a byte-order mark is not skipped (the file readers strip one at the very start);
//  - errors say, in our words, what was expected and what was found, at which byte and
//    at which JSON path ($.value[2].x).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::checker::detail {

struct JsonError {
  std::size_t offset = 0;  // byte offset into the text
  std::string path;        // "$", "$.value[2]": the value being read
  std::string what;        // what was expected and found, or which limit was hit
  bool syntax = true;      // false: well-formed JSON that we refuse (too deep, too big)

  // "$.value: not valid JSON: expected a value, found ','" or "$.value: the integer ...".
  std::string message() const;
};

// One JSON value filling `text` (whitespace around it is allowed). `end_name` names the
// end of the text in messages ("the end of the line", "the end of the input").
std::optional<JsonError> read_json(std::string_view text, nlohmann::json& out,
                                   std::string_view end_name = "the end of the input");

}  // namespace faultline::checker::detail
