#include "provisiond/http_server.hpp"

#include <gtest/gtest.h>

namespace pb::prov {
namespace {

constexpr std::uint32_t kTimeout = 1000;  // header_timeout_ms, as in the HTTP integration test

TEST(BodyDeadline, SlowButSteadyUploadIsNeverCut) {
  // 8 MiB (the default per-file cap) at 2 KiB/s, 256 bytes every 125 ms: over an hour, never timed out.
  std::uint64_t received = 0;
  for (std::uint64_t now = 0; received < (8u << 20); now += 125) {
    received += 256;
    ASSERT_GT(body_deadline(0, now, received, kTimeout), now + 125) << "at " << now << " ms";
  }
}

TEST(BodyDeadline, OneKiBPerSecondIsEnough) {
  // 3 MiB at exactly the minimum pace takes 3072 s; its deadline stays a grace ahead the whole way.
  for (std::uint64_t s = 1; s <= 3072; ++s)
    ASSERT_EQ(body_deadline(0, s * 1000, s * 1024, kTimeout), s * 1000 + kTimeout);
}

TEST(BodyDeadline, StalledUploadEndsOneTimeoutAfterItsLastByte) {
  EXPECT_EQ(body_deadline(0, 0, 0, kTimeout), 1000u) << "the first byte is due within the timeout";
  EXPECT_EQ(body_deadline(0, 5000, 50000, kTimeout), 6000u);
  EXPECT_EQ(body_deadline(7000, 7000, 0, 10000), 17000u);
}

TEST(BodyDeadline, TricklingUploadEndsOnceItFallsUnderTheMinimumPace) {
  // 16 bytes every 200 ms (80 B/s): bytes keep coming, but the pace deadline does not move.
  std::uint64_t received = 0, now = 0;
  while (body_deadline(0, now, received, kTimeout) > now + 200 && now < 60000) {
    now += 200;
    received += 16;
  }
  EXPECT_LE(now, 1200u) << "cut after about the grace, not after the whole body's worth of time";
}

}  // namespace
}  // namespace pb::prov
