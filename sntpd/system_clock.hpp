#pragma once
// The host clock: reading it, measuring its precision, asking the kernel whether someone keeps it, and
// (with CAP_SYS_TIME) slewing or stepping it. The only file of sntpd that touches the system clock.
#include <time.h>

#include <cstdint>
#include <string>

#include "sntpd/clock.hpp"

namespace pb::ntp {

timespec realtime() noexcept;
double monotonic() noexcept;  // seconds
std::uint64_t monotonic_ms() noexcept;

// log2 of the smallest step clock_gettime(CLOCK_REALTIME) shows, rounded up (RFC 5905 "precision"),
// including the cost of reading it: what a timestamp of ours is worth.
std::int8_t measure_precision() noexcept;

// adjtimex(2) read-only: synchronised when STA_UNSYNC is clear (another daemon disciplines the clock).
KernelSync read_kernel_sync() noexcept;

// Slews the clock by `offset` seconds (adjtime-style single shot, replacing any slew in progress).
// Returns an empty string or why it failed (EPERM without CAP_SYS_TIME).
std::string slew(double offset) noexcept;
// Steps the clock by `offset` seconds at once.
std::string step(double offset) noexcept;

}  // namespace pb::ntp
