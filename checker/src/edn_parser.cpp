#include "edn_parser.hpp"

#include <charconv>
#include <cstdlib>

#include "checker/input_limits.hpp"
#include "text_input.hpp"

namespace faultline::checker::detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

bool is_delimiter(char c) {
  return is_blank(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
         c == '"' || c == ';';
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string key_text(const nlohmann::json& key) {
  return key.is_string() ? key.get<std::string>() : key.dump();
}

}  // namespace

char EdnReader::next_char() {
  char c = text_[pos_++];
  if (c == '\n') {
    ++line_;
    column_ = 1;
  } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {  // count characters, not bytes
    ++column_;
  }
  return c;
}

bool EdnReader::fail(std::string what) {
  return fail_at(line_, column_, std::move(what));
}

bool EdnReader::fail_at(std::uint32_t line, std::uint32_t column, std::string what) {
  error_ = EdnError{line, column, std::move(what)};
  return false;
}

// `depth`: levels open around the next form. A `#_` discard counts as one more level, so
// a run of them ("#_#_#_...") cannot recurse without bound.
bool EdnReader::skip_blank(int depth) {
  while (!done()) {
    char c = text_[pos_];
    if (is_blank(c)) {
      next_char();
    } else if (c == ';') {
      while (!done() && text_[pos_] != '\n') next_char();
    } else if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '_') {
      if (!open(depth)) return false;
      next_char();
      next_char();
      nlohmann::json discarded;
      if (!read_form(discarded, depth + 1)) return false;
    } else {
      return true;
    }
  }
  return true;
}

bool EdnReader::at_end() {
  return skip_blank(0) && done();
}

char EdnReader::peek() {
  if (!skip_blank(0) || done()) return '\0';
  return text_[pos_];
}

bool EdnReader::read(nlohmann::json& out, int depth) {
  if (!skip_blank(depth)) return false;
  if (done()) return fail("expected a value, found the end of the input");
  return read_form(out, depth);
}

bool EdnReader::open(int depth) {
  if (depth + 1 <= kMaxNestingDepth) return true;
  return fail("nested more than " + std::to_string(kMaxNestingDepth) +
              " levels deep (the limit on values; see docs/checker.md)");
}

bool EdnReader::read_form(nlohmann::json& out, int depth) {
  if (!skip_blank(depth)) return false;
  if (done()) return fail("expected a value, found the end of the input");
  char c = text_[pos_];
  switch (c) {
    case '[':
    case '(':
    case '{':
      if (!open(depth)) return false;
      next_char();
      if (c == '{') return read_map(out, depth + 1);
      return read_collection(out, c == '[' ? ']' : ')', depth + 1);
    case '#':
      return read_dispatch(out, depth);
    case '"':
      return read_string(out);
    case '\\':
      return read_char(out);
    case ')':
    case ']':
    case '}':
      return fail(std::string("unexpected '") + c + "'");
    default:
      return read_token(out);
  }
}

// `depth`: levels open inside the collection, including its own.
bool EdnReader::read_collection(nlohmann::json& out, char close, int depth) {
  out = nlohmann::json::array();
  for (;;) {
    if (!skip_blank(depth)) return false;
    if (done()) return fail(std::string("expected '") + close + "' before the end of the input");
    if (text_[pos_] == close) {
      next_char();
      return true;
    }
    nlohmann::json item;
    if (!read_form(item, depth)) return false;
    out.push_back(std::move(item));
  }
}

bool EdnReader::read_map(nlohmann::json& out, int depth) {
  out = nlohmann::json::object();
  for (;;) {
    if (!skip_blank(depth)) return false;
    if (done()) return fail("expected '}' before the end of the input");
    if (text_[pos_] == '}') {
      next_char();
      return true;
    }
    nlohmann::json key;
    nlohmann::json value;
    const std::uint32_t key_line = line_, key_column = column_;
    if (!read_form(key, depth)) return false;
    if (!skip_blank(depth)) return false;
    if (done() || text_[pos_] == '}') return fail("a map key without a value");
    if (!read_form(value, depth)) return false;
    std::string name = key_text(key);
    if (out.contains(name)) {
      // Keywords become strings, so {:a 1 "a" 2} names one key twice too.
      return fail_at(key_line, key_column,
                     "the key " + brief_text(name) + " appears twice in this map");
    }
    out[name] = std::move(value);
  }
}

bool EdnReader::read_dispatch(nlohmann::json& out, int depth) {
  if (!open(depth)) return false;
  next_char();  // '#'
  if (done()) return fail("expected a set or a tag after '#'");
  if (text_[pos_] == '{') {
    next_char();
    return read_collection(out, '}', depth + 1);
  }
  if (text_[pos_] == '#') return fail("##Inf, ##-Inf and ##NaN have no JSON form");
  // A tagged value (#inst "...", #uuid "...", #jepsen.history.Op{...}): keep the value.
  nlohmann::json tag;
  if (!read_token(tag)) return false;
  return read_form(out, depth + 1);
}

bool EdnReader::read_string(nlohmann::json& out) {
  next_char();  // '"'
  std::string s;
  while (!done()) {
    const std::size_t run = text_.find_first_of("\"\\\n", pos_);
    const std::size_t end = run == std::string_view::npos ? text_.size() : run;
    s.append(text_.data() + pos_, end - pos_);  // the column is counted below
    while (pos_ < end) next_char();
    if (done()) break;
    const std::uint32_t line = line_, column = column_;
    char c = next_char();
    if (c == '"') {
      out = std::move(s);
      return true;
    }
    if (c == '\n') {
      s += c;
    } else if (!read_escape(s, line, column)) {
      return false;
    }
  }
  return fail("a string is not closed before the end of the input");
}

