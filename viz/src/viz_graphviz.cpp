// Rendering DOT with Graphviz: `dot` runs as a child process (no shell, so no quoting of
// paths), writing beside the final file; the result is renamed into place only when dot
// succeeded, so a failed render never leaves a truncated picture.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "viz/dot.hpp"

extern char** environ;

namespace faultline::viz {

std::optional<std::string> find_graphviz() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t colon = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, colon - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/dot";
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate;
    }
    start = colon + 1;
  }
  return std::nullopt;
}

std::string render_graphviz(const std::string& dot_text, const std::string& format,
                            const std::string& out_path) {
  const std::optional<std::string> dot = find_graphviz();
  if (!dot) {
    return "Graphviz's `dot` is not installed (Debian: apt-get install graphviz, or "
           "scripts/install-deps --with-optional); write --dot FILE and render it elsewhere";
  }
  const std::string source = out_path + ".partial.dot";
  const std::string partial = out_path + ".partial";
  {
    std::ofstream out(source, std::ios::binary | std::ios::trunc);
    out << dot_text;
    if (!out.flush()) return "cannot write " + source + " (is the directory writable?)";
  }
  std::string type = "-T" + format;
  std::string output = "-o" + partial;
  std::vector<char*> argv = {const_cast<char*>(dot->c_str()), type.data(), output.data(),
                             const_cast<char*>(source.c_str()), nullptr};
  pid_t child = 0;
  int status = 0;
  const int spawned = ::posix_spawn(&child, dot->c_str(), nullptr, nullptr, argv.data(), environ);
  const bool waited = spawned == 0 && ::waitpid(child, &status, 0) == child;
  std::remove(source.c_str());
  if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::remove(partial.c_str());
    return "Graphviz's dot could not render " + format + " (" + *dot + " exited " +
           (waited && WIFEXITED(status) ? std::to_string(WEXITSTATUS(status)) : "abnormally") + ")";
  }
  std::error_code error;
  std::filesystem::rename(partial, out_path, error);
  if (error) return "cannot write " + out_path + ": " + error.message();
  return "";
}

}  // namespace faultline::viz
