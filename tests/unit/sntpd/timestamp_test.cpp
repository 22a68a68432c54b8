// NTP timestamps and Unix time, across the 2036 rollover.
#include "sntpd/timestamp.hpp"

#include <gtest/gtest.h>

namespace pb::ntp {
namespace {

constexpr std::int64_t kEra1Start = 2085978496;  // 2036-02-07T06:28:16Z, NTP seconds wrap to 0

TEST(Timestamp, UnixEpochIsNtp2208988800) { EXPECT_EQ(to_ntp(0, 0), std::uint64_t{2208988800} << 32); }

TEST(Timestamp, HalfSecondIsHalfFraction) { EXPECT_EQ(to_ntp(0, 500000000) & 0xffffffffu, 0x80000000u); }

TEST(Timestamp, Era1StartsAtZeroSeconds) {
  EXPECT_EQ(to_ntp(kEra1Start, 0), 0u);
  EXPECT_EQ(to_ntp(kEra1Start - 1, 0) >> 32, 0xffffffffu);
}

TEST(Timestamp, FromNtpPicksEraNearestThePivot) {
  // The same wire value means 1968 or 2104 alone; 2036 onwards with a 2030s pivot.
  const std::uint64_t zero = 0;
  EXPECT_EQ(from_ntp(zero, kEra1Start - 1000).tv_sec, kEra1Start);
  EXPECT_EQ(from_ntp(zero, 0).tv_sec, kEra1Start);             // from 1970, 2036 is nearer than 1900
  EXPECT_EQ(from_ntp(zero, -2000000000).tv_sec, -kUnixToNtp);  // from 1906, era 0 start
  const std::uint64_t late_era0 = std::uint64_t{0xfffffff0} << 32;
  EXPECT_EQ(from_ntp(late_era0, kEra1Start + 100).tv_sec, kEra1Start - 16);
}

TEST(Timestamp, RoundTripAcrossRollover) {
  for (std::int64_t t :
       {std::int64_t{1700000000}, kEra1Start - 1, kEra1Start, kEra1Start + 1, std::int64_t{4000000000}}) {
    const timespec back = from_ntp(to_ntp(t, 123456789), t + 86400);
    EXPECT_EQ(back.tv_sec, t);
    EXPECT_NEAR(back.tv_nsec, 123456789, 1);
  }
}

TEST(Timestamp, DifferenceIsExactAcrossRollover) {
  const std::uint64_t before = to_ntp(kEra1Start - 1, 0);
  const std::uint64_t after = to_ntp(kEra1Start + 2, 0);
  EXPECT_DOUBLE_EQ(difference(after, before), 3.0);
  EXPECT_DOUBLE_EQ(difference(before, after), -3.0);
  EXPECT_EQ(add_seconds(before, 3.0), after);
  EXPECT_EQ(add_seconds(after, -3.0), before);
}

TEST(Timestamp, ShortFormatRoundsUpAndSaturates) {
  EXPECT_EQ(to_short(0), 0u);
  EXPECT_EQ(to_short(-1), 0u);
  EXPECT_EQ(to_short(1.0), 0x00010000u);
  EXPECT_EQ(to_short(1.0 / 65536 / 2), 1u);  // half a unit still claims one
  EXPECT_EQ(to_short(1e9), 0xffffffffu);
  EXPECT_DOUBLE_EQ(from_short(0x00018000), 1.5);
}

}  // namespace
}  // namespace pb::ntp
