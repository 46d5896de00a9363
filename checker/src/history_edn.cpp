// Jepsen/Knossos EDN histories, and Porcupine's kv lines (the same EDN maps with :key).
// File order is the history's order; :time, :index, :error and other keys are not used.
#include <string>

#include "edn_parser.hpp"
#include "history_readers.hpp"
#include "json_values.hpp"
#include "text_input.hpp"

namespace faultline::checker::detail {
namespace {

struct EdnOp {
  bool client = true;  // false: a :nemesis op, not a client operation
  Event event;
};

std::optional<std::string> read_type(const nlohmann::json& map, EventType& type) {
  auto it = map.find("type");
  if (it == map.end()) return "expected a :type (:invoke, :ok, :fail or :info)";
  const std::optional<EventType> named =
      it->is_string() ? event_type_named(it->get_ref<const std::string&>()) : std::nullopt;
  if (!named) return ":type is " + short_text(*it, 60) + "; expected :invoke, :ok, :fail or :info";
  type = *named;
  return std::nullopt;
}

std::optional<std::string> read_process(const nlohmann::json& map, EdnOp& op) {
  auto it = map.find("process");
  if (it == map.end()) return std::string("expected a :process");
  if (it->is_string() && it->get<std::string>() == "nemesis") {
    op.client = false;
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    return ":process is " + short_text(*it, 60) + "; expected an integer or :nemesis";
  }
  op.event.process = it->get<std::int64_t>();
  return std::nullopt;
}

std::optional<std::string> to_op(const nlohmann::json& map, EdnOp& op) {
  if (!map.is_object())
    return "expected an operation map {:process ..}, found " + short_text(map, 60);
  if (auto error = read_process(map, op)) return error;
  if (!op.client) return std::nullopt;
  if (auto error = read_type(map, op.event.type)) return error;
  auto f = map.find("f");
  if (f == map.end()) return std::string("expected an :f (the operation's name)");
  if (!f->is_string() || f->get_ref<const std::string&>().empty()) {
    return ":f is " + short_text(*f, 60) + "; expected a keyword (the operation's name)";
  }
  op.event.f = f->get<std::string>();
  auto value = map.find("value");
  if (value != map.end()) op.event.value = *value;
  auto key = map.find("key");
  if (key != map.end() && !key->is_null()) {
    op.event.key = key->is_string() ? key->get<std::string>() : key->dump();
  }
  return std::nullopt;
}

class EdnHistoryReader {
 public:
  EdnHistoryReader(std::string_view text, std::string_view name) : reader_(text), name_(name) {}

  std::optional<InputError> read_all();
  bool all_keyed() const { return keyed_ops_ > 0 && keyed_ops_ == client_events_; }
  History finish() && { return std::move(builder_).finish(); }

 private:
  std::optional<InputError> read_collection(char close);
  std::optional<InputError> read_one(int depth);
  InputError parse_error() const {
    const EdnError& e = reader_.error();
    return InputError{at_line(name_, e.line) + ":" + std::to_string(e.column), e.what};
  }

  EdnReader reader_;
  std::string_view name_;
  HistoryBuilder builder_;
  std::size_t client_events_ = 0;
  std::size_t keyed_ops_ = 0;
};

std::optional<InputError> EdnHistoryReader::read_all() {
  char first = reader_.peek();
  if (!reader_.error().what.empty()) return parse_error();
  if (first == '[' || first == '(') {
    reader_.advance();
    if (auto error = read_collection(first == '[' ? ']' : ')')) return error;
    if (!reader_.at_end()) {
      if (!reader_.error().what.empty()) return parse_error();
      return InputError{at_line(name_, reader_.line()),
                        "unexpected text after the history's closing bracket"};
    }
    return std::nullopt;
  }
  while (!reader_.at_end()) {
    if (auto error = read_one(0)) return error;
  }
  if (!reader_.error().what.empty()) return parse_error();
  return std::nullopt;
}

std::optional<InputError> EdnHistoryReader::read_collection(char close) {
  for (;;) {
    char next = reader_.peek();
    if (!reader_.error().what.empty()) return parse_error();
    if (next == '\0') {
      return InputError{at_line(name_, reader_.line()),
                        std::string("expected '") + close + "' to close the history"};
    }
    if (next == close) {
      reader_.advance();
      return std::nullopt;
    }
    if (auto error = read_one(1)) return error;  // inside the history's collection
  }
}

std::optional<InputError> EdnHistoryReader::read_one(int depth) {
  reader_.peek();
  std::uint32_t line = reader_.line();
  nlohmann::json form;
  if (!reader_.read(form, depth)) return parse_error();
  EdnOp op;
  op.event.line = line;
  if (auto error = to_op(form, op)) return InputError{at_line(name_, line), *error};
  if (!op.client) return std::nullopt;
  ++client_events_;
  if (op.event.key) ++keyed_ops_;
  if (auto error = builder_.add(std::move(op.event)))
    return InputError{at_line(name_, line), *error};
  return std::nullopt;
}

}  // namespace

Expected<HistoryFile> read_edn_history(std::string_view text, std::string_view name,
                                       std::optional<HistoryFormat> format) {
  EdnHistoryReader reader(text, name);
  if (auto error = reader.read_all()) return *error;
  bool porcupine = format ? *format == HistoryFormat::porcupine : reader.all_keyed();
  HistoryFile file;
  file.history = std::move(reader).finish();
  if (porcupine) {
    // Porcupine's kv service answers "" for a key never written.
    file.format = HistoryFormat::porcupine;
    file.default_model = "kv";
    file.default_init = "";
  } else {
    // Knossos reads an ok read of nil as "value not known".
    file.format = HistoryFormat::edn;
    file.model_options.nil_read_is_unknown = true;
  }
  return file;
}

}  // namespace faultline::checker::detail
