#pragma once
// The hash pure nodes' fingerprint() functions are built on (the explorer compares states
// by them, docs/explorer.md): one multiply-rotate round per 64-bit word, and strings eight
// bytes at a time. It replaced a byte-at-a-time FNV-1a that was the explorer's top cost
// in a perf profile of the Paxos pure world.
//
// Invariants: the value depends only on the sequence of words and strings added (never
// on addresses or the platform's byte order of a word: strings are read little-endian);
// a string is preceded by its length, so ("ab", "c") and ("a", "bc") differ.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace faultline::protocols {

inline constexpr std::uint64_t kFingerprintSeed = 0xcbf29ce484222325ULL;

inline std::uint64_t fingerprint_word(std::uint64_t h, std::uint64_t word) {
  h ^= word * 0x9e3779b97f4a7c15ULL;
  h = (h << 31) | (h >> 33);
  return h * 0xbf58476d1ce4e5b9ULL;
}

inline std::uint64_t fingerprint_bytes(std::uint64_t h, std::string_view bytes) {
  h = fingerprint_word(h, bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t left = bytes.size();
  for (; left >= 8; left -= 8, p += 8) {
    std::uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w |= std::uint64_t{p[i]} << (8 * i);
    h = fingerprint_word(h, w);
  }
  if (left > 0) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < left; ++i) w |= std::uint64_t{p[i]} << (8 * i);
    h = fingerprint_word(h, w);
  }
  return h;
}

}  // namespace faultline::protocols
