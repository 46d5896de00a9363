#pragma once
// Limits on outside input, the same for every reader (JSONL, EDN, Porcupine, Jepsen log,
// --init values). They turn hostile or broken input into an error that says which limit
// was hit, instead of a stack overflow or a read that never ends (docs/checker.md).
#include <cstddef>
#include <cstdint>

namespace faultline::checker {

// Arrays, objects, EDN collections and tags open at once. The checker walks values
// recursively (canonical text, equality, printing), so without a bound a value nested
// 100,000 deep would overflow the stack. Real histories nest a handful of levels.
inline constexpr int kMaxNestingDepth = 256;

// The default cap on a history file's size. Reading stops there, so /dev/zero or an endless
// pipe is an error naming the cap, not a hang; `faultline check --max-input-bytes` raises it.
inline constexpr std::uint64_t kDefaultMaxInputBytes = 256ULL << 20;

// The largest cap that may be asked for: line numbers are 32-bit.
inline constexpr std::uint64_t kMaxInputBytesLimit = (1ULL << 32) - 1;

}  // namespace faultline::checker
