#pragma once
// The NTP packet (RFC 5905 section 7.3, Figure 8): parsing from untrusted bytes and writing.
//
// Layout of the 48-byte header, big-endian:
//   0 LI(2) VN(3) Mode(3)   1 Stratum   2 Poll   3 Precision
//   4 Root Delay (16.16)    8 Root Dispersion (16.16)    12 Reference ID
//   16 Reference Timestamp  24 Origin Timestamp  32 Receive Timestamp  40 Transmit Timestamp
// followed, in NTPv4, by extension fields (RFC 7822: type, length >= 16 and a multiple of 4) and an
// optional MAC (4-byte crypto-NAK, or key id + 16 or 20 byte digest).
#include <cstdint>
#include <span>

#include "common/result.hpp"

namespace pb::ntp {

inline constexpr std::size_t kHeaderSize = 48;

enum class Mode : std::uint8_t {
  reserved = 0,
  symmetric_active = 1,
  symmetric_passive = 2,
  client = 3,
  server = 4,
  broadcast = 5,
  control = 6,
  private_use = 7,
};

struct Packet {
  std::uint8_t leap = 0;  // 0 none, 1 +1 s, 2 -1 s, 3 unsynchronised
  std::uint8_t version = 4;
  Mode mode = Mode::client;
  std::uint8_t stratum = 0;
  std::int8_t poll = 0;
  std::int8_t precision = 0;
  std::uint32_t root_delay = 0;       // 16.16 seconds
  std::uint32_t root_dispersion = 0;  // 16.16 seconds
  std::uint32_t reference_id = 0;
  std::uint64_t reference = 0;
  std::uint64_t origin = 0;
  std::uint64_t receive = 0;
  std::uint64_t transmit = 0;
  bool operator==(const Packet&) const = default;
};

// Why a datagram got no answer. Every value has a counter (STYLE.md: drops by named reason).
enum class DropReason : std::uint8_t {
  too_short,      // under 48 bytes
  bad_length,     // not a multiple of 4 (RFC 5905 section 7.3)
  bad_extension,  // an extension field or MAC that does not fit its declared length
  bad_version,    // version 0 or above 4
  not_client,     // modes 0, 1, 2, 4, 5: we are a server only
  control,        // mode 6 (ntpq): no control channel on the NTP port
  private_mode,   // mode 7 (ntpdc monlist): the classic amplifier
  rate_limited,   // over the per-client limit, silently dropped
  count
};
const char* drop_reason_name(DropReason reason) noexcept;

// Parses the header and walks the NTPv4 extension fields without keeping them. Never reads out of `bytes`.
Result<Packet, DropReason> parse(std::span<const std::uint8_t> bytes) noexcept;
// Writes the 48-byte header; returns 0 when `out` is shorter.
std::size_t write(const Packet& packet, std::span<std::uint8_t> out) noexcept;

}  // namespace pb::ntp
