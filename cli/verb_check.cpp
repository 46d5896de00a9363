// `faultline check HISTORY`: is a recorded history linearizable? Reads any of the four
// history formats, picks the model the format or the operations suggest unless --model
// says, and prints the verdict (and for a failure, why). Exit 0 linearizable, 1 not,
// 3 unknown (a budget ran out), 2 bad usage or bad input.
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <optional>
#include <string>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>
#include <checker/input_limits.hpp>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "verbs.hpp"

namespace faultline::cli {
namespace {

namespace ck = faultline::checker;

struct CheckFlags {
  std::string history_path;
  std::string model;
  std::string init;
  std::string format;
  std::string failed_cas;
  std::string html_path;
  double timeout_s = 60;
  std::uint64_t max_configurations = 0;
  std::uint64_t max_input_bytes = ck::kDefaultMaxInputBytes;
  std::uint64_t memory_mb = 1024;
  unsigned threads = 0;
  bool json = false;
};

int bad_input(const std::string& message) {
  return report_error("check", message);
}

// What the command line shows of a value: long ones keep their head and tail.
std::string shown(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= 200) return text;
  return text.substr(0, 140) + "…(" + std::to_string(text.size()) + " chars)";
}

// "line 12" from the checker becomes "FILE:12", the usual place format.
std::string located(const ck::InputError& error, const std::string& path) {
  if (error.where.rfind("line ", 0) == 0)
    return path + ":" + error.where.substr(5) + ": " + error.what;
  if (error.where.empty()) return path + ": " + error.what;
  return path + ": " + error.message();
}

struct Setup {
  ck::HistoryFile file;
  std::unique_ptr<ck::Model> model;
  nlohmann::json init;
  bool model_inferred = false;
};

std::optional<std::string> prepare(const CheckFlags& flags, Setup& setup) {
  std::optional<ck::HistoryFormat> format;
  if (!flags.format.empty()) format = ck::parse_history_format(flags.format);
  auto file = ck::read_history_file(flags.history_path, format, flags.max_input_bytes);
  if (!file) return file.error().message();
  setup.file = std::move(*file);
  std::string model_name = flags.model;
  if (model_name.empty()) {
    model_name = setup.file.default_model.value_or(ck::infer_model(setup.file.history));
    setup.model_inferred = true;
  }
  setup.init = setup.file.default_init;
  if (!flags.init.empty()) {
    auto init = ck::parse_value_text(flags.init);
    if (!init) return "--init: " + init.error().what;
    setup.init = *init;
  }
  ck::ModelOptions options = setup.file.model_options;
  if (!flags.failed_cas.empty()) options.failed_cas_observes = flags.failed_cas == "observes";
  auto model = ck::make_model(model_name, setup.init, options);
  if (!model) {
    // A model or initial state the history's header named is located there, not blamed
    // on a flag the user did not give.
    ck::InputError error = model.error();
    const bool header_model = flags.model.empty() && setup.file.default_model.has_value();
    const bool header_init = flags.init.empty() && !setup.file.default_init.is_null();
    if ((error.where == "--model" && header_model) || (error.where == "--init" && header_init)) {
      const std::string field = error.where == "--model" ? "model" : "init";
      return flags.history_path + ":1: $." + field + ": " + error.what +
             " (the history's header names it; --" + field + " overrides it)";
    }
    return error.message();
  }
  setup.model = std::move(*model);
  return std::nullopt;
}

void print_summary(const CheckFlags& flags, const Setup& setup, const ck::CheckResult& result) {
  std::cout << flags.history_path << ": " << result.ops << " operations ("
            << ck::to_string(setup.file.format) << "), model " << result.model
            << (setup.model_inferred ? " (from the history)" : "") << ", initial state "
            << shown(setup.init) << "\n";
  std::cout << ck::explain_text(setup.file.history, *setup.model, result);
  std::cout << "search: " << std::fixed << std::setprecision(3) << result.elapsed_ms << " ms\n"
            << std::defaultfloat;
}

int exit_status(ck::Verdict verdict) {
  switch (verdict) {
    case ck::Verdict::linearizable:
      return kExitOk;
    case ck::Verdict::not_linearizable:
      return kExitCheckFailed;
    case ck::Verdict::unknown:
      return kExitUnknown;
  }
  return kExitUnknown;
}

void print_json(const ck::CheckResult& result) {
  nlohmann::json summary = {{"verdict", ck::to_string(result.verdict)},
                            {"model", result.model},
                            {"ops", result.ops},
                            {"partitions", result.parts.size()},
                            {"configurations", result.configurations},
                            {"elapsed_ms", result.elapsed_ms}};
  if (result.verdict == ck::Verdict::unknown) summary["reason"] = result.unknown_reason;
  std::cout << summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// Outputs are checked before the history is read: a wrong path never costs a long search,
// and --html may not overwrite the history it explains.
int run_check(const CheckFlags& flags) {
  if (!flags.format.empty() && !ck::parse_history_format(flags.format)) {
    return bad_input("--format: '" + flags.format +
                     "' is not a format (jsonl, edn, porcupine, jepsen-log)");
  }
  check_distinct_paths({{"history", flags.history_path, false}, {"--html", flags.html_path}});
  OutputFile html(flags.html_path, "--html");
  Setup setup;
  if (auto error = prepare(flags, setup)) return bad_input(*error);
  ck::CheckOptions options;
  options.max_configurations = flags.max_configurations;
  options.timeout_s = flags.timeout_s;
  options.memory_bytes_max = flags.memory_mb << 20;
  options.threads = flags.threads;
  options.want_witness = static_cast<bool>(html);
  if (isatty(STDERR_FILENO)) {
    std::cerr << "checking " << setup.file.history.ops.size() << " operations...\n";
  }
  auto result = ck::check(setup.file.history, *setup.model, options);
  if (!result) return bad_input(located(result.error(), flags.history_path));
  print_summary(flags, setup, *result);
  if (html) {
    html.stream() << ck::explain_html(setup.file.history, *setup.model, *result,
                                      "faultline check: " + flags.history_path);
    html.commit();
    std::cout << "explanation page: " << flags.html_path << "\n";
  }
  if (flags.json) print_json(*result);
  return exit_status(result->verdict);
}

}  // namespace

Verb add_check_verb(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* command = app.add_subcommand("check", "check a history for linearizability");
  command
      ->add_option("history", flags->history_path,
                   "history file: faultline JSONL, Jepsen EDN, Porcupine kv lines or "
                   "jepsen.util log lines")
      ->required();
  command->add_option("--model", flags->model,
                      "register, cas-register, kv, multi-register, set, queue, mutex "
                      "(default: what the history's format or operations suggest)");
  command->add_option("--init", flags->init,
                      "the model's initial state, JSON or EDN, e.g. 0 or '{\"x\":0,\"y\":0}'");
  command->add_option("--format", flags->format,
                      "jsonl, edn, porcupine or jepsen-log (default: detected)");
  command
      ->add_option("--timeout", flags->timeout_s,
                   "search time budget in seconds (wall clock); 0: none (default 60)")
      ->check(seconds_validator());
  command
      ->add_option("--max-configurations", flags->max_configurations,
                   "work budget: configurations explored, all parts together; the same "
                   "verdict on every machine; 0: none (default)")
      ->check(count_validator());
  command
      ->add_option("--max-input-bytes", flags->max_input_bytes,
                   "refuse a history file larger than this (default 268435456, 256 MiB)")
      ->check(count_validator(1, ck::kMaxInputBytesLimit));
  command->add_option("--memory-mb", flags->memory_mb, "search memory budget in MiB (default 1024)")
      ->check(count_validator(1, 1ULL << 30));
  command->add_option("--threads", flags->threads, "parts checked at once (default: one per core)")
      ->check(count_validator(0, 1024));
  command
      ->add_option("--failed-cas", flags->failed_cas,
                   "a failed cas: no-effect (default) or observes (the value differed)")
      ->check(CLI::IsMember({"no-effect", "observes"}));
  command->add_option("--html", flags->html_path,
                      "write a self-contained HTML page explaining the result");
  command->add_flag("--json", flags->json, "print a JSON summary as the last line");
  return Verb{command, [flags] {
                try {
                  return run_check(*flags);
                } catch (const protocols::BadInput& e) {
                  return bad_input(e.what());
                }
              }};
}

}  // namespace faultline::cli
