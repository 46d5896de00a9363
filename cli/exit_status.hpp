#pragma once
// Exit statuses of every `faultline` verb (DESIGN.md §6).
namespace faultline::cli {
inline constexpr int kExitOk = 0;           // ran, and every check held
inline constexpr int kExitCheckFailed = 1;  // a violation, not linearizable, an unmet expectation
inline constexpr int kExitBadInput = 2;     // bad usage or bad input
inline constexpr int kExitUnknown = 3;      // a checker's budget ran out
}  // namespace faultline::cli
