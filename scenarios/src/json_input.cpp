#include "scenarios/json_input.hpp"

#include "checker/input_error.hpp"
#include "sim/assert.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

namespace faultline::scenarios {
namespace {

std::string read_capped(std::istream& in, const std::string& path, std::uint64_t max_bytes) {
  checker::Expected<std::string> text = checker::read_capped(in, path, max_bytes);
  if (!text) throw BadInput(text.error().where, text.error().what);
  return std::move(*text);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string number_text(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

// Where the parser is, one frame per open object or array: enough to name the JSON path
// of a key given twice.
struct Frame {
  bool object = false;
  std::set<std::string> keys;  // an object's keys so far
  std::string key;             // an object's current key
  std::size_t elements = 0;    // an array's elements so far (the current one is the last)
};

struct DuplicateKey {
  std::string path;
};

std::string frames_path(const std::vector<Frame>& frames) {
  std::string path = "$";
  for (const Frame& f : frames) {
    path += f.object ? "." + f.key : "[" + std::to_string(f.elements - 1) + "]";
  }
  return path;
}

// Builds the document as nlohmann's parser reads it (its SAX interface), refusing a key
// given twice (JSON parsers keep one of the two silently) and nesting deeper than
// kMaxJsonDepth. nlohmann's own callback parser rescanned the whole enclosing array at the
// end of each of its objects: 20,000 faults took 0.7 s to load, 200,000 over a minute.
class CheckedBuilder {
 public:
  using json = nlohmann::json;
  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return put(v); }
  bool string(json::string_t& v) { return put(std::move(v)); }
  bool binary(json::binary_t& v) { return put(json::binary(std::move(v))); }
  bool start_object(std::size_t /*elements*/) { return open(json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    deep_enough();
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(std::move(k)).second) throw DuplicateKey{frames_path(frames_)};
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t /*byte*/, const std::string& /*token*/, const Exception& e) {
    throw e;  // its own type: a parse_error's byte offset, an out_of_range's 1e400
  }
  json take() { return std::move(root_); }

 private:
  // A value at depth d (d containers open around it) is refused past kMaxJsonDepth, as the
  // callback parser's depth did.
  void deep_enough() const {
    if (frames_.size() > static_cast<std::size_t>(kMaxJsonDepth)) throw std::length_error("depth");
  }
  // Where the next value goes: the root, an array's end, or the current key of an object.
  json& slot(json&& value) {
    if (stack_.empty()) return root_ = std::move(value);
    json& parent = *stack_.back();
    if (parent.is_array()) {
      ++frames_.back().elements;
      parent.push_back(std::move(value));
      return parent.back();
    }
    return parent[frames_.back().key] = std::move(value);
  }
  template <class V>
  bool put(V&& v) {
    deep_enough();
    slot(json(std::forward<V>(v)));
    return true;
  }
  // Pointers stay valid: only the innermost open container grows, and each pointer is to
  // a container that holds the next one open.
  bool open(json&& container) {
    deep_enough();
    const bool object = container.is_object();
    stack_.push_back(&slot(std::move(container)));
    frames_.push_back(Frame{object, {}, {}, 0});
    return true;
  }
  bool close() {
    FAULTLINE_ASSERT(!stack_.empty() && stack_.size() == frames_.size(),
                     "the parser ends only a container it started");
    stack_.pop_back();
    frames_.pop_back();
    return true;
  }
  json root_;
  std::vector<json*> stack_;
  std::vector<Frame> frames_;
};

// What a faultline file of another kind is, and the verbs that read it ("" if unknown).
std::string other_kind(const std::string& format) {
  if (format.starts_with("faultline-scenario/")) {
    return ": a scenario file; 'faultline run FILE' runs it, 'faultline fuzz --scenario FILE' "
           "fuzzes around it";
  }
  if (format.starts_with("faultline-repro/")) {
    return ": a repro file (one exact run); 'faultline replay FILE' replays it, 'faultline "
           "shrink FILE -o OUT' shrinks it";
  }
  if (format == "faultline-trace") return ": a trace; 'faultline viz FILE' draws it";
  if (format == "faultline-history") return ": a client history; 'faultline check FILE' checks it";
  return "";
}

// A whole file that is one JSON value per line (a history: JSON lines) where one document
// was expected: says so, naming the kind of file its first line's "format" gives.
void reject_json_lines(const std::string& text, const std::string& file) {
  const std::optional<std::string> format = checker::json_lines_format(text);
  if (!format) return;
  throw BadInput(file, "holds one JSON value per line (JSON lines), not one JSON document" +
                           other_kind(*format));
}

// `line` 0: the text is the whole of `file`; else it is that line of it.
nlohmann::json parse_json(const std::string& text, const std::string& source, std::size_t line) {
  const std::string file = line == 0 ? source : source + ":" + std::to_string(line);
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    throw BadInput(file, "starts with a UTF-8 byte-order mark; save the file without one");
  }
  try {
    CheckedBuilder builder;
    nlohmann::json::sax_parse(text, &builder);
    return builder.take();
  } catch (const nlohmann::json::parse_error& e) {
    if (line == 0) reject_json_lines(text, file);
    const checker::InputError error =
        checker::json_syntax_error(source, text, e.byte, e.what(), line == 0 ? 1 : line);
    throw BadInput(error.where, error.what);
  } catch (const nlohmann::json::out_of_range&) {
    throw BadInput(file, "a number is too large to represent (e.g. 1e400)");
  } catch (const nlohmann::json::exception& e) {
    throw BadInput(file, std::string("not valid JSON: ") + e.what());
  } catch (const DuplicateKey& d) {
    throw BadInput(file + ": " + d.path, "given twice in one object; JSON would keep only the "
                                         "last of the two silently, so remove one");
  } catch (const std::length_error&) {
    throw BadInput(file, "nested deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels of objects and arrays");
  }
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& file) {
  return parse_json(text, file, 0);
}

nlohmann::json parse_json_line(const std::string& text, const std::string& file, std::size_t line) {
  return parse_json(text, file, line);
}

nlohmann::json read_json_file(const std::string& path, std::uint64_t max_bytes) {
  if (path == "-") return parse_json_text(read_capped(std::cin, "standard input", max_bytes), "-");
  // A directory opens as a stream that reads nothing: say what it is, not "unexpected end".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw BadInput(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(path, "cannot open it for reading (does it exist?)");
  return parse_json_text(read_capped(in, path, max_bytes), path);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& k : known) {
    const std::size_t d = edit_distance(word, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string describe_json(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string \"" + s + "\"";
    }
    case nlohmann::json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
      return "the number " + std::to_string(v.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return "the number " + std::to_string(v.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
      return "the number " + number_text(v.get<double>());
    default:
      return "an unsupported value";
  }
}

// ---------------------------------------------------------------- JsonField

void JsonField::fail(const std::string& what) const { throw BadInput(where(), what); }

void JsonField::expected(const std::string& what) const {
  fail("expected " + what + ", got " + describe_json(*value_));
}

void JsonField::expect_object() const {
  if (!value_->is_object()) expected("an object");
}

void JsonField::expect_document(std::string_view ours,
                                std::initializer_list<std::string_view> fields) const {
  expect_object();
  if (!has("format") || value_->at("format") == ours) {
    only_fields(fields);
    (void)at("format");
    return;
  }
  const JsonField format = at("format");
  const std::string name = format.json().is_string() ? format.json().get<std::string>() : "";
  const std::string_view family = ours.substr(0, ours.find('/') + 1);  // "faultline-repro/"
  const bool same_kind = name.starts_with(family);
  format.fail("expected \"" + std::string(ours) + "\"" +
              (same_kind ? " (this faultline reads that version)" : "") + ", got " +
              describe_json(format.json()) + (same_kind ? "" : other_kind(name)));
}

void JsonField::only_fields(std::initializer_list<std::string_view> allowed) const {
  expect_object();
  std::vector<std::string> known(allowed.begin(), allowed.end());
  for (const auto& [key, value] : value_->items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    throw BadInput(where() + "." + key,
                   "unknown field" + did_you_mean(key, known) + "; expected one of: " + list);
  }
}

bool JsonField::has(std::string_view key) const {
  return value_->is_object() && value_->contains(key);
}

JsonField JsonField::at(std::string_view key) const {
  expect_object();
  if (!value_->contains(key)) fail("missing the field \"" + std::string(key) + "\"");
  return JsonField(value_->at(std::string(key)), file_, path_ + "." + std::string(key));
}

std::optional<JsonField> JsonField::get(std::string_view key) const {
  expect_object();
  if (!value_->contains(key)) return std::nullopt;
  return JsonField(value_->at(std::string(key)), file_, path_ + "." + std::string(key));
}

std::vector<std::pair<std::string, JsonField>> JsonField::members() const {
  expect_object();
  std::vector<std::pair<std::string, JsonField>> out;
  for (const auto& [key, value] : value_->items()) {
    out.emplace_back(key, JsonField(value, file_, path_ + "." + key));
  }
  return out;
}

std::vector<JsonField> JsonField::elements() const {
  if (!value_->is_array()) expected("an array");
  std::vector<JsonField> out;
  for (std::size_t i = 0; i < value_->size(); ++i) {
    out.emplace_back((*value_)[i], file_, path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::string JsonField::string() const {
  if (!value_->is_string()) expected("a string");
  return value_->get<std::string>();
}

std::string JsonField::nonempty_string() const {
  std::string s = string();
  if (s.empty()) fail("expected a non-empty string");
  return s;
}

bool JsonField::boolean() const {
  if (!value_->is_boolean()) expected("true or false");
  return value_->get<bool>();
}

std::uint64_t JsonField::u64() const {
  return u64(0, std::numeric_limits<std::uint64_t>::max());
}

std::uint64_t JsonField::u64(std::uint64_t min, std::uint64_t max) const {
  const std::string range = "a whole number in [" + std::to_string(min) + ", " +
                            std::to_string(max) + "]";
  if (value_->is_number_unsigned() ||
      (value_->is_number_integer() && value_->get<std::int64_t>() >= 0)) {
    const auto v = value_->get<std::uint64_t>();
    if (v >= min && v <= max) return v;
  }
  expected(range);
}

std::int64_t JsonField::i64(std::int64_t min, std::int64_t max) const {
  const std::string range = "a whole number in [" + std::to_string(min) + ", " +
                            std::to_string(max) + "]";
  if (value_->is_number_integer() && !value_->is_number_unsigned()) {
    const auto v = value_->get<std::int64_t>();
    if (v >= min && v <= max) return v;
  } else if (value_->is_number_unsigned()) {
    const auto v = value_->get<std::uint64_t>();
    if (max >= 0 && v <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(v) >= min) {
      return static_cast<std::int64_t>(v);
    }
  }
  expected(range);
}

sim::Duration JsonField::millis(bool signed_) const {
  constexpr auto kLimitMs = static_cast<double>(kMaxMillis);
  const std::string what = signed_ ? "a number of milliseconds from -1e10 to 1e10"
                                   : "a number of milliseconds from 0 to 1e10";
  if (value_->is_number_integer() || value_->is_number_unsigned()) {
    const double ms = value_->get<double>();
    if ((!signed_ && ms < 0) || std::abs(ms) > kLimitMs) expected(what);
    return value_->is_number_unsigned()
               ? static_cast<sim::Duration>(value_->get<std::uint64_t>()) * sim::kMillisecond
               : value_->get<std::int64_t>() * sim::kMillisecond;
  }
  if (!value_->is_number_float()) expected(what);
  const double ms = value_->get<double>();
  if (!std::isfinite(ms) || (!signed_ && ms < 0) || std::abs(ms) > kLimitMs) expected(what);
  const double ns = ms * 1e6;
  const double rounded = std::round(ns);
  if (std::abs(ns - rounded) > 1e-3 * std::max(1.0, std::abs(ns)) && std::abs(ns - rounded) > 0.01) {
    fail("expected " + what + " to the nanosecond, got " + describe_json(*value_));
  }
  return static_cast<sim::Duration>(rounded);
}

sim::Ratio JsonField::probability() const {
  if (!value_->is_number()) expected("a probability between 0 and 1");
  const double p = value_->get<double>();
  if (!(p >= 0 && p <= 1)) expected("a probability between 0 and 1");
  constexpr std::uint32_t kDen = 1'000'000;
  return sim::Ratio{static_cast<std::uint32_t>(std::llround(p * kDen)), kDen};
}

}  // namespace faultline::scenarios
