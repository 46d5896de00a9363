// Jepsen's log lines, as Porcupine's etcd test data holds them:
//   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
// Fields after "jepsen.util - " are separated by runs of whitespace: process, type, f, and
// the rest of the line is the value (EDN). Lines that are not op lines are ignored. The
// model is a cas-register starting at nil; `:ok :read nil` reads nil.
#include <charconv>
#include <string>

#include "edn_parser.hpp"
#include "history_readers.hpp"
#include "text_input.hpp"

namespace faultline::checker::detail {
namespace {

constexpr std::string_view kMarker = "jepsen.util - ";

std::string_view next_field(std::string_view& rest) {
  std::size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  std::size_t end = rest.find_first_of(" \t");
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

std::optional<EventType> type_of(std::string_view field) {
  if (!field.starts_with(':')) return std::nullopt;
  return event_type_named(field.substr(1));
}

bool is_integer(std::string_view text) {
  std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  return text.size() > start &&
         text.find_first_not_of("0123456789", start) == std::string_view::npos;
}

bool looks_like_data(std::string_view value) {
  const char c = value.empty() ? ' ' : value[0];
  const bool digit = (c >= '0' && c <= '9') || ((c == '-' || c == '+') && value.size() > 1 &&
                                                value[1] >= '0' && value[1] <= '9');
  return digit || c == '[' || c == '{' || c == '(' || c == '#' || c == '"';
}

enum class LineKind { not_an_op, nemesis, client, bad_type, bad_process, no_f };

// Splits an op line; returns not_an_op for any other line. A line is an op line when its
// type field is :invoke, :ok, :fail or :info, or when its process is an integer and the
// next field a keyword. A corrupt op line is an error, not a line to skip: a type that is
// none of the four (bad_type), a process that is neither an integer nor :nemesis
// (bad_process), a missing operation name (no_f).
LineKind split(std::string_view line, std::string_view& process, EventType& type,
               std::string_view& f, std::string_view& value) {
  std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return LineKind::not_an_op;
  std::string_view rest = line.substr(at + kMarker.size());
  process = next_field(rest);
  const std::string_view type_field = next_field(rest);
  auto parsed_type = type_of(type_field);
  f = next_field(rest);
  const bool has_f = f.size() >= 2 && f[0] == ':';
  if (process == ":nemesis") return parsed_type && has_f ? LineKind::nemesis : LineKind::not_an_op;
  if (!parsed_type) {
    value = type_field;
    const bool keyword = type_field.size() > 1 && type_field[0] == ':';
    return is_integer(process) && keyword ? LineKind::bad_type : LineKind::not_an_op;
  }
  if (!is_integer(process)) return LineKind::bad_process;
  if (!has_f) return LineKind::no_f;
  type = *parsed_type;
  std::size_t start = rest.find_first_not_of(" \t");
  value = start == std::string_view::npos ? std::string_view() : rest.substr(start);
  return LineKind::client;
}

// The error for a corrupt op line, or nullopt.
std::optional<std::string> line_problem(LineKind kind, std::string_view process, std::string_view f,
                                        std::string_view value) {
  switch (kind) {
    case LineKind::bad_type:
      return "the type " + brief_text(value) + " is not :invoke, :ok, :fail or :info";
    case LineKind::bad_process:
      return "the process '" + brief_text(process) + "' is not an integer or :nemesis";
    case LineKind::no_f:
      return "expected the operation's name (a keyword such as :read) after the process and "
             "the type, found " +
             (f.empty() ? std::string("the end of the line") : "'" + brief_text(f) + "'");
    default:
      return std::nullopt;
  }
}

std::optional<std::string> to_event(std::string_view process, EventType type, std::string_view f,
                                    std::string_view value_text, Event& event) {
  auto parsed = std::from_chars(process.data(), process.data() + process.size(), event.process);
  if (parsed.ec != std::errc())
    return "the process " + brief_text(process) + " does not fit in 64 bits";
  event.type = type;
  event.f = std::string(f.substr(1));
  if (value_text.empty()) return "expected a value after " + std::string(f);
  EdnError error;
  // The line is one level, as a JSONL line's object is: the value may open 255 more.
  if (!parse_edn_value(value_text, event.value, error, 1)) {
    // An :info line's value may be free text ("indeterminate: Read timed out"), but one that
    // starts like EDN data (a bracket, a quote, a tag, a number) must be EDN: "[1 4" is a
    // cut line, not a description.
    if (type == EventType::info && !looks_like_data(value_text)) {
      event.value = std::string(value_text);
      return std::nullopt;
    }
    return "the value '" + brief_text(value_text) + "' is not EDN: " + error.what;
  }
  return std::nullopt;
}

}  // namespace

Expected<HistoryFile> read_jepsen_log_history(std::string_view text, std::string_view name) {
  HistoryBuilder builder;
  std::optional<InputError> error;
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    std::string_view process, f, value;
    EventType type = EventType::invoke;
    const LineKind kind = split(line, process, type, f, value);
    if (auto problem = line_problem(kind, process, f, value)) {
      error = InputError{at_line(name, number), *problem};
      return false;
    }
    if (kind != LineKind::client) return true;
    Event event;
    event.line = number;
    auto problem = to_event(process, type, f, value, event);
    if (!problem) problem = builder.add(std::move(event));
    if (problem) error = InputError{at_line(name, number), *problem};
    return !problem;
  });
  if (error) return *error;
  HistoryFile file;
  file.format = HistoryFormat::jepsen_log;
  file.history = std::move(builder).finish();
  file.default_model = "cas-register";
  return file;
}

}  // namespace faultline::checker::detail
