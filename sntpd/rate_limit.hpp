#pragma once
// Per-client rate limit: a token bucket per slot of a fixed table indexed by a hash of the IPv4 address, so
// a flood from spoofed sources costs no memory. Addresses that hash to the same slot share its bucket (and
// its one KoD a second): two colliding clients are limited together, never reset each other to a full
// bucket. With the generous default (phones poll once an hour or a day, 4096 slots) sharing is harmless; a
// spoofed flood spread over every slot drains them only above rate x slots requests per second (65,536/s
// with the defaults), a rate at which the server itself is the bottleneck.
//
// Time is injected (milliseconds of any monotonic clock), so the arithmetic is tested without waiting.
#include <cstdint>
#include <vector>

namespace pb::ntp {

class RateLimiter {
 public:
  enum class Verdict : std::uint8_t { allow, drop, kod };

  // `rate`: requests per second sustained; 0 turns the limiter off. `burst`: bucket size.
  // `kod`: answer the first request over the limit in each second with a KoD RATE, drop the rest.
  RateLimiter(std::uint32_t rate, std::uint32_t burst, bool kod, std::size_t slots = 4096);
  Verdict check(std::uint32_t address, std::uint64_t now_ms) noexcept;
  bool enabled() const noexcept { return rate_ != 0; }

 private:
  struct Bucket {
    std::uint32_t last_kod_s = 0;    // now_ms / 1000 of the last KoD sent, +1 (0: never)
    std::uint64_t updated_ms = 0;    // 0: never used (a full bucket)
    std::uint64_t tokens_milli = 0;  // thousandths of a request
  };
  std::uint64_t rate_;
  std::uint64_t burst_milli_;
  bool kod_;
  std::vector<Bucket> buckets_;
};

}  // namespace pb::ntp
