#pragma once
// The server side of NTP as one pure function: request bytes + what we know about our clock -> reply
// bytes, or the reason for silence. No socket, no clock reads: the server passes the kernel's receive
// timestamp and patches the transmit timestamp just before sendmmsg (patch_transmit).
//
// Reply recipe (RFC 4330 section 5, RFC 5905 section 9.2 and Figure 31):
// - mode 4, version echoed (1-4), poll = max(request's, ours), origin = the request's transmit timestamp
//   byte for byte (ntpsec clients randomise it and drop mismatches);
// - exactly 48 bytes: never longer than the request (which is at least 48), extension fields not echoed;
// - leap, stratum, reference id and time, root delay and dispersion from ServerState, computed by the
//   clock for this instant (dispersion grows with the time since the last update).
#include <cstdint>
#include <span>

#include "common/result.hpp"
#include "sntpd/packet.hpp"
#include "sntpd/rate_limit.hpp"

namespace pb::ntp {

struct ServerState {
  std::uint8_t leap = 3;
  std::uint8_t stratum = 16;
  std::int8_t poll = 6;
  std::int8_t precision = -20;
  std::uint32_t reference_id = 0;
  std::uint64_t reference_time = 0;
  double root_delay = 0;       // seconds
  double root_dispersion = 0;  // seconds
};

struct Request {
  std::span<const std::uint8_t> bytes;
  std::uint32_t client = 0;    // IPv4 address, host order: the rate-limit key
  std::uint64_t receive = 0;   // NTP timestamp of arrival (kernel time, corrected)
  std::uint64_t transmit = 0;  // placeholder, normally patched later
  std::uint64_t now_ms = 0;    // monotonic milliseconds, for the rate limiter
};

// Kiss code for rate limiting (RFC 5905 section 7.4): "RATE" in ASCII.
inline constexpr std::uint32_t kKissRate = 0x52415445;
inline constexpr std::size_t kTransmitOffset = 40;

// Builds the reply into `out` (at least 48 bytes) and returns its length, or why nothing is sent.
// `limiter` may be null (no limiting).
Result<std::size_t, DropReason> respond(const Request& request, const ServerState& state, RateLimiter* limiter,
                                        std::span<std::uint8_t> out) noexcept;

// Writes `transmit` into a reply built by respond(), unless it is a KoD (whose timestamps are the client's).
void patch_transmit(std::span<std::uint8_t> reply, std::uint64_t transmit) noexcept;

}  // namespace pb::ntp
