// Built only with FAULTLINE_SANITIZE. Under AddressSanitizer the fiber backend is
// Boost.Context's ucontext one (BOOST_USE_UCONTEXT + BOOST_USE_ASAN), which announces
// every stack switch to ASan; fcontext's assembly switches give false reports. Debian's
// libboost_context is built for fcontext only and lacks the one out-of-line symbol the
// ucontext backend needs: the per-thread pointer to the running activation record.
// This provides it, as Boost's own fiber.cpp does for its ucontext builds.
#if defined(BOOST_USE_UCONTEXT)
#include <boost/context/fiber.hpp>

namespace boost::context::detail {
namespace {
// Creates the thread's main activation record on first use, deletes it at thread exit.
struct MainRecord {
  fiber_activation_record* record = new fiber_activation_record();
  ~MainRecord() { delete record; }
};
thread_local fiber_activation_record* current_record = nullptr;
}  // namespace

fiber_activation_record*& fiber_activation_record::current() noexcept {
  thread_local MainRecord main_record;
  if (current_record == nullptr) current_record = main_record.record;
  return current_record;
}

}  // namespace boost::context::detail
#endif
