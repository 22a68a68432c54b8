#include "sntpd/packet.hpp"

#include "common/wire.hpp"

namespace pb::ntp {
namespace {

// After the header of an NTPv4 packet: extension fields, then at most a MAC (RFC 7822 section 7.5).
bool valid_trailer(WireReader& r) noexcept {
  while (r.remaining() > 0) {
    const std::size_t left = r.remaining();
    if (left == 4 || left == 20 || left == 24) return true;  // crypto-NAK, or key id + MD5/SHA-1 digest
    r.u16();                                                 // field type: unknown ones are skipped
    const std::uint16_t length = r.u16();                    // of the whole field, header included
    if (!r.ok() || length < 16 || length % 4 != 0 || length - 4u > r.remaining()) return false;
    r.skip(length - 4u);
  }
  return r.ok();
}

}  // namespace

const char* drop_reason_name(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::too_short: return "too_short";
    case DropReason::bad_length: return "bad_length";
    case DropReason::bad_extension: return "bad_extension";
    case DropReason::bad_version: return "bad_version";
    case DropReason::not_client: return "not_client";
    case DropReason::control: return "control";
    case DropReason::private_mode: return "private_mode";
    case DropReason::rate_limited: return "rate_limited";
    case DropReason::count: break;
  }
  return "unknown";
}

Result<Packet, DropReason> parse(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kHeaderSize) return Err{DropReason::too_short};
  if (bytes.size() % 4 != 0) return Err{DropReason::bad_length};
  WireReader r(bytes);
  Packet p;
  const std::uint8_t first = r.u8();
  p.leap = first >> 6;
  p.version = (first >> 3) & 7;
  p.mode = static_cast<Mode>(first & 7);
  p.stratum = r.u8();
  p.poll = static_cast<std::int8_t>(r.u8());
  p.precision = static_cast<std::int8_t>(r.u8());
  p.root_delay = r.u32();
  p.root_dispersion = r.u32();
  p.reference_id = r.u32();
  p.reference = r.u64();
  p.origin = r.u64();
  p.receive = r.u64();
  p.transmit = r.u64();
  if (!r.ok()) return Err{DropReason::too_short};
  // Versions before 4 have no extension fields: whatever follows is an authenticator, ignored.
  if (p.version == 4 && !valid_trailer(r)) return Err{DropReason::bad_extension};
  return p;
}

std::size_t write(const Packet& p, std::span<std::uint8_t> out) noexcept {
  if (out.size() < kHeaderSize) return 0;
  WireWriter w(out);
  w.u8(static_cast<std::uint8_t>((p.leap & 3) << 6 | (p.version & 7) << 3 | (static_cast<std::uint8_t>(p.mode) & 7)));
  w.u8(p.stratum);
  w.u8(static_cast<std::uint8_t>(p.poll));
  w.u8(static_cast<std::uint8_t>(p.precision));
  w.u32(p.root_delay);
  w.u32(p.root_dispersion);
  w.u32(p.reference_id);
  w.u64(p.reference);
  w.u64(p.origin);
  w.u64(p.receive);
  w.u64(p.transmit);
  return w.ok() ? w.size() : 0;
}

}  // namespace pb::ntp
