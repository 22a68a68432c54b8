// Fuzz target for the NTP request path: parse, answer, and check the invariants that make sntpd safe to
// expose: never a reply longer than the request, never one to a non-client mode, the origin always the
// request's transmit, and a parsed header that writes back to the same 48 bytes. The parsed packet also
// goes through the client side's measure(), as an upstream's reply would.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "sntpd/responder.hpp"
#include "sntpd/upstream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pb::ntp;
  const std::span<const std::uint8_t> bytes(data, size);
  auto parsed = parse(bytes);
  if (parsed) {
    std::uint8_t header[kHeaderSize];
    if (write(parsed.value(), header) != kHeaderSize) std::abort();
    if (std::memcmp(header, data, kHeaderSize) != 0) std::abort();  // header round-trips byte for byte
    auto again = parse(std::span<const std::uint8_t>(header, kHeaderSize));
    if (!again || !(again.value() == parsed.value())) std::abort();
    // The same bytes as an upstream's reply (the client side parses them too): a sample, if any, is sane.
    if (auto sample = measure(parsed.value(), 0xe900000000000000u, 0xe900000100000000u, -20, 10.0)) {
      if (!(sample->delay > 0) || !(sample->dispersion > 0) || sample->stratum == 0 || sample->stratum > 15)
        std::abort();
    }
  }
  ServerState state;
  state.leap = 0;
  state.stratum = 10;
  RateLimiter limiter(1, 2, true);
  std::vector<std::uint8_t> out(2048);
  for (int i = 0; i < 3; ++i) {  // allowed, allowed, kiss
    Request request{.bytes = bytes, .client = 0x0a000001, .receive = 1, .transmit = 2, .now_ms = 1000};
    auto reply = respond(request, state, &limiter, out);
    if (!reply) continue;
    if (reply.value() > size || reply.value() != kHeaderSize) std::abort();
    if (!parsed || parsed->mode != Mode::client || parsed->version < 1 || parsed->version > 4) std::abort();
    if (std::memcmp(out.data() + 24, data + 40, 8) != 0) std::abort();  // origin = request's transmit
    if ((out[0] & 7) != 4) std::abort();
  }
  return 0;
}
