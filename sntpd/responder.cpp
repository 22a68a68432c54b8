#include "sntpd/responder.hpp"

#include <algorithm>

#include "sntpd/timestamp.hpp"

namespace pb::ntp {

Result<std::size_t, DropReason> respond(const Request& request, const ServerState& state, RateLimiter* limiter,
                                        std::span<std::uint8_t> out) noexcept {
  auto parsed = parse(request.bytes);
  if (!parsed) return Err{parsed.error()};
  const Packet& in = parsed.value();
  if (in.version < 1 || in.version > 4) return Err{DropReason::bad_version};
  if (in.mode == Mode::control) return Err{DropReason::control};
  if (in.mode == Mode::private_use) return Err{DropReason::private_mode};
  if (in.mode != Mode::client) return Err{DropReason::not_client};

  Packet reply;
  reply.version = in.version;
  reply.mode = Mode::server;
  reply.poll = std::clamp<std::int8_t>(std::max(in.poll, state.poll), 0, 17);
  reply.precision = state.precision;
  reply.origin = in.transmit;

  const auto verdict = limiter ? limiter->check(request.client, request.now_ms) : RateLimiter::Verdict::allow;
  if (verdict == RateLimiter::Verdict::drop) return Err{DropReason::rate_limited};
  if (verdict == RateLimiter::Verdict::kod) {
    // RFC 5905 section 7.4: stratum 0 and the kiss code in the reference id. Like chrony, the timestamps
    // are the client's own, so a kiss carries no time a client could be fooled into using.
    reply.leap = 3;
    reply.stratum = 0;
    reply.reference_id = kKissRate;
    reply.receive = in.transmit;
    reply.transmit = in.transmit;
    const std::size_t n = write(reply, out);
    if (n == 0) return Err{DropReason::too_short};
    return n;
  }
  reply.leap = state.leap;
  reply.stratum = state.stratum;
  reply.root_delay = to_short(state.root_delay);
  reply.root_dispersion = to_short(state.root_dispersion);
  reply.reference_id = state.reference_id;
  reply.reference = state.reference_time;
  reply.receive = request.receive;
  reply.transmit = request.transmit;
  const std::size_t n = write(reply, out);
  if (n == 0) return Err{DropReason::too_short};
  return n;
}

void patch_transmit(std::span<std::uint8_t> reply, std::uint64_t transmit) noexcept {
  if (reply.size() < kHeaderSize || reply[1] == 0) return;  // stratum 0: a kiss
  for (int i = 0; i < 8; ++i)
    reply[kTransmitOffset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(transmit >> (56 - 8 * i));
}

}  // namespace pb::ntp
