#include "cli_common.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "exit_status.hpp"

namespace faultline::cli {

const protocols::Protocol& protocol_named(const std::string& name, const std::string& where) {
  if (const protocols::Protocol* p = protocols::find_protocol(name)) return *p;
  std::string known;
  for (const auto& p : protocols::all_protocols()) known += (known.empty() ? "" : ", ") + p.name;
  throw protocols::BadInput(where, "unknown protocol '" + name + "'; known: " + known);
}

protocols::Options parse_sets(const std::vector<std::string>& sets) {
  protocols::Options options;
  for (const std::string& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw protocols::BadInput("--set " + s, "expected NAME=VALUE");
    }
    const std::string name = s.substr(0, eq);
    if (options.has(name)) throw protocols::BadInput("--set " + name, "given twice");
    options.set(name, s.substr(eq + 1));
  }
  return options;
}

OutputFile::OutputFile(std::string path, std::string flag)
    : path_(std::move(path)), flag_(std::move(flag)) {
  if (path_.empty()) return;
  namespace fs = std::filesystem;
  if (fs::is_directory(path_)) throw protocols::BadInput(flag_ + " " + path_, "is a directory");
  temp_ = path_ + ".partial";
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    throw protocols::BadInput(flag_ + " " + path_,
                              "cannot write here (does the directory exist and is it writable?)");
  }
}

OutputFile::~OutputFile() {
  if (!path_.empty() && !committed_) {
    out_.close();
    std::remove(temp_.c_str());
  }
}

void OutputFile::commit() {
  out_.flush();
  if (!out_) throw protocols::BadInput(flag_ + " " + path_, "writing failed (disk full?)");
  out_.close();
  std::filesystem::rename(temp_, path_);
  committed_ = true;
}

int report_bad_input(const std::string& verb, const protocols::BadInput& e, bool json) {
  std::cerr << "faultline " << verb << ": " << e.what() << "\n";
  if (json) std::cout << nlohmann::json{{"error", e.what()}, {"exit", kExitBadInput}}.dump() << "\n";
  return kExitBadInput;
}

void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& flag_paths) {
  namespace fs = std::filesystem;
  for (std::size_t i = 0; i < flag_paths.size(); ++i) {
    for (std::size_t j = i + 1; j < flag_paths.size(); ++j) {
      const auto& [fa, pa] = flag_paths[i];
      const auto& [fb, pb] = flag_paths[j];
      if (pa.empty() || pb.empty()) continue;
      std::error_code ea, eb;
      if (fs::weakly_canonical(pa, ea) == fs::weakly_canonical(pb, eb)) {
        throw protocols::BadInput(fa + " " + pa, "is also given to " + fb +
                                                     "; give each output its own file");
      }
    }
  }
}

int exit_status_for(sim::Verdict verdict) {
  switch (verdict) {
    case sim::Verdict::ok: return kExitOk;
    case sim::Verdict::violation: return kExitCheckFailed;
    case sim::Verdict::unknown: return kExitUnknown;
  }
  return kExitCheckFailed;
}

void print_run_summary(std::ostream& out, const sim::Simulation& sim, const sim::RunResult& result,
                       const nlohmann::json& summary, bool json) {
  if (json) {
    out << summary.dump() << '\n';
    return;
  }
  out << summary.value("protocol", "?") << " seed " << summary.value("seed", 0ULL) << ": "
      << summary.value("verdict", std::string(sim::verdict_name(result.verdict))) << " — "
      << result.events << " events, "
      << sim::format_time(result.sim_time_ns) << " simulated, " << result.stats.messages_sent
      << " messages (" << result.stats.messages_dropped << " dropped), trace hash "
      << sim::format_hash(result.trace_hash) << '\n';
  out << "stopped: " << result.stop_reason << '\n';
  if (summary.contains("checks")) {
    // The end-of-run checks (invariants that held are not news; broken ones are findings).
    std::string line;
    for (const auto& c : summary["checks"]) {
      if (!c.contains("detail") && c.value("status", "") == "held" && !c.contains("data")) continue;
      line += (line.empty() ? "" : "; ") + c.value("name", "?") + " " + c.value("status", "?");
      if (c.contains("detail")) line += " (" + c["detail"].get<std::string>() + ")";
    }
    if (!line.empty()) out << "checks: " << line << '\n';
  }
  if (summary.contains("protocol_summary") && summary["protocol_summary"].is_object()) {
    // The protocol's own counts, flattened: "leaders_elected 4, operations.ok 331, ...".
    std::string line;
    auto flatten = [&line](const auto& self, const nlohmann::json& j, const std::string& prefix) {
      if (!j.is_object()) {
        if (!line.empty()) line += ", ";
        line += prefix + " " + (j.is_string() ? j.get<std::string>() : j.dump());
        return;
      }
      for (const auto& [key, value] : j.items()) {
        if (key == "elapsed_ms") continue;  // wall time: in --json only, so this line is stable
        self(self, value, prefix.empty() ? key : prefix + "." + key);
      }
    };
    flatten(flatten, summary["protocol_summary"], "");
    if (!line.empty()) out << summary.value("protocol", "?") << ": " << line << '\n';
  }
  for (const sim::Finding& f : result.findings) out << "  " << sim::describe_finding(f, &sim) << '\n';
}

}  // namespace faultline::cli
