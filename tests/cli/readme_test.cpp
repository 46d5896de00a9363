// The command blocks a user reads first run as written: README.md's ("## The command")
// and the first block of docs/viz.md, docs/scenarios.md and docs/explorer.md. Every line,
// in order, in a fresh directory per block, with the exit status its comment states
// ("# exit N ..."; 0 when it states none). Seeds and outputs drift as protocols change;
// this keeps those pages true. The lines a comment times at ten seconds or more ("~12 s")
// run only in the long twin of this test (README_ALL_LINES).
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <unistd.h>

#include "faultline_command.hpp"

namespace {

namespace fs = std::filesystem;
using faultline::testing::Ran;
using faultline::testing::run_shell;

struct Line {
  std::string command;  // after "build/faultline "
  int status = 0;
  bool slow = false;
};

// "# exit N" in a comment: N (0 when the comment states none). Hand-parsed: std::regex
// trips g++ 12's maybe-uninitialized warning in the sanitizer build.
int exit_note(const std::string& comment) {
  for (std::size_t at = comment.find('#'); at != std::string::npos; at = comment.find('#', at + 1)) {
    std::size_t i = comment.find_first_not_of(' ', at + 1);
    if (i == std::string::npos || comment.compare(i, 5, "exit ") != 0) continue;
    i = comment.find_first_not_of(' ', i + 5);
    if (i != std::string::npos && std::isdigit(static_cast<unsigned char>(comment[i]))) return comment[i] - '0';
  }
  return 0;
}

// "~N s" or "~N seconds" in a comment: N (0 when none).
int seconds_note(const std::string& comment) {
  for (std::size_t at = comment.find('~'); at != std::string::npos; at = comment.find('~', at + 1)) {
    std::size_t i = comment.find_first_not_of(' ', at + 1);
    int n = 0;
    bool digits = false;
    for (; i < comment.size() && std::isdigit(static_cast<unsigned char>(comment[i])); ++i) {
      n = n * 10 + (comment[i] - '0');
      digits = true;
    }
    if (!digits) continue;
    i = comment.find_first_not_of(' ', i);
    if (i == std::string::npos || comment[i] != 's') continue;
    if (comment.compare(i, 7, "seconds") == 0) return n;
    if (i + 1 == comment.size() || !std::isalnum(static_cast<unsigned char>(comment[i + 1]))) return n;
  }
  return 0;
}

// The `build/faultline` lines of the first ``` block under `heading` (of the file's first
// block when `heading` is empty).
std::vector<Line> block_commands(const std::string& file, const std::string& heading) {
  std::ifstream in(std::string(FAULTLINE_SOURCE_DIR) + "/" + file);
  REQUIRE_MESSAGE(in, file);
  std::vector<Line> lines;
  std::string text;
  bool in_section = false;
  bool in_block = false;
  while (std::getline(in, text)) {
    if (heading.empty()) in_section = true;
    else if (text.rfind("## ", 0) == 0) in_section = text == heading;
    if (!in_section) continue;
    if (text.rfind("```", 0) == 0) {
      if (in_block) break;  // the section's first block only
      in_block = true;
      continue;
    }
    if (!in_block || text.rfind("build/faultline ", 0) != 0) continue;
    Line line;
    const std::size_t hash = text.find(" #");
    const std::string comment = hash == std::string::npos ? "" : text.substr(hash);
    line.command = text.substr(std::string("build/faultline ").size(),
                               hash == std::string::npos ? std::string::npos
                                                         : hash - std::string("build/faultline ").size());
    line.status = exit_note(comment);
    line.slow = seconds_note(comment) >= 10;
    lines.push_back(line);
  }
  return lines;
}

Ran run_in(const fs::path& dir, const std::string& args) {
  // Paths in the pages are relative to the repository (scenarios/...) or to the working
  // directory (outputs): the run's directory holds a link to scenarios/.
  return run_shell("cd '" + dir.string() + "' && '" + FAULTLINE_BINARY_DIR + "/faultline' " + args);
}

}  // namespace

#ifdef README_ALL_LINES
#define README_TEST_NAME "README command block runs as written with the exit statuses it states - every line"
constexpr bool kAllLines = true;
#else
#define README_TEST_NAME "README command block runs as written with the exit statuses it states - the fast lines"
constexpr bool kAllLines = false;
#endif

TEST_CASE(README_TEST_NAME) {
  const bool all = kAllLines;
  struct Block {
    const char* file;
    const char* heading;
    std::size_t at_least;  // lines, so that a block that moved is noticed
  };
  const Block blocks[] = {{"README.md", "## The command", 10},
                          {"docs/viz.md", "", 5},
                          {"docs/scenarios.md", "", 5},
                          {"docs/explorer.md", "", 7}};
  int ran = 0;
  for (const Block& block : blocks) {
    const std::vector<Line> lines = block_commands(block.file, block.heading);
    REQUIRE_MESSAGE(lines.size() >= block.at_least, std::string(block.file), ": its command block was not found");
    const fs::path dir = fs::temp_directory_path() /
                         (std::string(all ? "faultline_readme_all" : "faultline_readme") + "_" +
                          fs::path(block.file).stem().string() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::create_directory_symlink(fs::path(FAULTLINE_SOURCE_DIR) / "scenarios", dir / "scenarios");
    for (const Line& line : lines) {
      // A slow line's outputs are not read by a later line of its block.
      if (line.slow && !all) continue;
      // SVG needs Graphviz's dot, which is optional (scripts/install-deps --with-graphviz).
      if (line.command.find("--svg") != std::string::npos &&
          std::system("command -v dot >/dev/null 2>&1") != 0) {
        MESSAGE("skipped (Graphviz's dot is not installed): build/faultline ", line.command);
        continue;
      }
      const Ran r = run_in(dir, line.command);
      CHECK_MESSAGE(r.status == line.status, std::string(block.file), ": build/faultline ", line.command,
                    "\nexited ", r.status, ", the page says ", line.status, "\n",
                    r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0));
      ++ran;
    }
    fs::remove_all(dir);
  }
  CHECK(ran >= 20);
}

#ifndef README_ALL_LINES
TEST_CASE("the notes a command line's comment gives are read: exit status and seconds") {
  CHECK(exit_note("  # exit 1: why it broke") == 1);
  CHECK(exit_note("  # every state (~20 s); exit 3 when cut short") == 0);
  CHECK(exit_note("  # a page") == 0);
  CHECK(seconds_note("  # a hunt (~12 s), saved") == 12);
  CHECK(seconds_note("  # exhaustive, ~20 s") == 20);
  CHECK(seconds_note("  # Stateright's 2PC (~14 s)") == 14);
  CHECK(seconds_note("  # ~5 seconds") == 5);
  CHECK(seconds_note("  # ~ten s, ~3 states") == 0);
}
#endif
