#include "cli_common.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

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

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_seed(std::string_view text) {
  return parse_count(text);
}

CLI::Validator seed_validator() {
  return CLI::Validator(
      [](const std::string& text) {
        return parse_seed(text) ? std::string()
                                : "expected a seed, a decimal integer from 0 to "
                                  "18446744073709551615, got '" +
                                      text + "'";
      },
      "SEED");
}

CLI::Validator count_validator(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator(
      [min, max](const std::string& text) {
        auto value = parse_count(text, max);
        if (value && *value >= min) return std::string();
        return "expected a whole number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got '" + text + "'";
      },
      "N");
}

CLI::Validator seconds_validator() {
  return CLI::Validator(
      [](const std::string& text) {
        double seconds = -1;
        auto r = std::from_chars(text.data(), text.data() + text.size(), seconds);
        // from_chars reads "inf" and "nan" too: both are refused.
        bool ok = r.ec == std::errc() && r.ptr == text.data() + text.size() &&
                  std::isfinite(seconds) && seconds >= 0 && seconds <= 1e9;
        return ok ? std::string()
                  : "expected a number of seconds from 0 to 1e9, got '" + text + "'";
      },
      "SECONDS");
}

namespace {

// Follows `path`'s links (link_target); nullopt for a loop or a chain of more than 40.
std::optional<std::filesystem::path> follow_links(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return fs::path(path).lexically_normal();
  for (int links = 0;; ++links) {
    // The folders first, so a relative link is read from the folder it really lies in.
    fs::path dir = fs::weakly_canonical(p.parent_path(), ec);
    if (ec) dir = p.parent_path().lexically_normal();
    p = dir / p.filename();
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
    if (links == 40) return std::nullopt;
    const fs::path next = fs::read_symlink(p, ec);
    if (ec) return p;
    p = next.is_absolute() ? next : dir / next;
  }
}

std::filesystem::path comparable(const std::string& path) {
  if (std::optional<std::filesystem::path> followed = follow_links(path)) return *followed;
  return std::filesystem::absolute(path).lexically_normal();  // a loop: the path as given
}

}  // namespace

std::filesystem::path link_target(const std::string& path, const std::string& flag) {
  std::optional<std::filesystem::path> followed = follow_links(path);
  if (!followed) {
    throw protocols::BadInput(flag + " " + path,
                              "a loop of symbolic links, or a chain of more than 40 (the "
                              "kernel's limit): no file to write");
  }
  return *followed;
}

std::string partial_path(const std::string& path, const std::string& flag) {
  std::error_code ec;
  const bool link = std::filesystem::is_symlink(std::filesystem::symlink_status(path, ec));
  return (link ? link_target(path, flag).string() : path) + ".partial";
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;  // hard links too, when both exist
  return comparable(a) == comparable(b);
}

void check_distinct_paths(const std::vector<PathUse>& paths) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const PathUse& a = paths[i];
    if (a.path.empty() || !a.output) continue;
    for (std::size_t j = 0; j < paths.size(); ++j) {
      const PathUse& b = paths[j];
      if (j == i || b.path.empty()) continue;
      if (!b.output && same_file(a.path, b.path)) {
        throw protocols::BadInput(a.flag + " " + a.path, "is the " + b.flag +
                                                             " file this command reads; writing "
                                                             "there would destroy it");
      }
      if (b.output && j < i && same_file(a.path, b.path)) {
        throw protocols::BadInput(a.flag + " " + a.path,
                                  "names the same file as " + b.flag + " " + b.path +
                                      "; each output needs a file of its own");
      }
      if (same_file(partial_path(a.path, a.flag), b.path)) {
        throw protocols::BadInput(b.flag + " " + b.path, "is where " + a.flag +
                                                             " writes before it is complete; "
                                                             "choose another name");
      }
    }
  }
}

void check_out_dir(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  // A probe file of a name no file has (mkstemp creates it exclusively), so nothing the
  // user keeps there is truncated or removed.
  std::string probe = (fs::path(dir) / ".faultline-write-test-XXXXXX").string();
  const int fd = ec ? -1 : ::mkstemp(probe.data());
  if (fd < 0) throw protocols::BadInput(flag + " " + dir, "cannot create or write this directory");
  ::close(fd);
  ::unlink(probe.c_str());
}

