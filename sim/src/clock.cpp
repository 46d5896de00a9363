#include "sim/clock.hpp"

namespace faultline::sim {

Time NodeClock::true_time_of(Time deadline_local, Time true_now) const {
  const Time local_now = local(true_now);
  if (deadline_local <= local_now) return true_now;
  // Solve base_local + (t - base_true) * (1e6 + ppm) / 1e6 >= deadline for the least t.
  const Time span = deadline_local - base_local_;
  const std::int64_t rate = 1000000 + drift_ppm_;
  Int128 t;
  if (span > -kNarrow && span < kNarrow) {
    // The same exact quotient in 64 bits while the product fits.
    t = static_cast<Int128>(base_true_) + (span * 1000000 + rate - 1) / rate;
  } else {
    const Int128 need = static_cast<Int128>(span) * 1000000;
    t = base_true_ + (need + rate - 1) / rate;
  }
  // Integer division in local() rounds down; step forward until the deadline is reached.
  while (t < static_cast<Int128>(kTimeNever) && local(static_cast<Time>(t)) < deadline_local) ++t;
  if (t >= static_cast<Int128>(kTimeNever)) return kTimeNever;
  return t < true_now ? true_now : static_cast<Time>(t);
}

}  // namespace faultline::sim
