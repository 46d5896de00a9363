#pragma once
// Malformed inputs made from a valid one by systematic mutation, for batteries that check
// every reader of outside input (histories, option values; later scenarios and repros)
// refuses bad input with a located error, and never crashes or hangs.
//
// The generator knows JSON and EDN only as text: brackets, strings, scalar tokens. So it
// marks `must_fail` only for mutations no JSON or EDN document (or line of one) survives:
// a bracket or string left open at the end, bytes that are not UTF-8, a number beyond a
// 64-bit integer or a double, nesting beyond the readers' limit. Other mutations (a swapped
// type, a negative number, an unknown field) may still be valid input, depending on what
// the format allows where they landed; a battery decides with what it knows of its format.
#include <string>
#include <vector>

namespace faultline::testing {

struct Mutation {
  std::string name;  // what was done where: "truncated at byte 57 (after ':')"
  std::string text;
  bool must_fail = false;
};

// Every mutation of `valid_text`, in a fixed order (deterministic: no randomness):
//  - truncation at every structural boundary (after { [ ( , : or a quote, before } ] ) or a
//    quote, at line ends);
//  - each scalar token (string, number, keyword, literal) swapped for other types;
//  - each number made huge (1e400, 2^64, -2^63-1) or negative (-1, -0);
//  - a few tokens replaced by nesting beyond the limit (300 and 100,000 levels);
//  - an unknown field opened in each object or map;
//  - invalid UTF-8 (a stray 0xFF, an overlong form, a lone continuation byte, a cut
//    sequence, an encoded surrogate) at the start, inside the first string and at the end.
std::vector<Mutation> mutations(const std::string& valid_text);

}  // namespace faultline::testing
