#include "fuzz_inputs.hpp"

#include <cstdio>
#include <cstdlib>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "protocols/options.hpp"

namespace faultline::fuzzing {
namespace {

namespace ck = faultline::checker;

// An invariant of the readers that does not hold: abort, so libFuzzer keeps the input.
[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

void require(bool condition, const std::string& what) {
  if (!condition) broken(what);
}

// Errors must say something, and a file reader's must name the file.
void check_error(const ck::InputError& error, bool names_file) {
  require(!error.what.empty(), "an error with no text");
  if (names_file)
    require(error.where.rfind("fuzz", 0) == 0, "an error not naming the file: " + error.message());
}

// Small histories go on through what `faultline check` does after reading, on a small
// budget: the model, the search, both explanations (the search's own tests cover large
// histories; the fuzzer's time is better spent on more inputs). Whatever we accept,
// written as our JSONL, must read back the same.
constexpr std::size_t kOpsSearched = 16;
constexpr std::size_t kOpsExplainedInHtml = 8;

void check_history(const ck::HistoryFile& file) {
  auto again =
      ck::parse_history(ck::to_jsonl(file.history), "fuzz-again", ck::HistoryFormat::jsonl);
  if (!again) broken("our own JSONL of an accepted history is refused: " + again.error().message());
  require(again->history.ops.size() == file.history.ops.size(), "the JSONL round trip lost ops");
  if (file.history.ops.size() > kOpsSearched) return;
  const std::string name = file.default_model.value_or(ck::infer_model(file.history));
  auto model = ck::make_model(name, file.default_init, file.model_options);
  if (!model) return check_error(model.error(), false);
  ck::CheckOptions options;
  options.max_configurations = 2000;
  options.threads = 1;
  options.memory_bytes_max = 64 << 20;
  auto result = ck::check(file.history, **model, options);
  if (!result) return check_error(result.error(), false);
  require(!ck::explain_text(file.history, **model, *result).empty(), "an empty explanation");
  if (file.history.ops.size() <= kOpsExplainedInHtml) {
    require(!ck::explain_html(file.history, **model, *result, "fuzz").empty(), "an empty page");
  }
}

bool run_history(ck::HistoryFormat format, std::string_view data) {
  auto file = ck::parse_history(data, "fuzz", format);
  if (!file) {
    check_error(file.error(), true);
    return false;
  }
  require(!file->history.ops.empty(), "an empty history accepted");
  check_history(*file);
  return true;
}

bool run_init(std::string_view data) {
  auto value = ck::parse_value_text(data);
  if (!value) {
    check_error(value.error(), false);
    return false;
  }
  for (const ck::ModelInfo& info : ck::builtin_models()) {
    auto model = ck::make_model(info.name, *value);
    if (!model) check_error(model.error(), false);
  }
  return true;
}

// Option values as `--set NAME=VALUE` gives them to a protocol: every typed getter.
// Accepted when some getter took the value.
bool run_options(std::string_view data) {
  const std::string text(data);
  bool accepted = false;
  auto attempt = [&](auto&& read) {
    try {
      read();
      accepted = true;
    } catch (const protocols::BadInput& e) {
      require(
          std::string(e.what()).find("--set x") == 0 || std::string(e.what()).find("--time") == 0,
          std::string("an option error not naming its option: ") + e.what());
    }
  };
  attempt([&] { (void)protocols::parse_duration(text, "--time"); });
  // One option of each type, as a protocol's table declares them.
  static const std::vector<protocols::OptionTable> tables = [] {
    std::vector<protocols::OptionTable> t(5);
    t[0].duration("x", 0, 0, INT64_MAX, "a duration");
    t[1].integer("x", 0, 0, 1000, "a bounded integer");
    t[2].integer("x", 0, INT64_MIN, INT64_MAX, "any integer");
    t[3].boolean("x", false, "a flag");
    t[4].choice("x", "log", {"log", "index", "lease"}, "a choice");
    return t;
  }();
  const protocols::Options given({{"x", text}});
  for (const auto& table : tables) {
    attempt([&] { (void)protocols::OptionValues::resolve(table, given); });
  }
  return accepted;
}

}  // namespace

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {"jsonl",      "edn",  "porcupine",
                                                 "jepsen_log", "init", "options"};
  return names;
}

Target target_named(std::string_view name) {
  const auto& names = target_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Target>(i);
  }
  broken("no fuzz target named " + std::string(name));
}

bool run_one(Target target, std::string_view data) {
  switch (target) {
    case Target::jsonl:
      return run_history(ck::HistoryFormat::jsonl, data);
    case Target::edn:
      return run_history(ck::HistoryFormat::edn, data);
    case Target::porcupine:
      return run_history(ck::HistoryFormat::porcupine, data);
    case Target::jepsen_log:
      return run_history(ck::HistoryFormat::jepsen_log, data);
    case Target::init:
      return run_init(data);
    case Target::options:
      return run_options(data);
  }
  broken("unknown target");
}

}  // namespace faultline::fuzzing
