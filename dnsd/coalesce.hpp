#pragma once
// Wake-up coalescing for a UDP worker under heavy load, as NICs moderate their interrupts: when queries
// arrive faster than kAboveQps, the worker pauses kPause after answering a batch, so that its next receive
// takes many queries at once. Each wake-up (a context switch, a recvmmsg and a sendmmsg) is then shared by
// a batch of ten or more instead of paid by one or two queries (bench/dns.sh at the generator's ceiling,
// ~120k qps: 3.95 us of CPU per query instead of ~7). Below kAboveQps it costs more than it saves: the
// pause's own timer wake-up is paid by two or three queries (at 20k qps with kAboveQps = 5000: 12.3 us per
// query instead of 9.2, and twice the p99). A query waits at most kPause longer, and below kAboveQps (a
// site's phones booting) nothing ever waits. Pure arithmetic on the caller's clock: tested without sockets.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pb::dns {

class Coalescer {
 public:
  static constexpr double kAboveQps = 40000;
  static constexpr std::chrono::microseconds kPause{100};

  static constexpr std::uint64_t kWindowNs = 10'000'000;  // the rate is counted over 10 ms windows

  // A receive returned `queries` datagrams (`full`: as many as it could take) at `now_ns` (monotonic).
  // Returns how long to pause before the next receive: zero when the last window's rate was low or the batch
  // was full (a full batch means more are already waiting).
  std::chrono::nanoseconds after_batch(std::size_t queries, std::uint64_t now_ns, bool full) noexcept {
    // Counted over a window, not from the gap between two batches: two queries sent back to back would
    // otherwise look like a million a second.
    if (window_start_ns_ == 0) window_start_ns_ = now_ns;
    window_queries_ += queries;
    if (now_ns - window_start_ns_ >= kWindowNs) {
      rate_qps_ = static_cast<double>(window_queries_) * 1e9 / static_cast<double>(now_ns - window_start_ns_);
      window_start_ns_ = now_ns;
      window_queries_ = 0;
    }
    if (full || rate_qps_ < kAboveQps) return std::chrono::nanoseconds{0};
    return kPause;
  }

  // The rate of the last complete window (queries per second).
  double rate_qps() const noexcept { return rate_qps_; }

 private:
  std::uint64_t window_start_ns_ = 0;
  std::uint64_t window_queries_ = 0;
  double rate_qps_ = 0;
};

}  // namespace pb::dns
