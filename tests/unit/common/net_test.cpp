#include "common/net.hpp"

#include <gtest/gtest.h>

namespace pb {
namespace {

TEST(Ipv4Address, ParsesDottedQuad) {
  auto a = Ipv4Address::parse("10.250.1.151");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0x0afa0197u);
  EXPECT_EQ(a->str(), "10.250.1.151");
}

TEST(Ipv4Address, RejectsEverythingElse) {
  for (const char* bad : {"", "10.250.0", "10.250.0.300", "10.250.0.1.", "010.1.1.1", "1.2.3.4 ", "a.b.c.d", "1..2.3",
                          "-1.2.3.4", "1.2.3.4/24", "1234.1.1.1"})
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
}

TEST(Ipv4Prefix, ParsesAndComputesNetwork) {
  auto p = Ipv4Prefix::parse("10.250.0.2/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->network().str(), "10.250.0.0");
  EXPECT_EQ(p->broadcast().str(), "10.250.0.255");
  EXPECT_TRUE(p->contains(*Ipv4Address::parse("10.250.0.77")));
  EXPECT_FALSE(p->contains(*Ipv4Address::parse("10.250.1.151")));
  EXPECT_EQ(p->str(), "10.250.0.2/24");
  EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->mask(), 0u);
  for (const char* bad : {"10.250.0.2", "10.250.0.2/33", "10.250.0.2/", "10.250.0.2/x", "10.250.0.2/-1"})
    EXPECT_FALSE(Ipv4Prefix::parse(bad)) << bad;
}

TEST(FormatMac, LowerCaseHexPairsJoinedByColons) {
  const std::uint8_t mac[] = {0x00, 0x04, 0xF2, 0xAA, 0x0B, 0xCC};
  EXPECT_EQ(format_mac(mac), "00:04:f2:aa:0b:cc");
  const std::uint8_t longer[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};  // chaddr may be up to 16
  EXPECT_EQ(format_mac(longer), "01:02:03:04:05:06:07:08");
  EXPECT_EQ(format_mac({}), "");
}

}  // namespace
}  // namespace pb
