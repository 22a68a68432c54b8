// Token buckets per client, with an injected millisecond clock.
#include "sntpd/rate_limit.hpp"

#include <gtest/gtest.h>

namespace pb::ntp {
namespace {

using V = RateLimiter::Verdict;

TEST(RateLimit, BurstThenSustainedRate) {
  RateLimiter r(2, 4, false);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.check(0x0a000001, 1000), V::allow);
  EXPECT_EQ(r.check(0x0a000001, 1000), V::drop);
  EXPECT_EQ(r.check(0x0a000001, 1499), V::drop);   // 0.998 of a token
  EXPECT_EQ(r.check(0x0a000001, 1500), V::allow);  // 2/s: one token per 500 ms
  EXPECT_EQ(r.check(0x0a000002, 1500), V::allow);  // another client has its own bucket
}

TEST(RateLimit, RefillsNoFurtherThanBurst) {
  RateLimiter r(1, 2, false);
  EXPECT_EQ(r.check(7, 1000), V::allow);
  EXPECT_EQ(r.check(7, 1000000), V::allow);
  EXPECT_EQ(r.check(7, 1000000), V::allow);
  EXPECT_EQ(r.check(7, 1000000), V::drop);
}

// Addresses that hash to the same slot are limited together: a collision never hands either a fresh bucket.
TEST(RateLimit, CollidingClientsShareOneBucket) {
  RateLimiter r(1, 4, false, 1);  // a table of one slot: every address collides
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += r.check(i % 2 ? 0x0a000001 : 0x0a000002, 1000) == V::allow;
  EXPECT_EQ(allowed, 4) << "one burst between them, not one per alternation";
  EXPECT_EQ(r.check(0x0a000003, 2000), V::allow) << "the shared bucket refills at the rate";
  EXPECT_EQ(r.check(0x0a000001, 2000), V::drop);
}

TEST(RateLimit, CollidingClientsShareOneKissPerSecond) {
  RateLimiter r(1, 1, true, 1);
  EXPECT_EQ(r.check(1, 1000), V::allow);
  EXPECT_EQ(r.check(2, 1100), V::kod);
  EXPECT_EQ(r.check(1, 1200), V::drop);
}

TEST(RateLimit, OffWhenRateIsZero) {
  RateLimiter r(0, 1, true);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.check(7, 1000), V::allow);
}

TEST(RateLimit, OneKissPerSecond) {
  RateLimiter r(1, 1, true);
  EXPECT_EQ(r.check(7, 1000), V::allow);
  EXPECT_EQ(r.check(7, 1100), V::kod);
  EXPECT_EQ(r.check(7, 1200), V::drop);
  EXPECT_EQ(r.check(7, 2100), V::allow);  // refilled
  EXPECT_EQ(r.check(7, 2200), V::kod);    // a new second
}

}  // namespace
}  // namespace pb::ntp
