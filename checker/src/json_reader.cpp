#include "json_reader.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

#include "checker/input_limits.hpp"
#include "text_input.hpp"

namespace faultline::checker::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_identifier(std::string_view key) {
  if (key.empty() || is_digit(key[0])) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
    if (!ok) return false;
  }
  return true;
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

// Recursive descent; recursion is bounded by kMaxNestingDepth. On the first error it
// records a JsonError and every caller returns false.
class JsonReader {
 public:
  JsonReader(std::string_view text, std::string_view end_name) : text_(text), end_name_(end_name) {}

  std::optional<JsonError> read(nlohmann::json& out) {
    if (value(out, 0)) {
      skip_space();
      if (pos_ < text_.size()) fail("unexpected text after the value: found " + found());
    }
    return error_;
  }

 private:
  struct Segment {
    std::string key;
    std::size_t index = 0;
    bool is_index = false;
  };

  bool value(nlohmann::json& out, int depth);
  bool object(nlohmann::json& out, int depth);
  bool array(nlohmann::json& out, int depth);
  bool string(std::string& out);
  bool escape(std::string& out);
  bool hex4(std::uint32_t& code);
  bool number(nlohmann::json& out);
  bool literal(nlohmann::json& out);
  bool open(int depth);

  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  std::string found() const;
  bool expected(std::string_view what) {
    return fail("expected " + std::string(what) + ", found " + found());
  }
  bool fail(std::string what, bool syntax = true, std::optional<std::size_t> offset = {}) {
    error_ = JsonError{offset.value_or(pos_), path(), std::move(what), syntax};
    return false;
  }
  std::string path() const;

  std::string_view text_;
  std::string_view end_name_;
  std::size_t pos_ = 0;
  std::vector<Segment> path_;
  std::optional<JsonError> error_;
};

std::string JsonReader::found() const {
  // A word shows whole ("found 'nul'"), anything else as one character.
  std::size_t end = pos_;
  while (end < text_.size() && end - pos_ < 20 &&
         ((text_[end] >= 'a' && text_[end] <= 'z') || (text_[end] >= 'A' && text_[end] <= 'Z'))) {
    ++end;
  }
  if (end - pos_ > 1) return "'" + std::string(text_.substr(pos_, end - pos_)) + "'";
  return found_at(text_, pos_, end_name_);
}

std::string JsonReader::path() const {
  // Deep paths keep their first and last few steps: "$.value[0][0]…[0]".
  constexpr std::size_t kHead = 6, kTail = 3;
  std::string text = "$";
  for (std::size_t i = 0; i < path_.size(); ++i) {
    if (path_.size() > kHead + kTail + 1 && i == kHead) {
      text += "…";
      i = path_.size() - kTail - 1;
      continue;
    }
    const Segment& s = path_[i];
    if (s.is_index) {
      text += "[" + std::to_string(s.index) + "]";
    } else if (is_identifier(s.key)) {
      text += "." + s.key;
    } else {
      text += "[" + nlohmann::json(brief_text(s.key, 40)).dump() + "]";
    }
  }
  return text;
}

bool JsonReader::value(nlohmann::json& out, int depth) {
  skip_space();
  if (pos_ >= text_.size()) return expected("a value");
  switch (text_[pos_]) {
    case '{':
      return object(out, depth);
    case '[':
      return array(out, depth);
    case '"': {
      std::string s;
      if (!string(s)) return false;
      out = std::move(s);
      return true;
    }
    case 't':
    case 'f':
    case 'n':
      return literal(out);
    default:
      if (text_[pos_] == '-' || is_digit(text_[pos_])) return number(out);
      return expected("a value (an object, array, string, number, true, false or null)");
  }
}

bool JsonReader::open(int depth) {
  if (depth + 1 <= kMaxNestingDepth) return true;
  return fail("nested more than " + std::to_string(kMaxNestingDepth) +
                  " levels deep (the limit on values; see docs/checker.md)",
              false);
}

bool JsonReader::object(nlohmann::json& out, int depth) {
  if (!open(depth)) return false;
  ++pos_;  // '{'
  out = nlohmann::json::object();
  skip_space();
  if (at('}')) {
    ++pos_;
    return true;
  }
  for (;;) {
    skip_space();
    if (!at('"')) return expected(out.empty() ? "a string key or '}'" : "a string key");
    const std::size_t key_at = pos_;
    std::string key;
    if (!string(key)) return false;
    skip_space();
    if (!at(':')) return expected("':' after the key " + nlohmann::json(brief_text(key)).dump());
    ++pos_;
    if (out.contains(key)) {
      return fail(
          "the key " + nlohmann::json(brief_text(key)).dump() + " appears twice in this object",
          false, key_at);
    }
    path_.push_back(Segment{key, 0, false});
    if (!value(out[key], depth + 1)) return false;
    path_.pop_back();
    skip_space();
    if (at(',')) {
      ++pos_;
    } else if (at('}')) {
      ++pos_;
      return true;
    } else {
      return expected("',' or '}' after a member");
    }
  }
}

bool JsonReader::array(nlohmann::json& out, int depth) {
  if (!open(depth)) return false;
  ++pos_;  // '['
  out = nlohmann::json::array();
  skip_space();
  if (at(']')) {
    ++pos_;
    return true;
  }
  for (std::size_t index = 0;; ++index) {
    path_.push_back(Segment{{}, index, true});
    nlohmann::json item;
    if (!value(item, depth + 1)) return false;
    path_.pop_back();
    out.push_back(std::move(item));
    skip_space();
    if (at(',')) {
      ++pos_;
    } else if (at(']')) {
      ++pos_;
      return true;
    } else {
      return expected("',' or ']' after an element");
    }
  }
}

