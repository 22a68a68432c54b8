#pragma once
// The answer engine: query bytes in, answer bytes out, no I/O (STYLE.md "Protocol cores with no I/O").
// UDP, TCP, unit tests and the fuzzer all call answer() the same way.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dnsd/query.hpp"
#include "dnsd/tables.hpp"

namespace pb::dns {

enum class Outcome : std::uint8_t {
  reply,     // `size` bytes of answer are in the output buffer
  drop,      // nothing to send (see `drop`)
  transfer,  // an AXFR/IXFR over TCP: the caller checks the ACL and streams Tables::zones[zone].axfr
  forward,   // a name outside our zones from a client allowed to use forwarding
};

struct Transport {
  bool tcp = false;
  bool may_forward = false;  // forwarding is on and the client is inside its networks
};

struct Answer {
  Outcome outcome = Outcome::drop;
  std::size_t size = 0;
  std::uint8_t rcode = 0;
  std::uint16_t qtype = 0;
  bool truncated = false;
  Drop drop = Drop::none;
  std::uint32_t zone = 0;  // for transfer
};

namespace rcode {
inline constexpr std::uint8_t noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5,
                              notauth = 9, badvers = 16;
}

// An answer from a rotating RRset advances that RRset's rotor in `tables` (thread-safe, lock-free).
// `out` should hold 65535 bytes for TCP, at least 4096 for UDP.
Answer answer(const Tables& tables, std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
              const Transport& transport) noexcept;

// Turns an answer already in `out` into its truncated form (header and question, TC=1, no records): what RRL
// "slips" to a limited client so that a real one retries over TCP. Returns the new size (0 if unusable).
std::size_t truncate_answer(std::span<std::uint8_t> out, std::size_t size) noexcept;

// The largest UDP answer this query may get: 512 without EDNS, else its payload bounded by ours (RFC 6891 6.2.5).
std::size_t udp_limit(const Query& q, std::uint16_t our_payload) noexcept;

}  // namespace pb::dns
