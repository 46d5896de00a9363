#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "sim/assert.hpp"

namespace faultline::sim {
namespace {
constexpr std::size_t kStacksPerRegion = 64;
// Linux 6.13+: a guard page as a page-table marker, without splitting the mapping (so no
// vm.max_map_count limit, and several times cheaper than mprotect). Debian 12's headers
// predate it; older kernels answer EINVAL and the pool falls back to mprotect.
constexpr int kMadvGuardInstall = 102;
// A kept pool larger than this is unmapped instead (a run of thousands of nodes).
constexpr std::size_t kKeptRegions = 4;
#if defined(FAULTLINE_SANITIZE)
constexpr bool kKeepPools = false;
#else
constexpr bool kKeepPools = true;
#endif
thread_local std::unique_ptr<Simulation::StackPool> kept_pool;

std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

// A stack's size as a pool keeps it: at least 16 KiB, in whole pages.
std::size_t rounded_stack_bytes(std::size_t stack_bytes, std::size_t page_bytes) {
  const std::size_t min_bytes = 16 * 1024;
  if (stack_bytes < min_bytes) stack_bytes = min_bytes;
  return (stack_bytes + page_bytes - 1) / page_bytes * page_bytes;
}
}

std::unique_ptr<Simulation::StackPool> Simulation::StackPool::take(std::size_t stack_bytes, bool guard_pages) {
  std::unique_ptr<StackPool> pool = std::move(kept_pool);
  if (pool != nullptr && pool->guard_pages_ == guard_pages &&
      rounded_stack_bytes(stack_bytes, pool->page_bytes_) == pool->stack_bytes_) {
    return pool;
  }
  return std::make_unique<StackPool>(stack_bytes, guard_pages);
}

void Simulation::StackPool::give_back(std::unique_ptr<StackPool> pool) {
  if (!kKeepPools || pool == nullptr || pool->out_ != 0 || pool->regions_.size() > kKeptRegions) return;
  pool->renew();
  kept_pool = std::move(pool);
}

void Simulation::StackPool::renew() {
  FAULTLINE_ASSERT(out_ == 0, "a pool is renewed only when every stack is back");
  // A stack grows down from its top, so what a fiber wrote lies above some lowest
  // address; below it the stack still reads zero. Find the first non-zero word from the
  // bottom (untouched pages read as the kernel's zero page, cheaply) and zero the rest.
  // Reading the bytes, not asking which pages are resident, also covers a swapped page.
  const std::size_t guard = guard_pages_ ? page_bytes_ : 0;
  for (void* bottom : free_) {
    auto* begin = reinterpret_cast<const std::uint64_t*>(static_cast<unsigned char*>(bottom) + guard);
    auto* end = reinterpret_cast<const std::uint64_t*>(static_cast<unsigned char*>(bottom) + stack_bytes_);
    const std::uint64_t* used = begin;
    // Eight words at a time (a stack is whole pages), then the word within the block.
    while (used != end &&
           (used[0] | used[1] | used[2] | used[3] | used[4] | used[5] | used[6] | used[7]) == 0) {
      used += 8;
    }
    while (used != end && *used == 0) ++used;
    std::memset(const_cast<std::uint64_t*>(used), 0, static_cast<std::size_t>(end - used) * sizeof(std::uint64_t));
  }
  made_ = 0;
}

Simulation::StackPool::StackPool(std::size_t stack_bytes, bool guard_pages)
    : stack_bytes_(rounded_stack_bytes(stack_bytes, page_size())), page_bytes_(page_size()), guard_pages_(guard_pages) {}

Simulation::StackPool::~StackPool() {
  for (const Region& r : regions_) ::munmap(r.base, r.bytes);
}

void Simulation::StackPool::grow() {
  const std::size_t bytes = stack_bytes_ * kStacksPerRegion;
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  regions_.push_back(Region{base, bytes});
  auto* bytes_base = static_cast<unsigned char*>(base);
  // Hand out the highest stack last so consecutive fibers touch neighbouring memory.
  for (std::size_t i = kStacksPerRegion; i-- > 0;) fresh_.push_back(bytes_base + i * stack_bytes_);
}

bool Simulation::marker_guard_pages() {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* probe = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  const bool ok = ::madvise(probe, page, kMadvGuardInstall) == 0;
  ::munmap(probe, page);
  return ok;
}

void Simulation::StackPool::protect(void* bottom) {
  if (marker_guards_) {
    if (::madvise(bottom, page_bytes_, kMadvGuardInstall) == 0) return;
    marker_guards_ = false;  // an older kernel: mapping-splitting guards from here on
  }
  if (::mprotect(bottom, page_bytes_, PROT_NONE) != 0) {
    throw std::runtime_error(
        "cannot protect a fiber stack's guard page (too many mappings? "
        "vm.max_map_count limits guarded stacks to about 32k; turn guard pages off)");
  }
}

boost::context::stack_context Simulation::StackPool::allocate() {
  void* bottom = nullptr;
  if (!free_.empty()) {
    bottom = free_.back();
    free_.pop_back();
  } else {
    if (fresh_.empty()) grow();
    bottom = fresh_.back();
    if (guard_pages_) protect(bottom);
    fresh_.pop_back();
  }
  // Stack colouring: every stack's top would sit at the same offset modulo the stack
  // size, so the hot top frames of all fibers would compete for the same few cache sets
  // (a 3x slowdown from 1,000 to 2,000 fibers). Shifting each top by a different
  // multiple of 256 bytes (Boost aligns its control record to 256) spreads them out.
  const std::size_t colour = (made_ % 61) * 256;
  ++made_;
  ++out_;
  boost::context::stack_context sctx;
  sctx.size = stack_bytes_ - colour;
  sctx.sp = static_cast<unsigned char*>(bottom) + stack_bytes_ - colour;
  return sctx;
}

void Simulation::StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  free_.push_back(static_cast<unsigned char*>(sctx.sp) - sctx.size);  // the bottom
  --out_;
}

}  // namespace faultline::sim
