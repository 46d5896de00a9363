#pragma once
// Reading a history from text in the checker's tests: what the reader refused, or what it read.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include <checker/history_io.hpp>

namespace faultline::checker::testing {

// The reader's message for text it must refuse (read as the file "h.txt").
inline std::string error_of(std::string_view text, std::optional<HistoryFormat> format = {}) {
  auto file = parse_history(text, "h.txt", format);
  REQUIRE_FALSE(file.ok());
  return file.error().message();
}

// The file read from text it must accept.
inline HistoryFile parse_file_ok(std::string_view text, std::optional<HistoryFormat> format = {}) {
  auto file = parse_history(text, "h.txt", format);
  REQUIRE_MESSAGE(file.ok(), (file.ok() ? "" : file.error().message()));
  return std::move(*file);
}

}  // namespace faultline::checker::testing
