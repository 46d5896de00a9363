#pragma once
// FAULTLINE_ASSERT: an assertion that stays on in every build (Release included; it does
// not look at NDEBUG). Assertions are the design written down: a header promises an
// invariant, the code asserts it where it is cheap (TigerBeetle's habit).
//
// When one fires it says where the run was: the seed, the simulated time, the node and
// the event index, so the failure can be replayed:
//
//   assertion failed: commit_ <= log_.last_index() (commit beyond the log)
//     at protocols/raft/src/raft_node.cpp:212; seed 7, t=1.204031s, node s3, event 8123
//
// Inside an actor (a protocol's code, running on its fiber) a fired assertion is a
// finding of the run — the actor stops, the run reports it, a fuzzer shrinks it —
// never a crash of the simulator. Anywhere else (the kernel, a test, the command) it
// prints the message and aborts: the simulator itself is broken.
#include <string>
#include <string_view>

namespace faultline::sim {

// Where a run is, for assertion messages: set by the kernel while a Simulation runs on
// this thread (each thread runs at most one simulation at a time).
struct RunPlace {
  virtual ~RunPlace() = default;
  virtual std::string describe_place() const = 0;  // "seed 7, t=1.2s, node s3, event 8123"
  virtual bool in_actor() const = 0;               // on an actor's fiber
};
RunPlace* current_run_place();
void set_current_run_place(RunPlace* place);

[[noreturn]] void assertion_failed(std::string_view condition, std::string_view message,
                                   const char* file, int line);

}  // namespace faultline::sim

#define FAULTLINE_ASSERT(condition, message)                                            \
  do {                                                                                  \
    if (!(condition)) [[unlikely]] {                                                    \
      ::faultline::sim::assertion_failed(#condition, (message), __FILE__, __LINE__);    \
    }                                                                                   \
  } while (false)
