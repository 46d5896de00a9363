// Every input the fuzzers ever crashed on (tests/fuzz/regressions/<target>/) and every
// seed of their corpora (tests/fuzz/corpus/<target>/), through the same reader as the
// fuzz target: each must end in an error value or a result, never a crash. The fuzzers
// themselves run with `make fuzz-parsers` (clang); this runs in every build.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_inputs.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs every file under dir/<target>/; returns how many there were.
std::size_t run_folder(const fs::path& dir) {
  std::size_t files = 0;
  for (const std::string& name : faultline::fuzzing::target_names()) {
    const fs::path folder = dir / name;
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      CAPTURE(entry.path().string());
      faultline::fuzzing::run_one(faultline::fuzzing::target_named(name), slurp(entry.path()));
      ++files;
    }
  }
  return files;
}

}  // namespace

TEST_CASE("fuzz regressions: every input a fuzzer crashed on now reads cleanly") {
  const std::size_t files = run_folder(fs::path(FAULTLINE_FUZZ_DIR) / "regressions");
  CHECK(files > 0);
}

TEST_CASE("fuzz corpora: every seed reads cleanly, and some of each target are accepted") {
  const fs::path corpus = fs::path(FAULTLINE_FUZZ_DIR) / "corpus";
  for (const std::string& name : faultline::fuzzing::target_names()) {
    std::size_t accepted = 0, seeds = 0;
    for (const auto& entry : fs::directory_iterator(corpus / name)) {
      accepted +=
          faultline::fuzzing::run_one(faultline::fuzzing::target_named(name), slurp(entry.path()))
              ? 1
              : 0;
      ++seeds;
    }
    CAPTURE(name);
    CHECK(seeds >= 3);
    CHECK(accepted >= 1);  // seeds that all fail would fuzz only the error paths
  }
}
