// Picks a history reader: by --format, or by the file's first characters.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "edn_parser.hpp"
#include "history_readers.hpp"
#include "json_reader.hpp"
#include "text_input.hpp"

namespace faultline::checker {
namespace {

std::optional<HistoryFormat> detect_format(std::string_view text) {
  std::size_t at = text.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return HistoryFormat::jsonl;  // empty: no operations
  char c = text[at];
  if (c == '{') {
    std::size_t next = text.find_first_not_of(" \t\r\n", at + 1);
    bool json = next != std::string_view::npos && text[next] == '"';
    return json ? HistoryFormat::jsonl : HistoryFormat::edn;
  }
  if (c == '[' || c == '(' || c == ';' || c == '#') return HistoryFormat::edn;
  if (text.find("jepsen.util") != std::string_view::npos) return HistoryFormat::jepsen_log;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::jsonl:
      return "jsonl";
    case HistoryFormat::edn:
      return "edn";
    case HistoryFormat::porcupine:
      return "porcupine";
    case HistoryFormat::jepsen_log:
      return "jepsen-log";
  }
  return "?";
}

std::optional<HistoryFormat> parse_history_format(std::string_view name) {
  for (auto format : {HistoryFormat::jsonl, HistoryFormat::edn, HistoryFormat::porcupine,
                      HistoryFormat::jepsen_log}) {
    if (name == to_string(format)) return format;
  }
  return std::nullopt;
}

namespace {

// Why a history with no client operations is refused, in the terms of what the file held.
InputError empty_history(std::string_view text, std::string_view name, HistoryFormat format) {
  std::string what;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    what = text.empty() ? "the file is empty" : "the file holds only blank lines";
  } else if (format == HistoryFormat::jsonl) {
    what = "the file holds only its header line";
  } else if (format == HistoryFormat::jepsen_log) {
    what = "no line is a client operation (lines like 'INFO jepsen.util - 3 :invoke :read nil')";
  } else {
    what = "the file holds no client operations (only :nemesis ones, or an empty collection)";
  }
  return InputError{std::string(name),
                    "no operations to check: " + what +
                        "; an empty history proves nothing, so it is refused rather than "
                        "called linearizable"};
}

}  // namespace

Expected<HistoryFile> parse_history(std::string_view text, std::string_view name,
                                    std::optional<HistoryFormat> format) {
  // A UTF-8 byte-order mark (some Windows editors write one) is accepted at the very start
  // and nowhere else (docs/checker.md).
  if (text.starts_with(detail::kUtf8Bom)) text.remove_prefix(detail::kUtf8Bom.size());
  if (auto bad = detail::first_invalid_utf8(text)) {
    const detail::TextPosition at = detail::position_of(text, *bad);
    return InputError{
        std::string(name) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column),
        "not UTF-8 text: " + detail::found_at(text, *bad, "") + " (histories are read as UTF-8)"};
  }
  std::optional<HistoryFormat> chosen = format ? format : detect_format(text);
  if (!chosen) {
    return InputError{std::string(name),
                      "cannot tell the history's format (expected faultline JSONL, Jepsen "
                      "EDN, Porcupine kv lines or jepsen.util log lines); name it with --format"};
  }
  Expected<HistoryFile> file = InputError{std::string(name), "unknown format"};
  switch (*chosen) {
    case HistoryFormat::jsonl:
      file = detail::read_jsonl_history(text, name);
      break;
    case HistoryFormat::jepsen_log:
      file = detail::read_jepsen_log_history(text, name);
      break;
    case HistoryFormat::edn:
    case HistoryFormat::porcupine:
      file = detail::read_edn_history(text, name, format);
      break;
  }
  if (file.ok() && file->history.ops.empty()) return empty_history(text, name, *chosen);
  return file;
}

namespace {

// The whole file, or an error once it is larger than max_bytes.
Expected<std::string> read_file_capped(const std::string& path, std::uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InputError{path, std::string("cannot open: ") + std::strerror(errno)};
  return read_capped(in, path, max_bytes, "raise it with --max-input-bytes");
}

}  // namespace

Expected<HistoryFile> read_history_file(const std::string& path,
                                        std::optional<HistoryFormat> format,
                                        std::uint64_t max_input_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return InputError{path, "is a directory, not a history file"};
  Expected<std::string> text = read_file_capped(path, max_input_bytes);
  if (!text) return text.error();
  return parse_history(*text, path, format);
}

Expected<nlohmann::json> parse_value_text(std::string_view text) {
  if (auto bad = detail::first_invalid_utf8(text)) {
    return InputError{"", "not UTF-8 text: " + detail::found_at(text, *bad, "") + " at byte " +
                              std::to_string(*bad + 1)};
  }
  nlohmann::json value;
  auto json_error = detail::read_json(text, value);
  if (!json_error) return value;
  auto column = [&](std::size_t offset) {
    return "column " + std::to_string(detail::position_of(text, offset).column);
  };
  // Well-formed JSON that breaks a limit (too deep, an integer beyond 64 bits) is that
  // error; EDN would refuse it too.
  if (!json_error->syntax)
    return InputError{"", column(json_error->offset) + ": " + json_error->message()};
  // Not JSON; EDN is the other notation users of Jepsen write.
  detail::EdnError edn_error;
  if (!detail::parse_edn_value(text, value, edn_error)) {
    return InputError{"", "'" + detail::brief_text(text) + "' is neither JSON (" +
                              column(json_error->offset) + ": " + json_error->message() +
                              ") nor EDN (line " + std::to_string(edn_error.line) + ", column " +
                              std::to_string(edn_error.column) + ": " + edn_error.what + ")"};
  }
  return value;
}

}  // namespace faultline::checker
