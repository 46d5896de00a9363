// Our JSONL history (DESIGN.md §5): an optional header line
//   {"format":"faultline-history","version":1}
// (optionally with "model" and "init": what the run that wrote it checked it with)
// then one event per line:
//   {"process":0,"type":"invoke","f":"put","key":"x","value":"1","time":1200}
// Events are in time order; `time` (integer ns) must not run backwards.
#include <algorithm>
#include <string>

#include "history_readers.hpp"
#include "json_reader.hpp"
#include "json_values.hpp"
#include "text_input.hpp"

namespace faultline::checker::detail {
namespace {

constexpr std::string_view kFormatName = "faultline-history";
constexpr std::int64_t kFormatVersion = 1;

using FieldError = std::optional<std::string>;

bool is_plain_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `found`: the field's value, or nullptr when the field is missing.
FieldError field_error(std::string_view field, std::string_view expected,
                       const nlohmann::json* found) {
  return "$." + std::string(field) + ": expected " + std::string(expected) + ", found " +
         (found ? short_text(*found, 60) : std::string("nothing"));
}

FieldError read_type(const nlohmann::json& line, EventType& type) {
  auto it = line.find("type");
  const std::optional<EventType> named = it != line.end() && it->is_string()
                                             ? event_type_named(it->get_ref<const std::string&>())
                                             : std::nullopt;
  if (!named) {
    return field_error("type", "\"invoke\", \"ok\", \"fail\" or \"info\"",
                       it == line.end() ? nullptr : &*it);
  }
  type = *named;
  return std::nullopt;
}

FieldError read_integer(const nlohmann::json& line, std::string_view field, std::int64_t& out) {
  auto it = line.find(field);
  if (it == line.end() || !it->is_number_integer()) {
    return field_error(field, "an integer", it == line.end() ? nullptr : &*it);
  }
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX) {
    return field_error(field, "an integer below 2^63", &*it);
  }
  out = it->get<std::int64_t>();
  return std::nullopt;
}

FieldError read_strings(const nlohmann::json& line, Event& event) {
  auto f = line.find("f");
  if (f != line.end()) {
    if (!f->is_string()) return field_error("f", "a string (the operation's name)", &*f);
    event.f = f->get<std::string>();
  } else if (event.type == EventType::invoke) {
    return field_error("f", "a string (the operation's name)", nullptr);
  }
  auto key = line.find("key");
  if (key != line.end() && !key->is_null()) {
    if (!key->is_string()) return field_error("key", "a string", &*key);
    event.key = key->get<std::string>();
  }
  return std::nullopt;
}

// A field we do not know is a typo or another format, never something to skip: "vlaue"
// would otherwise leave the value null without a word.
FieldError unknown_field(const nlohmann::json& line, std::initializer_list<std::string_view> known,
                         std::string_view what) {
  for (auto it = line.begin(); it != line.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    return "$" +
           (is_plain_name(it.key()) ? "." + it.key()
                                    : "[" + nlohmann::json(brief_text(it.key())).dump() + "]") +
           ": unknown field; " + std::string(what);
  }
  return std::nullopt;
}

FieldError to_event(const nlohmann::json& line, Event& event) {
  if (!line.is_object()) return "expected a JSON object per line, found " + short_text(line, 60);
  if (auto error = unknown_field(line, {"process", "type", "f", "key", "value", "time"},
                                 "an event has process, type, f, key, value and time")) {
    return error;
  }
  if (auto error = read_integer(line, "process", event.process)) return error;
  if (auto error = read_type(line, event.type)) return error;
  if (auto error = read_strings(line, event)) return error;
  std::int64_t time_ns = 0;
  if (auto error = read_integer(line, "time", time_ns)) return error;
  event.time_ns = time_ns;
  auto value = line.find("value");
  if (value != line.end()) event.value = *value;
  return std::nullopt;
}

FieldError check_header(const nlohmann::json& header) {
  auto format = header.find("format");
  auto version = header.find("version");
  // Another kind of file first: its own fields are not the mistake.
  if (format != header.end() && format->is_string() && format->get<std::string>() != kFormatName) {
    std::string says = "this is a '" + brief_text(format->get<std::string>()) + "' file; expected a '" +
                       std::string(kFormatName) + "' file";
    const std::string kind = format->get<std::string>();
    if (kind == "faultline-trace") {
      says += " (a trace: `faultline viz` reads it; `faultline run --history FILE` writes a "
              "run's history)";
    } else if (kind.starts_with("faultline-scenario/")) {
      says += " (a scenario: `faultline run FILE --history H.jsonl` runs it and writes its "
              "history)";
    } else if (kind.starts_with("faultline-repro/")) {
      says += " (a repro: `faultline replay FILE --history H.jsonl` replays it and writes its "
              "history)";
    }
    return says;
  }
  if (auto error = unknown_field(header, {"format", "version", "model", "init"},
                                 "the header has format, version, model and init")) {
    return error;
  }
  if (auto model = header.find("model"); model != header.end() && !model->is_string()) {
    return field_error("model", "a model's name, such as \"kv\"", &*model);
  }
  std::string format_text =
      format->is_string() ? brief_text(format->get<std::string>()) : short_text(*format, 60);
  if (format_text != kFormatName) {
    return "this is a '" + format_text + "' file; expected a '" + std::string(kFormatName) +
           "' file";
  }
  if (version == header.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != kFormatVersion) {
    return "this is " + std::string(kFormatName) + " version " +
           (version == header.end() ? std::string("(none)") : short_text(*version, 60)) +
           "; this faultline reads version " + std::to_string(kFormatVersion);
  }
  return std::nullopt;
}

}  // namespace