std::ostream& report_stream(const std::vector<PathUse>& paths) {
  struct stat out {};
  if (::fstat(STDOUT_FILENO, &out) != 0) return std::cout;
  for (const PathUse& p : paths) {
    struct stat st {};
    if (!p.output || p.path.empty() || ::stat(p.path.c_str(), &st) != 0) continue;
    if (st.st_dev == out.st_dev && st.st_ino == out.st_ino) return std::cerr;
  }
  return std::cout;
}

std::vector<std::string> untolerated_faults(const protocols::Protocol& protocol,
                                            const sim::FaultProfile& faults) {
  std::vector<std::string> kinds;
  for (sim::FaultKind kind : faults.kinds) {
    const bool tolerated =
        std::find(protocol.faults.begin(), protocol.faults.end(), kind) != protocol.faults.end();
    if (!tolerated) kinds.emplace_back(sim::fault_kind_name(kind));
  }
  return kinds;
}

std::string untolerated_note(const protocols::Protocol& protocol, const sim::FaultProfile& faults) {
  std::string list;
  for (const std::string& kind : untolerated_faults(protocol, faults)) {
    list += (list.empty() ? "" : ", ") + kind;
  }
  if (list.empty()) return "";
  return "note: " + protocol.name + " does not claim to tolerate " + list +
         " ('faultline list' shows the kinds it does): a violation may be the fault's doing, "
         "not a bug";
}

std::string save_in_out_dir(const std::string& stem, const std::string& text) {
  namespace fs = std::filesystem;
  for (std::uint64_t k = 1;; ++k) {
    const std::string path = (k == 1 ? stem : stem + "-" + std::to_string(k)) + ".json";
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(path, ec);
    if (st.type() == fs::file_type::not_found) {
      OutputFile file(path, "--out");
      file.stream() << text;
      file.commit();
      return path;
    }
    if (st.type() != fs::file_type::regular) continue;  // a directory, a link: not ours
    std::ifstream in(path, std::ios::binary);
    const std::string held((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.bad() && held == text) return path;
  }
}

namespace {

bool g_json_errors = false;

}  // namespace

void set_json_errors(bool on) {
  g_json_errors = on;
}
bool json_errors() {
  return g_json_errors;
}

int report_error(std::string_view verb, const std::string& message, int status) {
  std::cerr << "faultline" << (verb.empty() ? "" : " ") << verb << ": " << message << "\n";
  if (g_json_errors) {
    std::cout << nlohmann::json{{"error", message}, {"exit", status}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  }
  return status;
}

int exit_status_for(sim::Verdict verdict) {
  switch (verdict) {
    case sim::Verdict::ok:
      return kExitOk;
    case sim::Verdict::violation:
      return kExitCheckFailed;
    case sim::Verdict::unknown:
      return kExitUnknown;
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
  if (summary.contains("swarm_quieted") && summary["swarm_quieted"].is_object()) {
    // Drawn option values that broke a rule with the options given ran as their quiet ones.
    std::string line;
    for (const auto& [name, drawn] : summary["swarm_quieted"].items()) {
      const std::string now =
          summary.value("/swarm"_json_pointer, nlohmann::json::object()).value(name, "?");
      line += (line.empty() ? "" : "; ") + name + " drew " + drawn.get<std::string>() +
              ", which broke a rule with the options given, so it ran as " + now;
    }
    out << "swarm: " << line << '\n';
  }
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
  for (const sim::Finding& f : result.findings)
    out << "  " << sim::describe_finding(f, &sim) << '\n';
}

void write_history(std::ostream& out, const sim::ClientHistory& history,
                   const protocols::Checks& checks) {
  nlohmann::json header = {{"format", "faultline-history"}, {"version", 1}};
  if (const protocols::CheckOutcome* lin = checks.find("linearizability")) {
    if (lin->data.contains("model")) header["model"] = lin->data["model"];
    if (lin->data.contains("init")) header["init"] = lin->data["init"];
  }
  out << header.dump() << '\n';
  for (const sim::HistoryEvent& e : history.events()) {
    out << sim::ClientHistory::event_json(e).dump() << '\n';
  }
}

}  // namespace faultline::cli
