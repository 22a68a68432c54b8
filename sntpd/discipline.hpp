#pragma once
// What to do with a new offset of the selected upstream, decided without touching the clock (the service
// carries it out through system_clock.hpp). Pure, so the "step only at start" rule is unit-tested.
//
// - discipline off, or the kernel refused an adjustment once: correct the replies by the offset;
// - the first sample of a run: step when |offset| > step_threshold, otherwise slew;
// - every later sample: slew, whatever its size (a running clock is never stepped).
namespace pb::ntp {

enum class Adjustment { correct_replies, step, slew };

class Discipline {
 public:
  Discipline(bool enabled, double step_threshold) noexcept : enabled_(enabled), threshold_(step_threshold) {}
  Adjustment next(double offset) noexcept;
  // The kernel refused (no CAP_SYS_TIME): from now on replies are corrected instead.
  void failed() noexcept { failed_ = true; }
  // SIGHUP: new settings, same run (a reload never brings back the right to step); a refusal is retried.
  void configure(bool enabled, double step_threshold) noexcept {
    enabled_ = enabled;
    threshold_ = step_threshold;
    failed_ = false;
  }
  bool active() const noexcept { return enabled_ && !failed_; }

 private:
  bool enabled_;
  double threshold_;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace pb::ntp
