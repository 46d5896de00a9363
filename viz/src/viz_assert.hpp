#pragma once
// Always-on assertions: a broken invariant of a view is a bug in viz, reported loudly
// (bad input never reaches one: parse_trace refuses it first).
#include <cstdio>
#include <cstdlib>

#define VIZ_ASSERT(condition, message)                                                    \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "faultline viz: internal error at %s:%d: %s (%s)\n", __FILE__, \
                   __LINE__, message, #condition);                                        \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
