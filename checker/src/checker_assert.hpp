#pragma once
// Always-on assertions: a broken invariant of the checker is a bug, reported loudly.
#include <cstdio>
#include <cstdlib>

#define CHECKER_ASSERT(condition, message)                                                    \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "faultline checker: internal error at %s:%d: %s (%s)\n", __FILE__, \
                   __LINE__, message, #condition);                                            \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)
