#include "mutations.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace faultline::testing {
namespace {

enum class TokenKind { string, number, keyword, literal };

struct Token {
  std::size_t begin = 0;
  std::size_t end = 0;
  TokenKind kind = TokenKind::string;
};

// Where the text's structure is: boundaries to cut at, scalar tokens, object openings.
struct Structure {
  std::set<std::size_t> boundaries;
  std::vector<Token> tokens;
  std::vector<std::size_t> opens;  // offsets of '{'
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/' || c == '?' || c == '!' || c == '*';
}

// The end of the string that opens at `at` (one past its closing quote, or the end).
std::size_t string_end(const std::string& text, std::size_t at) {
  std::size_t j = at + 1;
  while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
  return std::min(j + 1, text.size());
}

std::size_t scan_while(const std::string& text, std::size_t j, bool (*keep)(char)) {
  while (j < text.size() && keep(text[j])) ++j;
  return j;
}

// Scans one thing at text[i]; returns where the next begins.
std::size_t scan_one(const std::string& text, std::size_t i, Structure& s) {
  const char c = text[i];
  const char next = i + 1 < text.size() ? text[i + 1] : '\0';
  if (c == '"') {
    const std::size_t end = string_end(text, i);
    s.boundaries.insert({i, i + 1, end - 1, end});
    s.tokens.push_back({i, end, TokenKind::string});
    return end;
  }
  if (c == '{' || c == '[' || c == '(') {
    if (c == '{') s.opens.push_back(i);
    s.boundaries.insert(i + 1);
  } else if (c == '}' || c == ']' || c == ')') {
    s.boundaries.insert(i);
  } else if (c == ',' || (c == ':' && !std::isalpha(static_cast<unsigned char>(next)))) {
    s.boundaries.insert(i + 1);
  } else if (c == '\n') {
    s.boundaries.insert({i, i + 1});
  } else if (c == ':') {
    const std::size_t end = scan_while(text, i + 1, is_word);
    s.tokens.push_back({i, end, TokenKind::keyword});
    return end;
  } else if (is_digit(c) || (c == '-' && is_digit(next))) {
    const std::size_t end = scan_while(text, i + 1, [](char d) {
      return is_digit(d) || d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-';
    });
    s.tokens.push_back({i, end, TokenKind::number});
    return end;
  } else if (std::isalpha(static_cast<unsigned char>(c))) {
    const std::size_t end = scan_while(text, i, is_word);
    const std::string_view word(text.data() + i, end - i);
    if (word == "true" || word == "false" || word == "null" || word == "nil") {
      s.tokens.push_back({i, end, TokenKind::literal});
    }
    return end;
  }
  return i + 1;
}

Structure scan(const std::string& text) {
  Structure s;
  for (std::size_t i = 0; i < text.size();) i = scan_one(text, i, s);
  s.boundaries.erase(0);
  s.boundaries.erase(text.size());
  return s;
}

// True when `prefix` leaves a bracket or a string open (EDN comments skipped).
bool unbalanced(std::string_view prefix) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = prefix[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ';') {
      while (i < prefix.size() && prefix[i] != '\n') ++i;
    } else if (c == '{' || c == '[' || c == '(') {
      ++depth;
    } else if (c == '}' || c == ']' || c == ')') {
      --depth;
    }
  }
  return in_string || depth > 0;
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

std::string replaced(const std::string& text, const Token& t, const std::string& with) {
  return text.substr(0, t.begin) + with + text.substr(t.end);
}

std::string where(const std::string& text, const Token& t) {
  return "'" + text.substr(t.begin, std::min<std::size_t>(t.end - t.begin, 24)) + "' at byte " +
         std::to_string(t.begin);
}

