#pragma once
// Reading histories from files, in four formats (docs/checker.md describes each):
//   jsonl       ours (DESIGN.md §5): optional header {"format":"faultline-history","version":1},
//               then one event object per line; `time` (ns) orders events and must not run
//               backwards.
//   edn         Jepsen/Knossos: a vector or list of op maps, or one map per line; `;`
//               comments; :process :nemesis ops are not client ops; file order is the order
//               (:time is not used: Jepsen's clocks need not be monotone across processes).
//   porcupine   Porcupine's kv lines: edn maps with :key; model kv, every key starting at "".
//   jepsen-log  `jepsen.util` log lines; cas-register starting at nil; other lines ignored.
// Every error names the file and the line (or JSON path) and what was expected.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "checker/history.hpp"
#include "checker/input_error.hpp"
#include "checker/input_limits.hpp"
#include "checker/model.hpp"

namespace faultline::checker {

enum class HistoryFormat : std::uint8_t { jsonl, edn, porcupine, jepsen_log };

std::string_view to_string(HistoryFormat format);
std::optional<HistoryFormat> parse_history_format(std::string_view name);

struct HistoryFile {
  History history;
  HistoryFormat format = HistoryFormat::jsonl;
  // What the format implies when the user does not say: a model, its initial state, options.
  std::optional<std::string> default_model;
  nlohmann::json default_init;
  ModelOptions model_options;
};

// Reads at most max_input_bytes (a bigger file is an error naming the cap). A UTF-8
// byte-order mark at the start is skipped; text that is not UTF-8 is an error; a history
// with no client operations is an error (it would prove nothing). docs/checker.md.
Expected<HistoryFile> read_history_file(const std::string& path,
                                        std::optional<HistoryFormat> format = std::nullopt,
                                        std::uint64_t max_input_bytes = kDefaultMaxInputBytes);
Expected<HistoryFile> parse_history(std::string_view text, std::string_view name,
                                    std::optional<HistoryFormat> format = std::nullopt);

// A value given on the command line (e.g. --init): JSON, or EDN ({:x 0, :y 0}), under the
// same limits as values in histories (kMaxNestingDepth, 64-bit integers, UTF-8).
Expected<nlohmann::json> parse_value_text(std::string_view text);

}  // namespace faultline::checker
