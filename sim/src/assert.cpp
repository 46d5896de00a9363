// FAULTLINE_ASSERT's failure path (sim/assert.hpp).
#include "sim/assert.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/actor.hpp"

namespace faultline::sim {
namespace {
thread_local RunPlace* g_place = nullptr;
}  // namespace

RunPlace* current_run_place() { return g_place; }
void set_current_run_place(RunPlace* place) { g_place = place; }

void assertion_failed(std::string_view condition, std::string_view message, const char* file,
                      int line) {
  std::string text = "assertion failed: " + std::string(condition);
  if (!message.empty()) text += " (" + std::string(message) + ")";
  text += " at " + std::string(file) + ":" + std::to_string(line);
  if (g_place != nullptr) text += "; " + g_place->describe_place();
  if (g_place != nullptr && g_place->in_actor()) {
    // Protocol code on its fiber: a finding of the run, not a crash of the simulator.
    throw ActorAssertion{text};
  }
  std::fprintf(stderr, "faultline: %s\n", text.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace faultline::sim