void truncations(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  out.push_back({"truncated to nothing", "", false});
  for (std::size_t at : s.boundaries) {
    std::string prefix = text.substr(0, at);
    const bool open = unbalanced(prefix);
    out.push_back({"truncated at byte " + std::to_string(at) + " (after '" +
                       std::string(1, text[at - 1] == '\n' ? '/' : text[at - 1]) + "')",
                   std::move(prefix), open});
  }
}

void type_swaps(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  for (const Token& t : s.tokens) {
    std::vector<std::string> others;
    switch (t.kind) {
      case TokenKind::string:
        others = {"42", "[]", "null"};
        break;
      case TokenKind::number:
        others = {"\"42\"", "true", "{}"};
        break;
      case TokenKind::keyword:
        others = {"42", "\"k\"", "[]"};
        break;
      case TokenKind::literal:
        others = {"\"x\"", "0", "[]"};
        break;
    }
    for (const std::string& other : others) {
      out.push_back(
          {"type swap: " + where(text, t) + " -> " + other, replaced(text, t, other), false});
    }
  }
}

void numbers(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  const std::pair<const char*, bool> kinds[] = {{"1e400", true},
                                                {"18446744073709551616", true},
                                                {"-9223372036854775809", true},
                                                {"-1", false},
                                                {"-0", false}};
  for (const Token& t : s.tokens) {
    if (t.kind != TokenKind::number) continue;
    for (auto [number, fails] : kinds) {
      out.push_back(
          {"number: " + where(text, t) + " -> " + number, replaced(text, t, number), fails});
    }
  }
}

void nestings(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  if (s.tokens.empty()) return;
  const std::size_t picks[] = {0, s.tokens.size() / 2, s.tokens.size() - 1};
  for (std::size_t k : picks) {
    const Token& t = s.tokens[k];
    out.push_back({"nested 300 deep: " + where(text, t), replaced(text, t, nested(300)), true});
  }
  out.push_back({"nested 100000 deep: " + where(text, s.tokens[0]),
                 replaced(text, s.tokens[0], nested(100000)), true});
}

void unknown_fields(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  for (std::size_t at : s.opens) {
    std::size_t next = text.find_first_not_of(" \t\r\n", at + 1);
    if (next == std::string::npos) continue;
    std::string field;
    if (text[next] == '"')
      field = "\"zz_unknown\":1,";
    else if (text[next] == ':')
      field = ":zz-unknown 1 ";
    else if (text[next] == '}')
      field = "\"zz_unknown\":1";
    else
      continue;
    out.push_back({"unknown field in the object at byte " + std::to_string(at),
                   text.substr(0, at + 1) + field + text.substr(at + 1), false});
  }
}

void bad_utf8(const std::string& text, const Structure& s, std::vector<Mutation>& out) {
  const std::pair<const char*, const char*> bytes[] = {{"\xFF", "0xff"},
                                                       {"\xC0\xAF", "an overlong '/'"},
                                                       {"\x80", "a lone continuation byte"},
                                                       {"\xE2\x82", "a cut sequence"},
                                                       {"\xED\xA0\x80", "an encoded surrogate"}};
  std::vector<std::size_t> places = {0, text.size()};
  for (const Token& t : s.tokens) {
    if (t.kind == TokenKind::string) {
      places.insert(places.begin() + 1, t.begin + 1);
      break;
    }
  }
  for (std::size_t at : places) {
    for (auto [b, what] : bytes) {
      out.push_back({std::string("invalid UTF-8: ") + what + " at byte " + std::to_string(at),
                     text.substr(0, at) + b + text.substr(at), true});
    }
  }
}

}  // namespace

std::vector<Mutation> mutations(const std::string& valid_text) {
  const Structure s = scan(valid_text);
  std::vector<Mutation> out;
  truncations(valid_text, s, out);
  type_swaps(valid_text, s, out);
  numbers(valid_text, s, out);
  nestings(valid_text, s, out);
  unknown_fields(valid_text, s, out);
  bad_utf8(valid_text, s, out);
  return out;
}

}  // namespace faultline::testing
