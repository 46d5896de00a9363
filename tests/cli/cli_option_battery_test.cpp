// The malformed-input battery for option values (`--set NAME=VALUE`): every option of every
// protocol, its default mutated systematically (tests/support/mutations.hpp) and by hand
// (every prefix, signs, spaces, hex, exponents, other scripts' digits, invalid UTF-8).
// Each must run or be refused with BadInput naming `--set NAME`; a sample runs through the
// command for its exit status.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mutations.hpp"
#include "protocols/registry.hpp"

namespace {

using faultline::protocols::Protocol;

std::vector<std::string> option_texts(const std::string& valid) {
  std::vector<std::string> texts;
  for (const auto& m : faultline::testing::mutations(valid)) texts.push_back(m.text);
  for (std::size_t n = 0; n < valid.size(); ++n) texts.push_back(valid.substr(0, n));
  for (const std::string& extra :
       {" " + valid, valid + " ", "+" + valid, "-" + valid, valid + valid, valid + "\xFF",
        std::string("0x10"), std::string("1e3"), std::string("NaN"), std::string("inf"),
        std::string("-0"), std::string("\xD9\xA1\xD9\xA2"), std::string("99999999999999999999"),
        std::string("1.5"), std::string("TRUE"), std::string("")}) {
    texts.push_back(extra);
  }
  return texts;
}

struct Tried {
  bool refused = false;
  std::string message;
};

Tried try_option(const Protocol& protocol, const std::string& name, const std::string& value) {
  faultline::protocols::RunSpec spec;
  spec.options.set(name, value);
  spec.time_limit_ns = faultline::sim::kMillisecond;
  spec.keep_trace = false;
  try {
    faultline::protocols::run_protocol(protocol, spec);
  } catch (const faultline::protocols::BadInput& e) {
    return {true, e.what()};
  }
  return {};
}

}  // namespace

TEST_CASE("option battery: every mutated value runs or is refused naming its option") {
  std::size_t cases = 0, refused = 0;
  for (const Protocol& protocol : faultline::protocols::all_protocols()) {
    for (const auto& option : protocol.options.specs()) {
      for (const std::string& text : option_texts(option.default_text)) {
        CAPTURE(protocol.name);
        CAPTURE(option.name);
        const std::string shown = text.substr(0, 80);
        CAPTURE(shown);
        Tried tried;
        CHECK_NOTHROW(tried = try_option(protocol, option.name, text));
        ++cases;
        if (!tried.refused) continue;
        ++refused;
        // The heartbeat and election timeout are checked together, under one name.
        const bool named = tried.message.rfind("--set " + option.name + ":", 0) == 0 ||
                           tried.message.rfind("--set heartbeat:", 0) == 0 ||
                           tried.message.rfind("--set request_timeout:", 0) == 0;
        CHECK_MESSAGE(named, tried.message);
      }
    }
  }
  MESSAGE(cases << " option values, " << refused << " refused");
  CHECK(cases >= 500);
  CHECK(refused >= 300);
}

namespace {

// Runs the command with these arguments (no shell: values hold quotes and odd bytes);
// returns the exit status and what it wrote to standard error.
std::pair<int, std::string> run_command(const std::vector<std::string>& args) {
  const std::string err = (std::filesystem::temp_directory_path() /
                           ("faultline-options-" + std::to_string(getpid()) + ".txt"))
                              .string();
  std::fflush(nullptr);  // or the child would write our buffered output again
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::freopen(err.c_str(), "w", stderr);
    std::freopen("/dev/null", "w", stdout);
    const std::string binary = std::string(FAULTLINE_BINARY_DIR) + "/faultline";
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int raw = 0;
  ::waitpid(pid, &raw, 0);
  std::ifstream in(err);
  std::stringstream said;
  said << in.rdbuf();
  std::filesystem::remove(err);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, said.str()};
}

}  // namespace

TEST_CASE("option battery: a sample through the command exits 2 naming the option") {
  std::size_t k = 0, run = 0;
  for (const Protocol& protocol : faultline::protocols::all_protocols()) {
    for (const auto& option : protocol.options.specs()) {
      for (const std::string& text : option_texts(option.default_text)) {
        // (An argument longer than 128 KiB cannot be passed to a program at all.)
        if (text.size() > 4096 || !try_option(protocol, option.name, text).refused ||
            k++ % 12 != 0) {
          continue;
        }
        CAPTURE(option.name);
        CAPTURE(text);
        auto [status, said] = run_command({"run", "--protocol", protocol.name, "--set",
                                           option.name + "=" + text, "--time", "1ms"});
        CHECK(status == 2);
        CHECK_MESSAGE(said.find("faultline run: --set ") == 0, said);
        ++run;
      }
    }
  }
  CHECK(run >= 25);
}
