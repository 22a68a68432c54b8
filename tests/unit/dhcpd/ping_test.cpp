// ICMP helpers of ping_check: the echo request's bytes and checksum, and echo reply matching.
#include "dhcpd/ping.hpp"

#include <gtest/gtest.h>

namespace pb::dhcp {
namespace {

TEST(DhcpdPing, EchoRequestGoldenBytes) {
  auto p = build_echo_request(0x1234, 1);
  ASSERT_EQ(p.size(), 16u);
  EXPECT_EQ(p[0], 8);  // type: echo request
  EXPECT_EQ(p[1], 0);  // code
  EXPECT_EQ(p[4], 0x12);
  EXPECT_EQ(p[5], 0x34);  // identifier
  EXPECT_EQ(p[6], 0);
  EXPECT_EQ(p[7], 1);  // sequence
  // The one's complement sum over the whole message, checksum included, is 0xffff.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < p.size(); i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
}

TEST(DhcpdPing, MatchesEchoReplyByIdentifier) {
  std::vector<std::uint8_t> d = {0x45, 0,   0, 36,  0,    0,    0, 0, 64, 1, 0, 0,  // IPv4 header, protocol ICMP
                                 10,   250, 0, 100,                                 // source
                                 10,   250, 0, 2,                                   // destination
                                 0,    0,   0, 0,   0x12, 0x34, 0, 1};              // echo reply, id 0x1234, seq 1
  EXPECT_EQ(parse_echo_reply(d, 0x1234), std::optional<std::uint32_t>(0x0afa0064u));
  EXPECT_FALSE(parse_echo_reply(d, 0x9999));
  d[20] = 8;  // an echo request is not a reply
  EXPECT_FALSE(parse_echo_reply(d, 0x1234));
  EXPECT_FALSE(parse_echo_reply(std::span(d).first(22), 0x1234));
}

}  // namespace
}  // namespace pb::dhcp
