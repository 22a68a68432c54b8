#include "sntpd/rate_limit.hpp"

#include <algorithm>

namespace pb::ntp {

RateLimiter::RateLimiter(std::uint32_t rate, std::uint32_t burst, bool kod, std::size_t slots)
    : rate_(rate), burst_milli_(std::uint64_t{std::max<std::uint32_t>(burst, 1)} * 1000), kod_(kod), buckets_(slots) {}

RateLimiter::Verdict RateLimiter::check(std::uint32_t address, std::uint64_t now_ms) noexcept {
  if (rate_ == 0) return Verdict::allow;
  // Fibonacci hashing spreads neighbouring phone addresses over the table.
  const std::size_t slot = static_cast<std::size_t>((address * 2654435769u) >> 20) % buckets_.size();
  Bucket& b = buckets_[slot];  // shared with every address of the same slot (rate_limit.hpp)
  if (b.updated_ms == 0) {
    b = Bucket{.last_kod_s = 0, .updated_ms = now_ms, .tokens_milli = burst_milli_};
  } else if (now_ms > b.updated_ms) {
    // rate requests per second = rate thousandths of a request per millisecond
    b.tokens_milli = std::min(burst_milli_, b.tokens_milli + (now_ms - b.updated_ms) * rate_);
    b.updated_ms = now_ms;
  }
  if (b.updated_ms == 0) b.updated_ms = 1;  // 0 marks an empty slot
  if (b.tokens_milli >= 1000) {
    b.tokens_milli -= 1000;
    return Verdict::allow;
  }
  if (!kod_) return Verdict::drop;
  const auto second = static_cast<std::uint32_t>(now_ms / 1000) + 1;
  if (b.last_kod_s == second) return Verdict::drop;
  b.last_kod_s = second;
  return Verdict::kod;
}

}  // namespace pb::ntp
