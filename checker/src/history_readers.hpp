#pragma once
// The readers of each history format (history_io.cpp picks one). Each fills a
// HistoryFile or returns an error naming `name`, the line, and what was expected.
#include <optional>
#include <string>
#include <string_view>

#include "checker/history_io.hpp"

namespace faultline::checker::detail {

Expected<HistoryFile> read_jsonl_history(std::string_view text, std::string_view name);
// format: edn or porcupine when forced; nullopt lets the content decide between them.
Expected<HistoryFile> read_edn_history(std::string_view text, std::string_view name,
                                       std::optional<HistoryFormat> format);
Expected<HistoryFile> read_jepsen_log_history(std::string_view text, std::string_view name);

// Calls fn(line_text, line_number) for each line, without its line ending.
template <class Fn>
bool for_each_line(std::string_view text, Fn&& fn) {
  std::uint32_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(line, number)) return false;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return true;
}

// An event type by its name: "invoke", "ok", "fail" or "info" (EDN keywords and log
// fields without their ':'); nullopt for anything else.
inline std::optional<EventType> event_type_named(std::string_view name) {
  if (name == "invoke") return EventType::invoke;
  if (name == "ok") return EventType::ok;
  if (name == "fail") return EventType::fail;
  if (name == "info") return EventType::info;
  return std::nullopt;
}

inline std::string at_line(std::string_view name, std::uint32_t line) {
  return std::string(name) + ":" + std::to_string(line);
}

}  // namespace faultline::checker::detail
