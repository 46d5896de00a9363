#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <stdexcept>
#include <string>

namespace faultline::sim {
namespace {
constexpr std::size_t kStacksPerRegion = 64;
// Linux 6.13+: a guard page as a page-table marker, without splitting the mapping (so no
// vm.max_map_count limit, and several times cheaper than mprotect). Debian 12's headers
// predate it; older kernels answer EINVAL and the pool falls back to mprotect.
constexpr int kMadvGuardInstall = 102;
}

Simulation::StackPool::StackPool(std::size_t stack_bytes, bool guard_pages)
    : page_bytes_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))), guard_pages_(guard_pages) {
  const std::size_t min_bytes = 16 * 1024;
  if (stack_bytes < min_bytes) stack_bytes = min_bytes;
  stack_bytes_ = (stack_bytes + page_bytes_ - 1) / page_bytes_ * page_bytes_;
}

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
  boost::context::stack_context sctx;
  sctx.size = stack_bytes_ - colour;
  sctx.sp = static_cast<unsigned char*>(bottom) + stack_bytes_ - colour;
  return sctx;
}

void Simulation::StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  free_.push_back(static_cast<unsigned char*>(sctx.sp) - sctx.size);  // the bottom
}

}  // namespace faultline::sim
