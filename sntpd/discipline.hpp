#pragma once
// What to do with the selected upstream's newest sample, decided without touching the clock (the service
// carries it out through system_clock.hpp). Pure, with the time injected, so the rules are unit-tested.
//
// - discipline off, or the kernel refused an adjustment once: correct the replies by the filtered offset
//   (idempotent: the same offset may be given again, since the system clock does not move);
// - a sample already applied, or taken before the last adjustment, is not applied again (none). The service
//   asks after every accepted sample of any upstream and every change of reachability; slewing the selected
//   upstream's old offset again would overshoot, since ADJ_OFFSET_SINGLESHOT replaces the slew in progress
//   with the whole amount, part of which is already slewed out;
// - the first sample applied in a run: step when |offset| > step_threshold, otherwise slew;
// - every later sample: slew, whatever its size (a running clock is never stepped).
//
// A sample whose request left before a step measured across it; Upstreams drops those (clear_samples()).
#include "sntpd/clock.hpp"

namespace pb::ntp {

enum class Adjustment { none, correct_replies, step, slew };

class Discipline {
 public:
  Discipline(bool enabled, double step_threshold) noexcept : enabled_(enabled), threshold_(step_threshold) {}
  // `latest`: the selected upstream's newest sample; `now`: monotonic seconds. A step or slew counts as applied
  // here, at `now`; if the kernel then refuses it, failed() says so.
  Adjustment next(const Sample& latest, double now) noexcept;
  // The kernel refused (no CAP_SYS_TIME): from now on replies are corrected instead.
  void failed() noexcept { failed_ = true; }
  // SIGHUP: new settings, same run (a reload never brings back the right to step); a refusal is retried.
  void configure(bool enabled, double step_threshold) noexcept {
    enabled_ = enabled;
    threshold_ = step_threshold;
    failed_ = false;
  }
  bool active() const noexcept { return enabled_ && !failed_; }
  // The offset of the last sample stepped or slewed (what the system clock was measured off by), 0 before.
  double last_offset() const noexcept { return last_offset_; }
  // What sntpd_offset_seconds exports, the selected upstream's offset as last measured: `correction` (the
  // filtered offset added to replies) when correcting replies; while disciplining, the correction is 0 and the
  // offset is the one last slewed or stepped.
  double measured_offset(double correction) const noexcept { return active() ? last_offset_ : correction; }

 private:
  bool enabled_;
  double threshold_;
  bool started_ = false;
  bool failed_ = false;
  bool applied_ = false;
  double applied_at_ = 0;  // monotonic seconds of the last step or slew
  double last_offset_ = 0;
};

}  // namespace pb::ntp
