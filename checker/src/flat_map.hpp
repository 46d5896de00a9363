#pragma once
// A small open-addressing map from 64-bit keys to 32-bit values, for the search's hot
// lookups (transition caches, state interning): no node allocation, linear probing.
// Lookups only: nothing iterates it, so its order can never reach a result.
#include <cstdint>
#include <vector>

#include "json_values.hpp"

namespace faultline::checker::detail {

class FlatU64Map {
 public:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;

  FlatU64Map() { slots_.resize(64); }

  std::uint32_t find(std::uint64_t key) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (!slot.used) return kAbsent;
      if (slot.key == key) return slot.value;
    }
  }

  // Overwrites the value of a key already present.
  void assign(std::uint64_t key, std::uint32_t value) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (!slot.used) break;
      if (slot.key == key) {
        slot.value = value;
        return;
      }
    }
    insert(key, value);
  }

  // The key must not be present yet.
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    place(key, value);
    ++count_;
  }

  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t value = 0;
    bool used = false;
  };

  void place(std::uint64_t key, std::uint32_t value) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = mix64(key) & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = Slot{key, value, true};
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.used) place(slot.key, slot.value);
    }
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

}  // namespace faultline::checker::detail
