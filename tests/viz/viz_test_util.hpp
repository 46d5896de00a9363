#pragma once
// Helpers for the viz tests: hand-built traces (JSON, as `run --trace` writes them), a
// random trace generator for the causal-slice twin, and running the faultline binary.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline_command.hpp"
#include "viz/trace.hpp"

namespace faultline::viz::testing {

using nlohmann::json;

// A trace document around `events` (each given without "i": numbered here).
inline json trace_doc(const std::vector<std::string>& node_names, json events,
                      json history = json::array(), json violations = json::array()) {
  json nodes = json::array();
  for (std::size_t k = 0; k < node_names.size(); ++k) {
    nodes.push_back({{"id", k}, {"name", node_names[k]}, {"role", "server"}});
  }
  for (std::size_t k = 0; k < events.size(); ++k) events[k]["i"] = k;
  return {{"format", "faultline-trace"},
          {"version", 1},
          {"meta", {{"protocol", "hand-built"}, {"seed", 0}}},
          {"nodes", nodes},
          {"events", events},
          {"history", history},
          {"result", {{"violations", violations}}}};
}

inline Trace parsed(const json& doc) {
  auto trace = parse_trace(doc, "test.json");
  REQUIRE_MESSAGE(trace.ok(), (trace.ok() ? "" : trace.error().message()));
  return std::move(*trace);
}

// Three servers a, b, c: a is elected (b votes), a's second vote request is dropped in
// flight, b sends c a message the network duplicates, c is partitioned, crashes and
// restarts, b pauses, a's clock jumps, and a finds a violation with a heartbeat in flight.
// The causal past of the violation (position 26) is exactly kHandBuiltPast.
inline json hand_built() {
  auto ev = [](std::int64_t t, const char* type, json node, json fields = json::object()) {
    json e = {{"t", t}, {"type", type}, {"node", node}};
    e.update(fields);
    return e;
  };
  json events = json::array({
      ev(0, "start", 0, {{"incarnation", 0}}),                           // 0
      ev(0, "annotate", 0, {{"key", "role"}, {"value", "follower"}}),    // 1
      ev(0, "annotate", 1, {{"key", "role"}, {"value", "follower"}}),    // 2
      ev(10, "annotate", 0, {{"key", "role"}, {"value", "candidate"}}),  // 3
      ev(10, "annotate", 0, {{"key", "term"}, {"value", 1}}),            // 4
      ev(10, "send", 0,
         {{"to", 1},
          {"msg", "RequestVote"},
          {"id", 1},
          {"size", 8},
          {"body", {{"term", 1}}}}),                                                   // 5
      ev(10, "send", 0, {{"to", 2}, {"msg", "RequestVote"}, {"id", 2}, {"size", 8}}),  // 6
      ev(12, "deliver", 1, {{"from", 0}, {"msg", "RequestVote"}, {"id", 1}}),          // 7
      ev(12, "send", 1, {{"to", 0}, {"msg", "Vote"}, {"id", 3}, {"size", 8}}),         // 8
      ev(13, "drop", 0,
         {{"to", 2}, {"msg", "RequestVote"}, {"id", 2}, {"reason", "partitioned in flight"}}),  // 9
      ev(14, "send", 2, {{"to", 1}, {"msg", "Gossip"}, {"id", 4}, {"size", 8}}),     // 10
      ev(15, "deliver", 0, {{"from", 1}, {"msg", "Vote"}, {"id", 3}}),               // 11
      ev(15, "annotate", 0, {{"key", "role"}, {"value", "leader"}}),                 // 12
      ev(16, "send", 1, {{"to", 2}, {"msg", "Ping"}, {"id", 5}, {"size", 8}}),       // 13
      ev(16, "duplicate", 1, {{"to", 2}, {"msg", "Ping"}, {"id", 6}, {"of", 5}}),    // 14
      ev(17, "deliver", 2, {{"from", 1}, {"msg", "Ping"}, {"id", 5}}),               // 15
      ev(18, "deliver", 2, {{"from", 1}, {"msg", "Ping"}, {"id", 6}}),               // 16
      ev(18, "deliver", 1, {{"from", 2}, {"msg", "Gossip"}, {"id", 4}}),             // 17
      ev(20, "partition", nullptr, {{"fault", 1}, {"what", "isolate c"}}),           // 18
      ev(21, "crash", 2),                                                            // 19
      ev(25, "restart", 2, {{"incarnation", 1}}),                                    // 20
      ev(26, "heal", nullptr, {{"fault", 1}}),                                       // 21
      ev(27, "pause", 1),                                                            // 22
      ev(28, "resume", 1),                                                           // 23
      ev(30, "clock", 0, {{"change", "jump"}, {"ns", 5}}),                           // 24
      ev(31, "send", 0, {{"to", 2}, {"msg", "Heartbeat"}, {"id", 7}, {"size", 8}}),  // 25
      ev(32, "violation", 0, {{"finding", 0}, {"name", "two leaders"}}),             // 26
  });
  json violations = json::array({{{"kind", "invariant"},
                                  {"name", "two leaders"},
                                  {"message", "a and b lead term 1"},
                                  {"event", 26},
                                  {"time_ns", 32},
                                  {"node", "a"}}});
  return trace_doc({"a", "b", "c"}, events, json::array(), violations);
}
inline const std::vector<std::size_t> kHandBuiltPast = {0, 1, 2,  3,  4,  5,  6,
                                                        7, 8, 11, 12, 24, 25, 26};

using faultline::testing::Ran;
using faultline::testing::run_faultline;

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory for one test's files, removed when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("faultline-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& file) const { return path_ / file; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace faultline::viz::testing
