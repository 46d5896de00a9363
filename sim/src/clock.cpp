#include "sim/clock.hpp"

namespace faultline::sim {

Time NodeClock::true_time_of(Time deadline_local, Time true_now) const {
  const Time local_now = local(true_now);
  if (deadline_local <= local_now) return true_now;
  // Solve base_local + (t - base_true) * (1e6 + ppm) / 1e6 >= deadline for the least t.
  const Int128 need = static_cast<Int128>(deadline_local - base_local_) * 1000000;
  const Int128 rate = 1000000 + drift_ppm_;
  Int128 elapsed = (need + rate - 1) / rate;
  Int128 t = base_true_ + elapsed;
  // Integer division in local() rounds down; step forward until the deadline is reached.
  while (t < static_cast<Int128>(kTimeNever) && local(static_cast<Time>(t)) < deadline_local) ++t;
  if (t >= static_cast<Int128>(kTimeNever)) return kTimeNever;
  return t < true_now ? true_now : static_cast<Time>(t);
}

}  // namespace faultline::sim
