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

}  // namespace
}  // namespace pb
