// Clock filter, source states and holdover arithmetic, with an injected clock (seconds).
#include "sntpd/clock.hpp"

#include <gtest/gtest.h>

namespace pb::ntp {
namespace {

Sample sample(double offset, double delay, double time, std::uint8_t stratum = 2) {
  return Sample{.offset = offset,
                .delay = delay,
                .dispersion = 0.001,
                .time = time,
                .leap = 0,
                .stratum = stratum,
                .root_delay = 0.010,
                .root_dispersion = 0.020};
}

ClockConfig config(bool local = true, double holdover = 100) {
  return ClockConfig{
      .local = local, .local_stratum = 10, .kernel_stratum = 8, .holdover = holdover, .poll = 6, .precision = -20};
}

TEST(ClockFilter, BestIsLowestDelayOfLastEight) {
  ClockFilter f;
  EXPECT_FALSE(f.best());
  f.add(sample(0.5, 0.001, 0));  // the best, until pushed out by eight newer ones
  for (int i = 1; i <= 7; ++i) f.add(sample(i, 0.01 * i, i));
  EXPECT_DOUBLE_EQ(f.best()->offset, 0.5);
  f.add(sample(9, 0.05, 8));
  EXPECT_EQ(f.size(), 8u);
  EXPECT_DOUBLE_EQ(f.best()->offset, 1);  // delay 0.01 is now the lowest
}

TEST(RootDistance, AddsHalfDelaysDispersionsAndAge) {
  const Sample s = sample(0, 0.004, 10);
  // (0.010 + 0.004) / 2 + 0.020 + 0.001 + 15e-6 * 100
  EXPECT_NEAR(root_distance(s, 110), 0.007 + 0.021 + 0.0015, 1e-12);
}

TEST(Clock, StartsLocalWithLocalStratum) {
  Clock c(config());
  EXPECT_EQ(c.evaluate(0), SourceState::local);
  const auto s = c.announce(0, 0x1234567800000000u);
  EXPECT_EQ(s.leap, 0);
  EXPECT_EQ(s.stratum, 10);
  EXPECT_EQ(s.reference_id, kLocalReference);
}

TEST(Clock, UnsynchronisedOnlyWithoutLocalAndNeverSynced) {
  Clock c(config(false));
  EXPECT_EQ(c.evaluate(0), SourceState::unsynchronised);
  const auto s = c.announce(0, 0);
  EXPECT_EQ(s.leap, 3);
  EXPECT_EQ(s.stratum, 16);
}

TEST(Clock, SynchronisedIsUpstreamStratumPlusOne) {
  Clock c(config());
  c.synchronised(sample(0.1, 0.004, 10), 10, 0xc0000201, 10, 0xe9000000u << 0);
  EXPECT_EQ(c.evaluate(10), SourceState::synchronised);
  const auto s = c.announce(10, 0);
  EXPECT_EQ(s.stratum, 3);
  EXPECT_EQ(s.reference_id, 0xc0000201u);
  EXPECT_NEAR(s.root_delay, 0.014, 1e-12);
  EXPECT_NEAR(s.root_dispersion, 0.021 + 1.0 / (1 << 20), 1e-12);
}

TEST(Clock, HoldoverKeepsStratumWhileDispersionGrowsAt15ppm) {
  Clock c(config(true, 3600));
  c.synchronised(sample(0.1, 0.004, 1000), 1000, 0xc0000201, 1000, 0);
  c.evaluate(1000);
  const double at_sync = c.announce(1000, 0).root_dispersion;
  c.lost(1500);
  EXPECT_EQ(c.evaluate(1500), SourceState::holdover);
  EXPECT_EQ(c.announce(1500, 0).stratum, 3);
  EXPECT_EQ(c.evaluate(4599), SourceState::holdover);
  EXPECT_NEAR(c.announce(4599, 0).root_dispersion - at_sync, 15e-6 * 3599, 1e-9);
  // Holdover is counted from the last good sample: 3600 s later the local stratum takes over.
  EXPECT_EQ(c.evaluate(4600), SourceState::local);
  EXPECT_EQ(c.announce(4600, 0).stratum, 10);
}

// The filter serves its lowest-delay sample, which may be 7 polls older than the newest: holdover counts from the
// newest good sample (the README's "last good sample"), the dispersion from the sample served.
TEST(Clock, HoldoverCountsFromTheNewestSampleNotTheBestOne) {
  Clock c(config(true, 100));
  const Sample best = sample(0.1, 0.002, 1000);  // lowest delay of the last 8
  c.synchronised(best, 1007, 0xc0000201, 1007, 0);
  c.lost(1015);
  EXPECT_EQ(c.evaluate(1106), SourceState::holdover) << "106 s after the best sample, 99 s after the newest";
  EXPECT_EQ(c.announce(1106, 0).stratum, 3);
  EXPECT_NEAR(c.announce(1106, 0).root_dispersion, 0.021 + 1.0 / (1 << 20) + 15e-6 * 106, 1e-9)
      << "the served offset has aged 106 s";
  EXPECT_EQ(c.evaluate(1107), SourceState::local);
}

TEST(Clock, ReferenceTimeIsWhenTheServedSampleWasTaken) {
  Clock c(config());
  const std::uint64_t now_ntp = std::uint64_t{0xe9000000} << 32;
  c.synchronised(sample(0.1, 0.002, 1000), 1064, 0xc0000201, 1064.5, now_ntp);
  c.evaluate(1064.5);
  const auto s = c.announce(1064.5, now_ntp);
  EXPECT_EQ(s.reference_time, now_ntp - (std::uint64_t{64} << 32) - (std::uint64_t{1} << 31)) << "64.5 s earlier";
}

TEST(Clock, HoldoverWithoutLocalLastsForever) {
  Clock c(config(false, 60));
  c.synchronised(sample(0.1, 0.004, 0), 0, 0xc0000201, 0, 0);
  c.lost(10);
  EXPECT_EQ(c.evaluate(100000), SourceState::holdover);
  const auto s = c.announce(100000, 0);
  EXPECT_EQ(s.stratum, 3);
  EXPECT_NEAR(s.root_dispersion, 0.021 + 1.0 / (1 << 20) + 1.5, 1e-9);  // past MAXDISTANCE: clients decide
}

// local = false: past the holdover time a kernel synchronised by another daemon serves instead of an
// ever-staler holdover; when the kernel loses its sync too, holdover (still honest) comes back.
TEST(Clock, WithoutLocalAnExpiredHoldoverGivesWayToASynchronisedKernel) {
  Clock c(config(false, 60));
  c.synchronised(sample(0.1, 0.004, 0), 0, 0xc0000201, 0, 0);
  c.lost(10);
  c.set_kernel(KernelSync{.synchronised = true, .max_error = 0.05, .leap = 0});
  EXPECT_EQ(c.evaluate(59), SourceState::holdover);
  EXPECT_EQ(c.evaluate(61), SourceState::kernel);
  EXPECT_EQ(c.announce(61, 0).stratum, 8);
  c.set_kernel(KernelSync{});
  EXPECT_EQ(c.evaluate(62), SourceState::holdover);
  EXPECT_EQ(c.announce(62, 0).stratum, 3);
}

TEST(Clock, KernelSyncBeatsLocalAtItsOwnStratum) {
  Clock c(config());
  c.set_kernel(KernelSync{.synchronised = true, .max_error = 0.05, .leap = 1});
  EXPECT_EQ(c.evaluate(0), SourceState::kernel);
  const auto s = c.announce(0, 0);
  EXPECT_EQ(s.leap, 1);
  EXPECT_EQ(s.stratum, 8) << "kernel_stratum, not local_stratum";
  EXPECT_DOUBLE_EQ(s.root_dispersion, 0.05);
}

// local = false: the host clock is no source of its own. The kernel kept by another daemon is one, while the
// kernel says so; once it says unsynchronised, no stratum is claimed.
TEST(Clock, WithoutLocalKernelSyncServesOnlyWhileTheKernelIsSynchronised) {
  Clock c(config(false));
  c.set_kernel(KernelSync{.synchronised = true, .max_error = 0.05, .leap = 0});
  EXPECT_EQ(c.evaluate(0), SourceState::kernel);
  EXPECT_EQ(c.announce(0, 0).stratum, 8);
  c.set_kernel(KernelSync{});
  EXPECT_EQ(c.evaluate(1), SourceState::unsynchronised);
  const auto s = c.announce(1, 0);
  EXPECT_EQ(s.leap, 3);
  EXPECT_EQ(s.stratum, 16);
}

TEST(Clock, RecoversFromHoldover) {
  Clock c(config());
  c.synchronised(sample(0.1, 0.004, 0), 0, 1, 0, 0);
  c.lost(10);
  EXPECT_EQ(c.evaluate(200), SourceState::local);
  c.synchronised(sample(0.1, 0.004, 300), 300, 1, 300, 0);
  EXPECT_EQ(c.evaluate(300), SourceState::synchronised);
}

}  // namespace
}  // namespace pb::ntp
