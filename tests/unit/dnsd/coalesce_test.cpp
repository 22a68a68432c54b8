// Wake-up coalescing: which rates make a UDP worker pause between batches, and which never do.
#include "dnsd/coalesce.hpp"

#include <gtest/gtest.h>

namespace pb::dns {
namespace {

constexpr std::uint64_t kUs = 1000;
constexpr std::uint64_t kStart = 1'000'000'000;  // any monotonic time

// Feeds `batches` batches of `queries` each, `gap_us` apart; returns the pause after the last one.
std::chrono::nanoseconds feed(Coalescer& c, std::uint64_t& now, int batches, std::size_t queries,
                              std::uint64_t gap_us) {
  std::chrono::nanoseconds pause{0};
  for (int i = 0; i < batches; ++i) {
    pause = c.after_batch(queries, now, false);
    now += gap_us * kUs;
  }
  return pause;
}

TEST(DnsdCoalescer, PhonesBootingNeverWait) {
  Coalescer c;
  std::uint64_t now = kStart;
  // 1,000 qps for 50 ms, one query a batch: never a pause.
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c.after_batch(1, now + i * 1000 * kUs, false).count(), 0) << i;
  EXPECT_NEAR(c.rate_qps(), 1000, 50);
}

TEST(DnsdCoalescer, TwentyThousandQpsIsAnsweredAtOnce) {
  Coalescer c;
  std::uint64_t now = kStart;
  EXPECT_EQ(feed(c, now, 1000, 1, 50).count(), 0);  // 20k qps for 50 ms
  EXPECT_NEAR(c.rate_qps(), 20000, 500);
}

TEST(DnsdCoalescer, QueriesBackToBackAtALowRateDoNotLookLikeAFlood) {
  Coalescer c;
  std::uint64_t now = kStart;
  // Pairs 1 us apart, a pair every 2 ms (1,000 qps): the gap inside a pair must not count as a rate.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c.after_batch(1, now, false).count(), 0);
    EXPECT_EQ(c.after_batch(1, now + kUs, false).count(), 0);
    now += 2000 * kUs;
  }
}

TEST(DnsdCoalescer, HeavyLoadPausesAfterEachBatchOnceAWindowHasShownIt) {
  Coalescer c;
  std::uint64_t now = kStart;
  // 100k qps: ten queries every 100 us. The first window (10 ms) has not been counted yet: no pause.
  EXPECT_EQ(c.after_batch(10, now, false).count(), 0);
  now += 100 * kUs;
  EXPECT_EQ(feed(c, now, 101, 10, 100), Coalescer::kPause);
  EXPECT_NEAR(c.rate_qps(), 100000, 2000);
  // A full batch means more are waiting: receive again at once.
  EXPECT_EQ(c.after_batch(64, now, true).count(), 0);
  // The load drops to 1,000 qps: after one window, no more pauses.
  EXPECT_EQ(feed(c, now, 12, 1, 1000).count(), 0);
}

}  // namespace
}  // namespace pb::dns
