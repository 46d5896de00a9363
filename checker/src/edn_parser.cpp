#include "edn_parser.hpp"

#include <charconv>
#include <cstdlib>

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
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
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
  } else {
    ++column_;
  }
  return c;
}

bool EdnReader::fail(std::string what) {
  error_ = EdnError{line_, column_, std::move(what)};
  return false;
}

bool EdnReader::skip_blank() {
  while (!done()) {
    char c = text_[pos_];
    if (is_blank(c)) {
      next_char();
    } else if (c == ';') {
      while (!done() && text_[pos_] != '\n') next_char();
    } else if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '_') {
      next_char();
      next_char();
      nlohmann::json discarded;
      if (!read_form(discarded, 0)) return false;
    } else {
      return true;
    }
  }
  return true;
}

bool EdnReader::at_end() {
  return skip_blank() && done();
}

char EdnReader::peek() {
  if (!skip_blank() || done()) return '\0';
  return text_[pos_];
}

bool EdnReader::read(nlohmann::json& out) {
  if (!skip_blank()) return false;
  if (done()) return fail("expected a value, found the end of the input");
  return read_form(out, 0);
}

bool EdnReader::read_form(nlohmann::json& out, int depth) {
  if (depth > kMaxDepth) return fail("values nested too deeply");
  if (!skip_blank()) return false;
  if (done()) return fail("expected a value, found the end of the input");
  char c = text_[pos_];
  switch (c) {
    case '[':
      next_char();
      return read_collection(out, ']', depth);
    case '(':
      next_char();
      return read_collection(out, ')', depth);
    case '{':
      next_char();
      return read_map(out, depth);
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

bool EdnReader::read_collection(nlohmann::json& out, char close, int depth) {
  out = nlohmann::json::array();
  for (;;) {
    if (!skip_blank()) return false;
    if (done()) return fail(std::string("expected '") + close + "' before the end of the input");
    if (text_[pos_] == close) {
      next_char();
      return true;
    }
    nlohmann::json item;
    if (!read_form(item, depth + 1)) return false;
    out.push_back(std::move(item));
  }
}

bool EdnReader::read_map(nlohmann::json& out, int depth) {
  out = nlohmann::json::object();
  for (;;) {
    if (!skip_blank()) return false;
    if (done()) return fail("expected '}' before the end of the input");
    if (text_[pos_] == '}') {
      next_char();
      return true;
    }
    nlohmann::json key;
    nlohmann::json value;
    if (!read_form(key, depth + 1)) return false;
    if (!skip_blank()) return false;
    if (done() || text_[pos_] == '}') return fail("a map key without a value");
    if (!read_form(value, depth + 1)) return false;
    out[key_text(key)] = std::move(value);
  }
}

bool EdnReader::read_dispatch(nlohmann::json& out, int depth) {
  next_char();  // '#'
  if (done()) return fail("expected a set or a tag after '#'");
  if (text_[pos_] == '{') {
    next_char();
    return read_collection(out, '}', depth);
  }
  // A tagged value (#inst "...", #uuid "...", #jepsen.history.Op{...}): keep the value.
  nlohmann::json tag;
  if (!read_token(tag)) return false;
  return read_form(out, depth + 1);
}

bool EdnReader::read_string(nlohmann::json& out) {
  next_char();  // '"'
  std::string s;
  while (!done()) {
    char c = next_char();
    if (c == '"') {
      out = std::move(s);
      return true;
    }
    if (c != '\\') {
      s += c;
      continue;
    }
    if (done()) break;
    char e = next_char();
    switch (e) {
      case 'n':
        s += '\n';
        break;
      case 't':
        s += '\t';
        break;
      case 'r':
        s += '\r';
        break;
      case 'b':
        s += '\b';
        break;
      case 'f':
        s += '\f';
        break;
      case '"':
        s += '"';
        break;
      case '\\':
        s += '\\';
        break;
      case 'u': {
        if (pos_ + 4 > text_.size()) return fail("a \\u escape needs four hex digits");
        std::uint32_t code = 0;
        auto r = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, code, 16);
        if (r.ec != std::errc() || r.ptr != text_.data() + pos_ + 4) {
          return fail("a \\u escape needs four hex digits");
        }
        for (int i = 0; i < 4; ++i) next_char();
        append_utf8(s, code);
        break;
      }
      default:
        return fail(std::string("unknown escape \\") + e + " in a string");
    }
  }
  return fail("a string is not closed before the end of the input");
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
  while (!done() && !is_delimiter(text_[pos_])) next_char();
  std::string_view token = text_.substr(start, pos_ - start);
  if (token.empty()) return fail("expected a value");
  if (token == "nil") {
    out = nullptr;
  } else if (token == "true") {
    out = true;
  } else if (token == "false") {
    out = false;
  } else if (token[0] == ':') {
    if (token.size() == 1) return fail("a ':' with no keyword name");
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
  bool integral = digits.find_first_of(".eE") == std::string_view::npos;
  if (integral) {
    std::int64_t value = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
      out = value;
      return true;
    }
    if (r.ec == std::errc::result_out_of_range) {
      return fail("the integer " + std::string(token) + " does not fit in 64 bits");
    }
    return fail("'" + std::string(token) + "' is not a number");
  }
  double value = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
    return fail("'" + std::string(token) + "' is not a number");
  }
  out = value;
  return true;
}

bool parse_edn_value(std::string_view text, nlohmann::json& out, EdnError& error) {
  EdnReader reader(text);
  if (!reader.read(out)) {
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
