#include "sntpd/system_clock.hpp"

#include <sys/timex.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace pb::ntp {

timespec realtime() noexcept {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

double monotonic() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::uint64_t monotonic_ms() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1000 + static_cast<std::uint64_t>(t.tv_nsec) / 1000000;
}

std::int8_t measure_precision() noexcept {
  // chrony's way: the smallest positive difference between consecutive readings.
  std::int64_t best = 1000000000;
  timespec a = realtime();
  for (int i = 0; i < 1000; ++i) {
    const timespec b = realtime();
    const std::int64_t d = (b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
    if (d > 0) best = std::min(best, d);
    a = b;
  }
  const int p = static_cast<int>(std::ceil(std::log2(static_cast<double>(best) * 1e-9)));
  return static_cast<std::int8_t>(std::clamp(p, -30, 0));
}

KernelSync read_kernel_sync() noexcept {
  timex tx{};
  const int state = adjtimex(&tx);
  KernelSync k;
  k.synchronised = state >= 0 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  k.max_error = static_cast<double>(tx.maxerror) * 1e-6;
  k.leap = (tx.status & STA_INS) ? 1 : (tx.status & STA_DEL) ? 2 : 0;
  return k;
}

std::string slew(double offset) noexcept {
  timex tx{};
  tx.modes = ADJ_OFFSET_SINGLESHOT;
  tx.offset = static_cast<long>(std::clamp(offset, -0.5, 0.5) * 1e6);  // microseconds; adjtime's limit
  if (adjtimex(&tx) < 0) return std::strerror(errno);
  return {};
}

std::string step(double offset) noexcept {
  timespec now = realtime();
  const double whole = std::floor(offset);
  now.tv_sec += static_cast<time_t>(whole);
  now.tv_nsec += static_cast<long>((offset - whole) * 1e9);
  if (now.tv_nsec >= 1000000000) {
    now.tv_nsec -= 1000000000;
    ++now.tv_sec;
  }
  if (clock_settime(CLOCK_REALTIME, &now) != 0) return std::strerror(errno);
  return {};
}

}  // namespace pb::ntp
