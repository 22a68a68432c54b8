#include "sntpd/discipline.hpp"

#include <cmath>

namespace pb::ntp {

Adjustment Discipline::next(const Sample& latest, double now) noexcept {
  if (!active()) return Adjustment::correct_replies;
  // Taken at or before the last adjustment: already applied, or measured against the clock as it was before.
  if (applied_ && latest.time <= applied_at_) return Adjustment::none;
  const bool first = !started_;
  started_ = true;
  applied_ = true;
  applied_at_ = now;
  last_offset_ = latest.offset;
  return first && std::fabs(latest.offset) > threshold_ ? Adjustment::step : Adjustment::slew;
}

}  // namespace pb::ntp
