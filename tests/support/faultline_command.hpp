#pragma once
// Running the faultline binary (or any shell command) from a test, capturing what it
// prints and its exit status: the CLI, viz, explorer and README tests share it.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace faultline::testing {

struct Ran {
  int status = -1;   // the exit status; -1 when the command did not exit (a signal)
  std::string out;   // standard output and standard error, interleaved
};

// Runs `command` with /bin/sh, stderr joined to stdout.
inline Ran run_shell(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) ran.out.append(buffer.data(), n);
  const int raw = ::pclose(pipe);
  ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return ran;
}

// Runs the build's faultline with `args` (a shell fragment), after `env` (assignments).
inline Ran run_faultline(const std::string& args, const std::string& env = "") {
  return run_shell(env + " '" + std::string(FAULTLINE_BINARY_DIR) + "/faultline' " + args);
}

// A command line faultline must refuse as bad input: exit 2, saying `says`.
struct Refusal {
  std::string args;
  std::string says;
};

// Runs `prefix + args` of each refusal and checks its exit status and message.
inline void check_refusals(const std::string& prefix, const std::vector<Refusal>& refusals) {
  for (const Refusal& r : refusals) {
    const Ran ran = run_faultline(prefix + r.args);
    CHECK_MESSAGE(ran.status == 2, prefix, r.args, " said: ", ran.out);
    CHECK_MESSAGE(ran.out.find(r.says) != std::string::npos, prefix, r.args, " said: ", ran.out);
  }
}

}  // namespace faultline::testing
