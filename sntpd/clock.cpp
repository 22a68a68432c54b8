#include "sntpd/clock.hpp"

#include <algorithm>
#include <cmath>

#include "sntpd/timestamp.hpp"

namespace pb::ntp {

double root_distance(const Sample& s, double now) noexcept {
  const double age = std::max(0.0, now - s.time);
  return (s.root_delay + s.delay) / 2 + s.root_dispersion + s.dispersion + kPhi * age;
}

void ClockFilter::add(const Sample& s) noexcept {
  samples_[next_] = s;
  next_ = (next_ + 1) % samples_.size();
  size_ = std::min(size_ + 1, samples_.size());
}

std::optional<Sample> ClockFilter::best() const noexcept {
  if (size_ == 0) return std::nullopt;
  const Sample* best = &samples_[0];
  for (std::size_t i = 1; i < size_; ++i)
    if (samples_[i].delay < best->delay) best = &samples_[i];
  return *best;
}

const char* state_name(SourceState s) noexcept {
  switch (s) {
    case SourceState::unsynchronised: return "unsynchronised";
    case SourceState::local: return "local";
    case SourceState::kernel: return "kernel";
    case SourceState::holdover: return "holdover";
    case SourceState::synchronised: return "synchronised";
  }
  return "unknown";
}

void Clock::synchronised(const Sample& best, double newest, std::uint32_t reference, double now,
                         std::uint64_t now_ntp) noexcept {
  // The reference time is when the served sample was taken, in NTP time: now_ntp minus its age (the best sample
  // of the filter can be several polls old), so it agrees with the dispersion grown since.
  last_ = best;
  newest_ = std::max(newest, best.time);
  reference_ = reference;
  reference_time_ = add_seconds(now_ntp, -std::max(0.0, now - best.time));
  upstream_good_ = true;
  ever_ = true;
}

void Clock::lost(double) noexcept { upstream_good_ = false; }

SourceState Clock::evaluate(double now) noexcept {
  if (upstream_good_) {
    state_ = SourceState::synchronised;
  } else if (ever_ && now - newest_ < config_.holdover) {
    state_ = SourceState::holdover;
  } else if (kernel_.synchronised) {  // after the holdover time a kernel kept by another daemon is better
    state_ = SourceState::kernel;
  } else if (config_.local) {
    state_ = SourceState::local;
  } else if (ever_) {
    state_ = SourceState::holdover;  // nothing better: keep serving it, its dispersion grows honestly
  } else {
    state_ = SourceState::unsynchronised;
  }
  return state_;
}

ServerState Clock::announce(double now, std::uint64_t now_ntp) const noexcept {
  ServerState s;
  s.poll = config_.poll;
  s.precision = config_.precision;
  const double precision = std::ldexp(1.0, config_.precision);
  switch (state_) {
    case SourceState::synchronised:
    case SourceState::holdover: {
      s.leap = last_.leap;
      s.stratum = static_cast<std::uint8_t>(std::min(last_.stratum + 1, 15));
      s.reference_id = reference_;
      s.reference_time = reference_time_;
      s.root_delay = last_.root_delay + last_.delay;
      // Grows at PHI since the sample, in both states: a client sees exactly how stale we are.
      s.root_dispersion = last_.root_dispersion + last_.dispersion + precision + kPhi * std::max(0.0, now - last_.time);
      break;
    }
    case SourceState::kernel:
      s.leap = kernel_.leap;
      s.stratum = config_.kernel_stratum;
      s.reference_id = kLocalReference;
      s.reference_time = now_ntp & ~std::uint64_t{0xffffffff};  // the current second
      s.root_dispersion = kernel_.max_error;
      break;
    case SourceState::local:
      s.leap = 0;
      s.stratum = config_.local_stratum;
      s.reference_id = kLocalReference;
      s.reference_time = now_ntp & ~std::uint64_t{0xffffffff};
      s.root_dispersion = precision;
      break;
    case SourceState::unsynchronised:
      s.leap = 3;
      s.stratum = 16;
      s.reference_id = 0;
      s.reference_time = 0;
      break;
  }
  return s;
}

}  // namespace pb::ntp