namespace {

std::optional<InputError> parse_line(std::string_view line, std::string_view name,
                                     std::uint32_t number, nlohmann::json& value) {
  auto at = [&](std::size_t offset) {
    return at_line(name, number) + ":" + std::to_string(position_of(line, offset).column);
  };
  if (line.starts_with(kUtf8Bom)) {
    return InputError{at(0), "a byte-order mark (U+FEFF) may only open the file, not a line"};
  }
  if (auto error = read_json(line, value, "the end of the line")) {
    return InputError{at(error->offset), error->message()};
  }
  return std::nullopt;
}

}  // namespace

Expected<HistoryFile> read_jsonl_history(std::string_view text, std::string_view name) {
  HistoryBuilder builder;
  std::optional<std::string> model;
  nlohmann::json init;
  std::optional<InputError> error;
  bool first = true;
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return true;
    nlohmann::json value;
    if ((error = parse_line(line, name, number, value))) {
      // A JSON document over several lines (a scenario, a repro) is no JSONL: name it by
      // its format rather than by the first line's incomplete JSON.
      if (first) {
        const nlohmann::json whole = nlohmann::json::parse(text, nullptr, false);
        if (!whole.is_discarded() && whole.is_object() && whole.contains("format")) {
          if (FieldError kind = check_header(whole)) error = InputError{at_line(name, number), *kind};
        }
      }
      return false;
    }
    bool header = first && value.is_object() && value.contains("format");
    first = false;
    FieldError problem;
    if (header) {
      problem = check_header(value);
      // What the run that wrote the history checked it with: the model and its initial
      // state (2PC's accounts start with balances), used when check is not told others.
      if (!problem && value.contains("model")) model = value["model"].get<std::string>();
      if (!problem && value.contains("init")) init = value["init"];
    } else {
      Event event;
      event.line = number;
      problem = to_event(value, event);
      if (!problem) problem = builder.add(std::move(event));
    }
    if (problem) error = InputError{at_line(name, number), *problem};
    return !problem;
  });
  if (error) return *error;
  HistoryFile file;
  file.format = HistoryFormat::jsonl;
  file.history = std::move(builder).finish();
  file.default_model = std::move(model);
  file.default_init = std::move(init);
  return file;
}

}  // namespace faultline::checker::detail
