// Jepsen's log lines, as Porcupine's etcd test data holds them:
//   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
// Fields after "jepsen.util - " are separated by runs of whitespace: process, type, f, and
// the rest of the line is the value (EDN). Lines that are not op lines are ignored. The
// model is a cas-register starting at nil; `:ok :read nil` reads nil.
#include <charconv>
#include <string>

#include "edn_parser.hpp"
#include "history_readers.hpp"

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

enum class LineKind { not_an_op, nemesis, client, bad_type };

// Splits an op line; returns not_an_op for any other line, and bad_type for a client's
// op line whose type is not one of the four (a corrupt line, not one to skip).
LineKind split(std::string_view line, std::string_view& process, EventType& type,
               std::string_view& f, std::string_view& value) {
  std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return LineKind::not_an_op;
  std::string_view rest = line.substr(at + kMarker.size());
  process = next_field(rest);
  const std::string_view type_field = next_field(rest);
  auto parsed_type = type_of(type_field);
  f = next_field(rest);
  if (f.size() < 2 || f[0] != ':') return LineKind::not_an_op;
  if (!parsed_type) {
    value = type_field;
    return is_integer(process) && type_field.starts_with(':') ? LineKind::bad_type
                                                             : LineKind::not_an_op;
  }
  type = *parsed_type;
  std::size_t start = rest.find_first_not_of(" \t");
  value = start == std::string_view::npos ? std::string_view() : rest.substr(start);
  if (process == ":nemesis") return LineKind::nemesis;
  return is_integer(process) ? LineKind::client : LineKind::not_an_op;
}

std::optional<std::string> to_event(std::string_view process, EventType type, std::string_view f,
                                    std::string_view value_text, Event& event) {
  auto parsed = std::from_chars(process.data(), process.data() + process.size(), event.process);
  if (parsed.ec != std::errc())
    return "the process " + std::string(process) + " does not fit in 64 bits";
  event.type = type;
  event.f = std::string(f.substr(1));
  if (value_text.empty()) return "expected a value after " + std::string(f);
  EdnError error;
  if (!parse_edn_value(value_text, event.value, error)) {
    // An :info line's value is an error description, which need not be EDN.
    if (type == EventType::info) {
      event.value = std::string(value_text);
      return std::nullopt;
    }
    return "the value '" + std::string(value_text) + "' is not EDN: " + error.what;
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
    if (kind == LineKind::bad_type) {
      error = InputError{at_line(name, number), "the type " + std::string(value) +
                                                    " is not :invoke, :ok, :fail or :info"};
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
