#pragma once
// Lowe's memo for the Wing & Gong search: the set of configurations (linearised ops as a
// bitset, model state) already explored. Entries live in fixed-size chunks (no reallocation
// spikes); a power-of-two slot table holds (hash tag, entry). Every allocation is checked
// against a byte budget first, so a search that would outgrow it reports OutOfMemory.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace faultline::checker::detail {

class ConfigCache {
 public:
  enum class Insert { inserted, present, out_of_memory };

  ConfigCache(std::uint32_t bit_words, std::uint64_t memory_bytes_max)
      : bit_words_(bit_words), stride_(bit_words + 2), memory_bytes_max_(memory_bytes_max) {}

  // Adds (bits, state) unless present. `hash` must be a function of (bits, state).
  Insert insert(const std::uint64_t* bits, std::uint64_t state, std::uint64_t hash) {
    std::size_t mask = slots_.size() - 1;
    if (slots_.empty()) {
      if (!grow_slots()) return Insert::out_of_memory;
      mask = slots_.size() - 1;
    }
    std::uint64_t tag = hash & 0xFFFFFFFF00000000ULL;
    std::size_t i = hash & mask;
    for (;; i = (i + 1) & mask) {
      std::uint64_t slot = slots_[i];
      if (slot == 0) break;
      if ((slot & 0xFFFFFFFF00000000ULL) == tag &&
          same(entry(static_cast<std::uint32_t>(slot) - 1), bits, state)) {
        return Insert::present;
      }
    }
    if (!reserve_entry()) return Insert::out_of_memory;
    std::uint64_t* e = entry(count_);
    e[0] = hash;
    e[1] = state;
    std::memcpy(e + 2, bits, bit_words_ * sizeof(std::uint64_t));
    slots_[i] = tag | (static_cast<std::uint64_t>(count_) + 1);
    ++count_;
    if (count_ * 2 > slots_.size() && !grow_slots()) return Insert::out_of_memory;
    return Insert::inserted;
  }

  std::uint64_t size() const { return count_; }
  void set_memory_bytes_max(std::uint64_t bytes) { memory_bytes_max_ = bytes; }
  std::uint64_t memory_bytes() const {
    return slots_.size() * sizeof(std::uint64_t) + chunks_.size() * chunk_bytes();
  }

 private:
  static constexpr std::uint32_t kChunkEntriesLog2 = 10;

  std::size_t chunk_bytes() const {
    return (std::size_t{1} << kChunkEntriesLog2) * stride_ * sizeof(std::uint64_t);
  }
  std::uint64_t* entry(std::uint32_t index) const {
    return chunks_[index >> kChunkEntriesLog2].get() +
           static_cast<std::size_t>(index & ((1u << kChunkEntriesLog2) - 1)) * stride_;
  }
  bool same(const std::uint64_t* e, const std::uint64_t* bits, std::uint64_t state) const {
    if (e[1] != state) return false;
    for (std::uint32_t w = 0; w < bit_words_; ++w) {  // a few words: cheaper than memcmp
      if (e[2 + w] != bits[w]) return false;
    }
    return true;
  }
  bool reserve_entry() {
    if ((count_ >> kChunkEntriesLog2) < chunks_.size()) return true;
    if (count_ >= 0xFFFFFFF0u || memory_bytes() + chunk_bytes() > memory_bytes_max_) return false;
    chunks_.push_back(
        std::make_unique_for_overwrite<std::uint64_t[]>(chunk_bytes() / sizeof(std::uint64_t)));
    return true;
  }
  bool grow_slots() {
    std::size_t capacity = slots_.empty() ? 256 : slots_.size() * 2;
    if (memory_bytes() + capacity * sizeof(std::uint64_t) > memory_bytes_max_) return false;
    std::vector<std::uint64_t> fresh(capacity, 0);
    std::size_t mask = capacity - 1;
    for (std::uint32_t k = 0; k < count_; ++k) {
      std::uint64_t hash = entry(k)[0];
      std::size_t i = hash & mask;
      while (fresh[i] != 0) i = (i + 1) & mask;
      fresh[i] = (hash & 0xFFFFFFFF00000000ULL) | (static_cast<std::uint64_t>(k) + 1);
    }
    slots_.swap(fresh);
    return true;
  }

  std::uint32_t bit_words_;
  std::uint32_t stride_;
  std::uint64_t memory_bytes_max_;
  std::vector<std::uint64_t> slots_;
  std::vector<std::unique_ptr<std::uint64_t[]>> chunks_;
  std::uint32_t count_ = 0;
};

}  // namespace faultline::checker::detail
