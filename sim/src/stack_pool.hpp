#pragma once
// Fiber stacks, carved from large anonymous mappings and reused: creating a fiber costs
// a free-list pop instead of an mmap. Only touched pages become resident, so a parked
// actor costs a few KiB however large its stack may grow. Each simulation owns its pool
// (no process-wide state). With guard pages, the lowest page of every stack is
// PROT_NONE so an overflow faults instead of corrupting a neighbour; each guard splits
// the mapping, and the kernel's vm.max_map_count (65530 by default) caps the number of
// guarded stacks at about 32k, so large runs turn guards off — on kernels before 6.13.
// From 6.13 a guard is a page-table marker (MADV_GUARD_INSTALL) that splits nothing. A guard is set when its
// stack is first handed out, not when its region is mapped: a small run that uses ten
// stacks makes ten mprotect calls, not one per stack of the region.
//
// A thread keeps the pool of its last simulation for its next one (take / give_back):
// a fuzz campaign runs thousands of simulations per thread, and mapping, guarding and
// unmapping a region for each cost page faults and, with more than one thread, a TLB
// shootdown per munmap on every other core. A pool handed back is made as good as new:
// every byte its fibers wrote is zeroed again, so a fiber's stack reads exactly what a
// fresh mapping gives, whatever ran on the thread before (determinism), and its stacks
// are numbered from 0 again (colouring).
// Under AddressSanitizer pools are not kept (ASan's stack poisoning belongs to the run).
#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <vector>

#include "sim/simulation.hpp"

namespace faultline::sim {

class Simulation::StackPool {
 public:
  StackPool(std::size_t stack_bytes, bool guard_pages);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // The thread's kept pool if it has the same shape, else a new one.
  static std::unique_ptr<StackPool> take(std::size_t stack_bytes, bool guard_pages);
  // Keeps the pool for the thread's next simulation, once every stack is back; otherwise
  // (or when the thread keeps one already, or the pool is large) unmaps it.
  static void give_back(std::unique_ptr<StackPool> pool);

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;
  std::size_t stacks_made() const { return made_; }

 private:
  struct Region {
    void* base;
    std::size_t bytes;
  };
  void grow();
  void protect(void* bottom);  // makes the stack's lowest page a guard
  void renew();                // zeroes every touched page; stacks numbered from 0 again

  std::size_t stack_bytes_;
  std::size_t page_bytes_;
  bool guard_pages_;
  bool marker_guards_ = true;  // the kernel takes MADV_GUARD_INSTALL (until it refuses)
  std::vector<void*> free_;   // stack bottoms (lowest address), guarded if guards are on
  std::vector<void*> fresh_;  // never handed out: their guard page is set on first use
  std::vector<Region> regions_;
  std::size_t made_ = 0;
  std::size_t out_ = 0;  // stacks handed out and not yet back
};

// The allocator handed to boost::context::fiber: a pointer to the pool.
class PoolStackAllocator {
 public:
  explicit PoolStackAllocator(Simulation::StackPool* pool) : pool_(pool) {}
  boost::context::stack_context allocate() { return pool_->allocate(); }
  void deallocate(boost::context::stack_context& sctx) noexcept { pool_->deallocate(sctx); }

 private:
  Simulation::StackPool* pool_;
};

}  // namespace faultline::sim
