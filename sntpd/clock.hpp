#pragma once
// What sntpd knows about its time: the clock filter of each upstream, and the source state that decides
// what the replies announce (leap, stratum, reference, root delay and dispersion). Pure: every method takes
// the time as an argument (monotonic seconds, and NTP time where a timestamp is produced), so holdover and
// dispersion growth are tested with an injected clock.
//
// States, in order of preference:
//   synchronised   an upstream answered within its reachability window: its stratum + 1, dispersion growing
//                  at PHI = 15 ppm since the sample whose offset is served, the filter's best (RFC 5905
//                  section 10: the error of that offset grows with its age, whatever newer samples say).
//   holdover       every upstream lost: the same stratum and reference, dispersion still growing at PHI,
//                  for `holdover` seconds after the newest good sample (which may be up to 7 polls newer than
//                  the best one); forever when local is not allowed.
//   kernel         no upstream good, but the kernel says another daemon keeps the clock (adjtimex):
//                  kernel_stratum (its own: adjtimex does not tell that daemon's stratum, and local_stratum is
//                  for the free-running host clock, which `local = false` refuses), root dispersion = the
//                  kernel's maximum error, its leap flags. Never while the kernel says unsynchronised.
//   local          the host clock at local_stratum (10 unless configured; at most 14).
//   unsynchronised LI = 3, stratum 16: only when no source was ever good and local is not allowed.
#include <array>
#include <cstdint>
#include <optional>

#include "sntpd/responder.hpp"

namespace pb::ntp {

inline constexpr double kPhi = 15e-6;                         // frequency tolerance, s/s (RFC 5905)
inline constexpr double kMaxDistance = 1.5;                   // clients drop a server farther than this (ntpsec)
inline constexpr std::uint32_t kLocalReference = 0x7F7F0101;  // 127.127.1.1, as chrony and ntpd announce

// One exchange with an upstream, already computed (RFC 5905 section 8).
struct Sample {
  double offset = 0;      // upstream minus our system clock, seconds
  double delay = 0;       // round trip minus the upstream's processing, seconds
  double dispersion = 0;  // precision of both ends
  double time = 0;        // monotonic seconds when it was taken
  std::uint8_t leap = 0;
  std::uint8_t stratum = 0;
  double root_delay = 0;  // the upstream's own
  double root_dispersion = 0;
};

// root distance of a sample at `now`: what a client adds up to decide if we are good enough.
double root_distance(const Sample& s, double now) noexcept;

// The last 8 samples of one upstream; the best is the one with the lowest delay (RFC 5905 section 10,
// "the sample with the lowest delay is the most accurate"). Dispersion ages at PHI.
class ClockFilter {
 public:
  void add(const Sample& s) noexcept;
  std::optional<Sample> best() const noexcept;
  void clear() noexcept { size_ = 0; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::array<Sample, 8> samples_{};
  std::size_t next_ = 0, size_ = 0;
};

enum class SourceState : std::uint8_t { unsynchronised, local, kernel, holdover, synchronised };
const char* state_name(SourceState s) noexcept;

struct KernelSync {
  bool synchronised = false;
  double max_error = 16;  // seconds
  std::uint8_t leap = 0;
};

struct ClockConfig {
  bool local = true;
  std::uint8_t local_stratum = 10;
  std::uint8_t kernel_stratum = 10;
  double holdover = 14400;  // seconds
  std::int8_t poll = 6;
  std::int8_t precision = -20;
};

class Clock {
 public:
  explicit Clock(const ClockConfig& config) : config_(config) {}
  void configure(const ClockConfig& config) noexcept { config_ = config; }

  // The selected upstream's best (filtered) sample and the time of its newest one, both monotonic seconds;
  // `reference` is its IPv4 address (host order); `now` and `now_ntp` the same instant on both clocks.
  void synchronised(const Sample& best, double newest, std::uint32_t reference, double now,
                    std::uint64_t now_ntp) noexcept;
  // No upstream is reachable any more.
  void lost(double now) noexcept;
  void set_kernel(const KernelSync& k) noexcept { kernel_ = k; }

  // The state at `now`; evaluate() moves holdover on to local once it has expired.
  SourceState evaluate(double now) noexcept;
  SourceState state() const noexcept { return state_; }
  // What a reply announces at `now` (monotonic) / `now_ntp` (the corrected wall clock).
  ServerState announce(double now, std::uint64_t now_ntp) const noexcept;
  // Seconds to add to the system clock when serving (the last measured offset; 0 while disciplining).
  double correction() const noexcept { return correction_; }
  void set_correction(double c) noexcept { correction_ = c; }
  bool ever_synchronised() const noexcept { return ever_; }

 private:
  ClockConfig config_;
  SourceState state_ = SourceState::unsynchronised;
  KernelSync kernel_;
  bool ever_ = false;
  bool upstream_good_ = false;
  Sample last_{};      // the best sample: what is served, and what the dispersion ages from
  double newest_ = 0;  // when the newest good sample was taken: holdover counts from here
  std::uint32_t reference_ = 0;
  std::uint64_t reference_time_ = 0;
  double correction_ = 0;
};

}  // namespace pb::ntp