bool EdnReader::read_hex4(std::uint32_t& code) {
  if (pos_ + 4 > text_.size()) return fail("a \\u escape needs four hex digits");
  auto r = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, code, 16);
  if (r.ec != std::errc() || r.ptr != text_.data() + pos_ + 4 || text_[pos_] == '-') {
    return fail("a \\u escape needs four hex digits");
  }
  for (int i = 0; i < 4; ++i) next_char();
  return true;
}

// After a backslash in a string; errors point at the backslash (line, column).
bool EdnReader::read_escape(std::string& s, std::uint32_t line, std::uint32_t column) {
  if (done()) return fail("a string is not closed before the end of the input");
  char e = next_char();
  switch (e) {
    case 'n':
      s += '\n';
      return true;
    case 't':
      s += '\t';
      return true;
    case 'r':
      s += '\r';
      return true;
    case 'b':
      s += '\b';
      return true;
    case 'f':
      s += '\f';
      return true;
    case '"':
      s += '"';
      return true;
    case '\\':
      s += '\\';
      return true;
    case 'u':
      break;
    default:
      if ((static_cast<unsigned char>(e) & 0x80) != 0)
        return fail_at(line, column, "unknown escape in a string");
      return fail_at(line, column, std::string("unknown escape \\") + e + " in a string");
  }
  std::uint32_t code = 0;
  if (!read_hex4(code)) return false;
  if (code >= 0xDC00 && code <= 0xDFFF) {
    return fail_at(line, column,
                   "a \\u escape of a lone low surrogate (UTF-16 surrogates come in pairs)");
  }
  if (code >= 0xD800 && code <= 0xDBFF) {
    std::uint32_t low = 0;
    if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
      return fail_at(line, column, "a \\u escape of a high surrogate not followed by a low one");
    }
    next_char();
    next_char();
    if (!read_hex4(low)) return false;
    if (low < 0xDC00 || low > 0xDFFF) {
      return fail_at(line, column, "a \\u escape of a high surrogate not followed by a low one");
    }
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(s, code);
  return true;
}

bool EdnReader::read_char(nlohmann::json& out) {
  next_char();  // '\'
  std::size_t start = pos_;
  if (done()) return fail("expected a character after '\\'");
  next_char();
  while (!done() && !is_delimiter(text_[pos_])) next_char();
  std::string_view name = text_.substr(start, pos_ - start);
  if (name == "newline")
    out = "\n";
  else if (name == "space")
    out = " ";
  else if (name == "tab")
    out = "\t";
  else if (name == "return")
    out = "\r";
  else
    out = std::string(name);
  return true;
}

bool EdnReader::read_token(nlohmann::json& out) {
  std::size_t start = pos_;
  token_line_ = line_;
  token_column_ = column_;
  while (!done() && !is_delimiter(text_[pos_])) next_char();
  std::string_view token = text_.substr(start, pos_ - start);
  if (token.empty()) return fail_at(token_line_, token_column_, "expected a value");
  if (token == "nil") {
    out = nullptr;
  } else if (token == "true") {
    out = true;
  } else if (token == "false") {
    out = false;
  } else if (token[0] == ':') {
    if (token.size() == 1) return fail_at(token_line_, token_column_, "a ':' with no keyword name");
    out = std::string(token.substr(1));
  } else if ((token[0] >= '0' && token[0] <= '9') ||
             ((token[0] == '-' || token[0] == '+') && token.size() > 1 && token[1] >= '0' &&
              token[1] <= '9')) {
    return read_number(token, out);
  } else {
    out = std::string(token);  // a symbol
  }
  return true;
}

bool EdnReader::read_number(std::string_view token, nlohmann::json& out) {
  std::string_view digits = token;
  if (digits.back() == 'N' || digits.back() == 'M') digits.remove_suffix(1);
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  bool integral = digits.find_first_of(".eE") == std::string_view::npos;
  if (integral) {
    // As in JSON: negative integers are signed, others unsigned, both exact.
    std::int64_t signed_value = 0;
    std::uint64_t unsigned_value = 0;
    const bool negative = !digits.empty() && digits[0] == '-';
    auto r = negative ? std::from_chars(first, last, signed_value)
                      : std::from_chars(first, last, unsigned_value);
    if (r.ec == std::errc() && r.ptr == last) {
      out = negative ? nlohmann::json(signed_value) : nlohmann::json(unsigned_value);
      return true;
    }
    if (r.ec == std::errc::result_out_of_range) {
      return fail_at(
          token_line_, token_column_,
          "the integer " + brief_text(token) +
              " does not fit in 64 bits: integers are compared exactly, from -2^63 to 2^64-1");
    }
    return fail_at(token_line_, token_column_, "'" + brief_text(token) + "' is not a number");
  }
  double value = 0;
  auto r = std::from_chars(first, last, value);
  if (r.ec == std::errc::result_out_of_range && r.ptr == last) {
    return fail_at(token_line_, token_column_,
                   "the number " + brief_text(token) +
                       " is out of a double's range (magnitudes from about 2.2e-308 to 1.8e308)");
  }
  if (r.ec != std::errc() || r.ptr != last) {
    return fail_at(token_line_, token_column_, "'" + brief_text(token) + "' is not a number");
  }
  out = value;
  return true;
}

bool parse_edn_value(std::string_view text, nlohmann::json& out, EdnError& error, int depth) {
  EdnReader reader(text);
  if (!reader.read(out, depth)) {
    error = reader.error();
    return false;
  }
  if (!reader.at_end()) {
    if (reader.error().what.empty()) {
      error = EdnError{reader.line(), reader.column(), "unexpected text after the value"};
    } else {
      error = reader.error();
    }
    return false;
  }
  return true;
}

}  // namespace faultline::checker::detail
