// Picks a history reader: by --format, or by the file's first characters.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edn_parser.hpp"
#include "history_readers.hpp"

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

Expected<HistoryFile> parse_history(std::string_view text, std::string_view name,
                                    std::optional<HistoryFormat> format) {
  std::optional<HistoryFormat> chosen = format ? format : detect_format(text);
  if (!chosen) {
    return InputError{std::string(name),
                      "cannot tell the history's format (expected faultline JSONL, Jepsen "
                      "EDN, Porcupine kv lines or jepsen.util log lines); name it with --format"};
  }
  switch (*chosen) {
    case HistoryFormat::jsonl:
      return detail::read_jsonl_history(text, name);
    case HistoryFormat::jepsen_log:
      return detail::read_jepsen_log_history(text, name);
    case HistoryFormat::edn:
    case HistoryFormat::porcupine:
      return detail::read_edn_history(text, name, format);
  }
  return InputError{std::string(name), "unknown format"};
}

Expected<HistoryFile> read_history_file(const std::string& path,
                                        std::optional<HistoryFormat> format) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return InputError{path, "is a directory, not a history file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return InputError{path, std::string("cannot open: ") + std::strerror(errno)};
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return InputError{path, "cannot read the file"};
  return parse_history(buffer.str(), path, format);
}

Expected<nlohmann::json> parse_value_text(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error&) {
    // Not JSON; EDN is the other notation users of Jepsen write.
  }
  nlohmann::json value;
  detail::EdnError error;
  if (!detail::parse_edn_value(text, value, error)) {
    return InputError{"", "'" + std::string(text) + "' is neither JSON nor EDN: " + error.what};
  }
  return value;
}

}  // namespace faultline::checker
