#pragma once
// Helpers shared by the verbs: naming protocols, parsing --set, writing outputs safely,
// printing run summaries, mapping verdicts to exit statuses.
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/registry.hpp"
#include "sim/simulation.hpp"

namespace faultline::cli {

// The protocol of that name, or BadInput naming `where` and listing the known ones.
const protocols::Protocol& protocol_named(const std::string& name, const std::string& where);

// NAME=VALUE pairs from repeated --set flags.
protocols::Options parse_sets(const std::vector<std::string>& sets);

// An output file written beside its final path and renamed into place on commit(), so a
// failed or interrupted run never leaves a truncated file. Opening checks the directory
// is writable before any work is done. An empty path means no output.
class OutputFile {
 public:
  OutputFile(std::string path, std::string flag);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  explicit operator bool() const { return !path_.empty(); }
  std::ostream& stream() { return out_; }
  void commit();

 private:
  std::string path_;
  std::string temp_;
  std::string flag_;
  std::ofstream out_;
  bool committed_ = false;
};

int exit_status_for(sim::Verdict verdict);

// Two outputs naming the same file (after resolving . and ..) are a usage error, before
// any work: the second would overwrite the first. Empty paths are not outputs.
void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& flag_paths);

// Bad input: "faultline VERB: where: what" on standard error, exit 2; with --json also
// {"error": ..., "exit": 2} as the last line of standard output.
int report_bad_input(const std::string& verb, const protocols::BadInput& e, bool json);

// Human form: one line of verdict and numbers, then one line per finding. With json,
// the summary object as the last line instead.
void print_run_summary(std::ostream& out, const sim::Simulation& sim, const sim::RunResult& result,
                       const nlohmann::json& summary, bool json);

}  // namespace faultline::cli
