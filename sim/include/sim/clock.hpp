#pragma once
// A node's local clock: true time plus an offset, a drift (parts per million) and
// jumps, forward and back. Piecewise linear: every change starts a new piece at the
// current true time. Local time may run backwards across a jump, as a real wall clock
// does. Timers an actor sets are deadlines in its local time; the kernel converts them
// to true time and re-converts them whenever the clock changes.
#include <cstdint>

#include "sim/types.hpp"

namespace faultline::sim {

class NodeClock {
 public:
  Time local(Time true_now) const {
    if (drift_ppm_ == 0) return base_local_ + (true_now - base_true_);
    const Time elapsed = true_now - base_true_;
    // The same exact quotient in 64 bits while the product fits (elapsed under ~73 min,
    // drift under 100%): a 128-bit division is a library call.
    if (elapsed > -kNarrow && elapsed < kNarrow && drift_ppm_ < 1000000) {
      return base_local_ + elapsed * (1000000 + drift_ppm_) / 1000000;
    }
    return base_local_ +
           static_cast<Time>(static_cast<Int128>(elapsed) * (1000000 + drift_ppm_) / 1000000);
  }

  // The earliest true time at or after true_now at which local time reaches `deadline`
  // under the current piece (kTimeNever if the clock never gets there).
  Time true_time_of(Time deadline_local, Time true_now) const;

  void jump(Time true_now, Duration delta) {
    rebase(true_now);
    base_local_ += delta;
  }
  void set_drift(Time true_now, std::int64_t ppm) {
    rebase(true_now);
    drift_ppm_ = ppm;
  }
  void set_offset(Time true_now, Duration offset) {
    rebase(true_now);
    base_local_ = true_now + offset;
  }
  std::int64_t drift_ppm() const { return drift_ppm_; }
  Duration offset(Time true_now) const { return local(true_now) - true_now; }

 private:
  void rebase(Time true_now) {
    base_local_ = local(true_now);
    base_true_ = true_now;
  }
  static constexpr Time kNarrow = Time{1} << 42;  // |x| * 2,000,000 < 2^63
  Time base_true_ = 0;
  Time base_local_ = 0;
  std::int64_t drift_ppm_ = 0;  // > -1,000,000
};

}  // namespace faultline::sim
