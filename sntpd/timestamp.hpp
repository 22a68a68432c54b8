#pragma once
// NTP time formats (RFC 5905 section 6) and their conversion to and from Unix time.
//
// A timestamp is 32 bits of seconds since 1900-01-01 and 32 bits of fraction. The seconds wrap every 2^32 s:
// era 0 ends on 2036-02-07 06:28:16 UTC and era 1 begins. The wire carries no era, so converting back to
// Unix time needs a pivot, a time known to be within 68 years of the answer (RFC 5905 section 6: "the
// correct era is the one nearest"); differences of two timestamps need none, as 64-bit modular arithmetic
// is exact across the rollover for intervals under 68 years.
#include <time.h>

#include <cmath>
#include <cstdint>

namespace pb::ntp {

inline constexpr std::int64_t kUnixToNtp = 2208988800;  // seconds from 1900-01-01 to 1970-01-01
inline constexpr double kFraction = 4294967296.0;       // 2^32

// Unix time to the 64-bit NTP format, era dropped. Rounds the fraction down (a timestamp never runs ahead).
constexpr std::uint64_t to_ntp(std::int64_t unix_seconds, std::int64_t nanoseconds) noexcept {
  const auto seconds = static_cast<std::uint32_t>(static_cast<std::uint64_t>(unix_seconds + kUnixToNtp));
  const auto fraction = static_cast<std::uint32_t>((static_cast<std::uint64_t>(nanoseconds) << 32) / 1000000000u);
  return (std::uint64_t{seconds} << 32) | fraction;
}
inline std::uint64_t to_ntp(const timespec& t) noexcept { return to_ntp(t.tv_sec, t.tv_nsec); }

// The NTP timestamp back to Unix time, in the era that puts it nearest `pivot_unix_seconds`.
constexpr timespec from_ntp(std::uint64_t ntp, std::int64_t pivot_unix_seconds) noexcept {
  const std::int64_t base = static_cast<std::int64_t>(ntp >> 32) - kUnixToNtp;           // era 0
  const std::int64_t era = (pivot_unix_seconds - base + (std::int64_t{1} << 31)) >> 32;  // floor division
  timespec t{};
  t.tv_sec = static_cast<time_t>(base + era * (std::int64_t{1} << 32));
  t.tv_nsec = static_cast<long>(((ntp & 0xffffffffu) * 1000000000u) >> 32);
  return t;
}

// a - b in seconds, exact across an era rollover for |a - b| < 68 years.
constexpr double difference(std::uint64_t a, std::uint64_t b) noexcept {
  return static_cast<double>(static_cast<std::int64_t>(a - b)) / kFraction;
}

// Adds a (possibly negative) number of seconds, wrapping like the wire format does.
inline std::uint64_t add_seconds(std::uint64_t ntp, double seconds) noexcept {
  return ntp + static_cast<std::uint64_t>(static_cast<std::int64_t>(std::llround(seconds * kFraction)));
}

// NTP short format (16.16 seconds) for root delay and root dispersion; saturates rather than wrapping.
inline std::uint32_t to_short(double seconds) noexcept {
  if (!(seconds > 0)) return 0;
  if (seconds >= 65535.0) return 0xffffffffu;
  return static_cast<std::uint32_t>(std::ceil(seconds * 65536.0));  // up: never claim better than we are
}
constexpr double from_short(std::uint32_t value) noexcept { return value / 65536.0; }

}  // namespace pb::ntp
