#pragma once
// Helpers shared by the verbs: naming protocols, parsing --set, seeds and counts, writing
// outputs safely (and removing unfinished ones on Ctrl-C), reporting errors (as a JSON line
// too, with --json), printing run summaries, mapping verdicts to exit statuses.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "sim/simulation.hpp"

namespace faultline::cli {

// The protocol of that name, or BadInput naming `where` and listing the known ones.
const protocols::Protocol& protocol_named(const std::string& name, const std::string& where);

// NAME=VALUE pairs from repeated --set flags.
protocols::Options parse_sets(const std::vector<std::string>& sets);

// A seed: a decimal integer in [0, 2^64-1] and nothing else (no sign, space, hex or empty
// text). Every verb's --seed goes through this, so `--seed -1` (which would wrap to 2^64-1)
// and `--seed 18446744073709551616` are usage errors, never another run.
std::optional<std::uint64_t> parse_seed(std::string_view text);
// A count: a decimal integer in [0, max] (so `--max-events -1` is an error).
std::optional<std::uint64_t> parse_count(
    std::string_view text, std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

// CLI11 validators on those parsers: the error names the flag and what was expected.
CLI::Validator seed_validator();
CLI::Validator count_validator(std::uint64_t min = 0,
                               std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
CLI::Validator seconds_validator();  // a finite number of seconds in [0, 1e9]

// A file a verb reads or writes, named by its flag ("--trace", or "history" for a
// positional argument). Empty paths are skipped.
struct PathUse {
  std::string flag;
  std::string path;
  bool output = true;
};

// Throws BadInput, before any work, when two outputs name the same file (compared as
// weakly canonical paths, so ./t.json and t.json, or a symlink and its target, match), one
// output's temporary file (PATH.partial) is another's path, or an output is an input.
void check_distinct_paths(const std::vector<PathUse>& paths);

// Whether two paths name one file: the same file when both exist (hard links too),
// else the same weakly canonical absolute path, symbolic links followed (link_target).
bool same_file(const std::string& a, const std::string& b);

// The file a path names once its symbolic links are followed, as an absolute path without
// links in its folders, also when the last link dangles (the file it names does not exist
// yet: writing through the link creates it, as a shell's `>` does). Throws BadInput (with
// `flag`) for a loop of links or more than 40 in a chain, where the kernel gives up.
std::filesystem::path link_target(const std::string& path, const std::string& flag);

// Where OutputFile writes PATH before it is complete: beside the file it names.
std::string partial_path(const std::string& path, const std::string& flag);

// An output directory (fuzz --out, explore --out): created if missing, and checked writable
// before any work, so a typo does not cost a campaign or an exploration. Throws BadInput.
void check_out_dir(const std::string& dir, const std::string& flag);

// The stream for a command's report (its summary and the "trace: FILE" lines): standard
// output, unless one of `paths` is standard output itself (/dev/stdout, or the file
// standard output is redirected to), where a report after the file's contents would
// corrupt them (`run --trace /dev/stdout | jq`): then standard error.
std::ostream& report_stream(const std::vector<PathUse>& paths);

// The kinds of a random fault schedule that `protocol` does not claim to tolerate, in
// the schedule's order. They run as asked; a violation under them may be the fault's
// doing, which run and fuzz say.
std::vector<std::string> untolerated_faults(const protocols::Protocol& protocol,
                                            const sim::FaultProfile& faults);
// "note: P does not claim to tolerate K1, K2 (...): a violation may be the fault's doing,
// not a bug", or "" when every kind is tolerated.
std::string untolerated_note(const protocols::Protocol& protocol, const sim::FaultProfile& faults);

// Writes generated text to a file of an output directory (fuzz --out, explore --out) and
// returns its path: STEM.json, else STEM-2.json, STEM-3.json...: the first name that is
// free or already holds exactly this text. A different file there (an earlier campaign's,
// the user's) is never replaced, and a rerun finds its own file instead of adding a copy.
// A link, even a dangling one, takes its name. Written atomically (OutputFile).
std::string save_in_out_dir(const std::string& stem, const std::string& text);

// An output file written beside its final path and renamed into place on commit(), so a
// failed or interrupted run never leaves a truncated file. Opening checks the directory
// is writable before any work is done. An empty path means no output. While open, the
// interrupt handler knows it: Ctrl-C removes the unfinished file and says so.
// A symbolic link is followed (link_target): the file it names is written beside it and
// renamed into place, so the link stays and a dangling link's file is created. A path that
// is not a regular file once followed (a device such as /dev/null, a pipe, /dev/stdout) is
// kept in memory and written through the path on commit(): renaming a file over it would
// replace the device.
class OutputFile {
 public:
  OutputFile(std::string path, std::string flag);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  explicit operator bool() const { return !path_.empty(); }
  std::ostream& stream() { return through_ ? static_cast<std::ostream&>(held_) : out_; }
  void commit();

 private:
  std::string path_;    // as given, for messages
  std::string target_;  // the file written: path_ with its links followed
  std::string temp_;
  std::string flag_;
  std::ofstream out_;
  bool through_ = false;     // written through the path on commit (see above)
  std::ostringstream held_;  // what is written through, until then
  bool committed_ = false;
  int slot_ = -1;  // in the interrupt handler's table, or -1
};

// SIGINT and SIGTERM: remove every unfinished output (OutputFile), say what was removed
// and what was kept, and exit 130 (143 for SIGTERM). Installed once, by main.
void install_interrupt_handler();

// With --json anywhere on the command line, every error also ends standard output with
// {"error": MESSAGE, "exit": STATUS} (DESIGN.md §6: the last line is one JSON object).
void set_json_errors(bool on);
bool json_errors();
// Prints "faultline VERB: MESSAGE" to standard error (and the JSON line); returns status.
int report_error(std::string_view verb, const std::string& message, int status = kExitBadInput);

int exit_status_for(sim::Verdict verdict);

// Human form: one line of verdict and numbers, then one line per finding. With json,
// the summary object as the last line instead.
void print_run_summary(std::ostream& out, const sim::Simulation& sim, const sim::RunResult& result,
                       const nlohmann::json& summary, bool json);

// The client history as JSONL (docs/formats.md). Its header names the model and initial
// state the run checked it with, so that `faultline check FILE` judges it the same way
// (2PC's accounts start with balances: from {} every transfer looked impossible).
void write_history(std::ostream& out, const sim::ClientHistory& history,
                   const protocols::Checks& checks);

}  // namespace faultline::cli
