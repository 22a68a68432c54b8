// The client side's pure part: four timestamps -> offset, delay, and which replies are not worth a sample.
#include <gtest/gtest.h>

#include "sntpd/timestamp.hpp"
#include "sntpd/upstream.hpp"

namespace pb::ntp {
namespace {

Packet reply_at(std::uint64_t t2, std::uint64_t t3) {
  Packet p;
  p.version = 4;
  p.mode = Mode::server;
  p.stratum = 2;
  p.precision = -20;
  p.root_delay = to_short(0.010);
  p.root_dispersion = to_short(0.020);
  p.receive = t2;
  p.transmit = t3;
  return p;
}

TEST(Measure, OffsetAndDelayFromFourTimestamps) {
  // Upstream 0.5 s ahead; 20 ms each way; 1 ms in the upstream.
  const std::uint64_t t1 = to_ntp(1700000000, 0);
  const std::uint64_t t2 = add_seconds(t1, 0.5 + 0.020);
  const std::uint64_t t3 = add_seconds(t2, 0.001);
  const std::uint64_t t4 = add_seconds(t1, 0.041);
  auto s = measure(reply_at(t2, t3), t1, t4, -20, 100);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset, 0.5, 1e-6);
  EXPECT_NEAR(s->delay, 0.040, 1e-6);
  EXPECT_EQ(s->stratum, 2);
  EXPECT_NEAR(s->root_dispersion, 0.020, 1e-4);
  EXPECT_DOUBLE_EQ(s->time, 100);
}

TEST(Measure, WorksAcrossThe2036Rollover) {
  const std::uint64_t t1 = to_ntp(2085978496 - 1, 500000000);  // half a second before era 1
  const std::uint64_t t2 = add_seconds(t1, 1.0);               // upstream 1 s ahead, already in era 1
  const std::uint64_t t3 = t2;
  const std::uint64_t t4 = t1;
  auto s = measure(reply_at(t2, t3), t1, t4, -20, 0);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset, 1.0, 1e-6);
}

TEST(Measure, RefusesUnsynchronisedKissAndFarServers) {
  const std::uint64_t t1 = to_ntp(1700000000, 0);
  auto p = reply_at(t1, t1);
  p.leap = 3;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.stratum = 0;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p.stratum = 16;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(0, t1);
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.root_dispersion = to_short(2.0);  // beyond the 1.5 s clients accept
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.mode = Mode::client;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
}

}  // namespace
}  // namespace pb::ntp
