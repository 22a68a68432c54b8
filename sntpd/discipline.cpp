#include "sntpd/discipline.hpp"

#include <cmath>

namespace pb::ntp {

Adjustment Discipline::next(double offset) noexcept {
  if (!active()) return Adjustment::correct_replies;
  const bool first = !started_;
  started_ = true;
  return first && std::fabs(offset) > threshold_ ? Adjustment::step : Adjustment::slew;
}

}  // namespace pb::ntp