bool JsonReader::string(std::string& out) {
  ++pos_;  // '"'
  for (;;) {
    // Plain printable ASCII runs are copied at once.
    std::size_t run = pos_;
    while (run < text_.size()) {
      auto c = static_cast<unsigned char>(text_[run]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(text_.data() + pos_, run - pos_);
    pos_ = run;
    if (pos_ >= text_.size())
      return fail("the string is not closed before " + std::string(end_name_));
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c == '\\') {
      if (!escape(out)) return false;
    } else if (c < 0x20) {
      return fail("found " + found_at(text_, pos_, end_name_) +
                  " inside a string (control characters must be escaped, e.g. \\n)");
    } else {
      std::size_t length = utf8_sequence_length(text_, pos_);
      if (length == 0)
        return fail("invalid UTF-8 in a string: " + found_at(text_, pos_, end_name_));
      out.append(text_.data() + pos_, length);
      pos_ += length;
    }
  }
}

bool JsonReader::hex4(std::uint32_t& code) {
  if (pos_ + 4 > text_.size()) return fail("a \\u escape needs four hex digits");
  auto r = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, code, 16);
  if (r.ec != std::errc() || r.ptr != text_.data() + pos_ + 4 || text_[pos_] == '-' ||
      text_[pos_] == '+') {
    return fail("a \\u escape needs four hex digits");
  }
  pos_ += 4;
  return true;
}

bool JsonReader::escape(std::string& out) {
  const std::size_t start = pos_;
  ++pos_;  // '\'
  if (pos_ >= text_.size())
    return fail("the string is not closed before " + std::string(end_name_));
  char e = text_[pos_++];
  switch (e) {
    case '"':
      out += '"';
      return true;
    case '\\':
      out += '\\';
      return true;
    case '/':
      out += '/';
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return fail("unknown escape \\" + found_at(text_, pos_ - 1, end_name_) +
                      " in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                  true, start);
  }
  std::uint32_t code = 0;
  if (!hex4(code)) return false;
  if (code >= 0xDC00 && code <= 0xDFFF) {
    return fail("a \\u escape of a lone low surrogate (UTF-16 surrogates come in pairs)", true,
                start);
  }
  if (code >= 0xD800 && code <= 0xDBFF) {
    std::uint32_t low = 0;
    if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
      return fail("a \\u escape of a high surrogate not followed by a low one", true, start);
    }
    pos_ += 2;
    if (!hex4(low)) return false;
    if (low < 0xDC00 || low > 0xDFFF) {
      return fail("a \\u escape of a high surrogate not followed by a low one", true, start);
    }
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(out, code);
  return true;
}

bool JsonReader::number(nlohmann::json& out) {
  const std::size_t start = pos_;
  const bool negative = at('-');
  if (negative) ++pos_;
  auto digits = [&] {
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  };
  if (!(pos_ < text_.size() && is_digit(text_[pos_]))) return expected("a digit after '-'");
  if (at('0') && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
    return fail("a number may not start with 0 followed by digits", true, start);
  }
  digits();
  bool integral = true;
  if (at('.')) {
    ++pos_;
    if (!(pos_ < text_.size() && is_digit(text_[pos_])))
      return expected("a digit after the decimal point");
    digits();
    integral = false;
  }
  if (at('e') || at('E')) {
    ++pos_;
    if (at('+') || at('-')) ++pos_;
    if (!(pos_ < text_.size() && is_digit(text_[pos_]))) return expected("a digit in the exponent");
    digits();
    integral = false;
  }
  const std::string_view token = text_.substr(start, pos_ - start);
  const char* first = token.data();
  const char* last = token.data() + token.size();
  if (integral) {
    // Non-negative integers are unsigned, as nlohmann's own parser stores them.
    std::int64_t signed_value = 0;
    std::uint64_t unsigned_value = 0;
    auto r = negative ? std::from_chars(first, last, signed_value)
                      : std::from_chars(first, last, unsigned_value);
    if (r.ec == std::errc() && r.ptr == last) {
      out = negative ? nlohmann::json(signed_value) : nlohmann::json(unsigned_value);
      return true;
    }
    return fail("the integer " + brief_text(token) +
                    " does not fit in 64 bits: integers are compared exactly, from -2^63 to "
                    "2^64-1 (write a larger one as a string)",
                false, start);
  }
  double value = 0;
  auto r = std::from_chars(first, last, value);
  if (r.ec == std::errc() && r.ptr == last) {
    out = value;
    return true;
  }
  return fail("the number " + brief_text(token) +
                  " is out of a double's range (magnitudes from about 2.2e-308 to 1.8e308)",
              false, start);
}

bool JsonReader::literal(nlohmann::json& out) {
  for (auto [word, value] : {std::pair<std::string_view, nlohmann::json>{"true", true},
                             {"false", false},
                             {"null", nullptr}}) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      out = std::move(value);
      return true;
    }
  }
  return expected("a value (an object, array, string, number, true, false or null)");
}

}  // namespace

std::string JsonError::message() const {
  std::string head = path.empty() || path == "$" ? std::string() : path + ": ";
  return head + (syntax ? "not valid JSON: " : "") + what;
}

std::optional<JsonError> read_json(std::string_view text, nlohmann::json& out,
                                   std::string_view end_name) {
  return JsonReader(text, end_name).read(out);
}

}  // namespace faultline::checker::detail
