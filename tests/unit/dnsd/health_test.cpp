// The health state machine and schedule with an injected clock: no sockets, no sleeping.
#include <gtest/gtest.h>

#include "dnsd/health.hpp"
#include "dnsd/rrl.hpp"

namespace pb::dns {
namespace {

using Ids = std::vector<std::size_t>;

TEST(DnsdHealth, UnknownCountsAsUpUntilFallFailures) {
  HealthState s(2, 3);
  EXPECT_EQ(s.state(), HealthState::State::unknown);
  EXPECT_TRUE(s.live());  // PowerDNS #12557: never "nobody" before the first check
  EXPECT_FALSE(s.record(false));
  EXPECT_FALSE(s.record(false));
  EXPECT_TRUE(s.live());
  EXPECT_TRUE(s.record(false));  // the third failure in a row
  EXPECT_FALSE(s.live());
}

TEST(DnsdHealth, RiseSuccessesBringItBackAndAFailureResetsThem) {
  HealthState s(2, 1);
  EXPECT_TRUE(s.record(false));
  EXPECT_FALSE(s.record(true));
  EXPECT_FALSE(s.record(false));  // flapping: the count starts over
  EXPECT_FALSE(s.record(true));
  EXPECT_TRUE(s.record(true));
  EXPECT_EQ(s.state(), HealthState::State::up);
  EXPECT_FALSE(s.record(true));
}

TEST(DnsdHealth, FirstSuccessMakesUnknownUpWithoutAChange) {
  HealthState s(3, 3);
  EXPECT_FALSE(s.record(true));
  EXPECT_EQ(s.state(), HealthState::State::up);
}

TEST(DnsdHealthSchedule, ChecksStartAtOnceThenEveryIntervalOneAtATime) {
  HealthSchedule h(2, 1000, 1, 2);
  EXPECT_EQ(h.due(0), (Ids{0, 1}));
  EXPECT_EQ(h.due(10), Ids{});  // in flight
  EXPECT_FALSE(h.finish(0, true));
  EXPECT_EQ(h.due(999), Ids{});  // finished, but not due yet
  EXPECT_EQ(h.due(1000), (Ids{0}));
  EXPECT_FALSE(h.finish(1, false));
  EXPECT_EQ(h.due(1000), (Ids{1}));
  EXPECT_TRUE(h.finish(1, false));  // fall = 2
  EXPECT_EQ(h.live(), (std::vector<bool>{true, false}));
  EXPECT_EQ(h.due(1500), Ids{});
  EXPECT_EQ(h.due(2000), (Ids{1}));
  EXPECT_TRUE(h.finish(1, true));  // rise = 1
  EXPECT_EQ(h.live(), (std::vector<bool>{true, true}));
}

TEST(DnsdRrl, LimitsPerNetworkWithSlipAndExemptsTheSite) {
  config::DnsRrl c;
  c.rate = 3;
  c.slip = 2;
  Rrl r(c, *Ipv4Prefix::parse("10.250.0.2/24"));
  const std::uint32_t a = Ipv4Address::parse("192.0.2.1")->value, b = Ipv4Address::parse("192.0.2.77")->value;
  EXPECT_EQ(r.check(a, 5), Rrl::Verdict::send);
  EXPECT_EQ(r.check(b, 5), Rrl::Verdict::send);  // same /24
  EXPECT_EQ(r.check(a, 5), Rrl::Verdict::send);
  EXPECT_EQ(r.check(a, 5), Rrl::Verdict::drop);
  EXPECT_EQ(r.check(a, 5), Rrl::Verdict::slip);
  EXPECT_EQ(r.check(a, 6), Rrl::Verdict::send);  // a new second
  const std::uint32_t phone = Ipv4Address::parse("10.250.0.77")->value;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r.check(phone, 5), Rrl::Verdict::send);
}

}  // namespace
}  // namespace pb::dns
