// Wire codec: golden bytes with a comment per field (c-ares style), RFC 3396 concatenation, option 52
// overload, truncation, and reply layout.
#include "dhcpd/packet.hpp"

#include <gtest/gtest.h>

namespace pb::dhcp {
namespace {

std::vector<std::uint8_t> discover_bytes() {
  std::vector<std::uint8_t> b = {
      0x01,                                                              // op: BOOTREQUEST
      0x01,                                                              // htype: Ethernet
      0x06,                                                              // hlen
      0x01,                                                              // hops
      0x12, 0x34, 0x56, 0x78,                                            // xid
      0x00, 0x03,                                                        // secs
      0x80, 0x00,                                                        // flags: broadcast
      0,    0,    0,    0,                                               // ciaddr
      0,    0,    0,    0,                                               // yiaddr
      0,    0,    0,    0,                                               // siaddr
      10,   20,   0,    1,                                               // giaddr 10.20.0.1
      0x00, 0x26, 0xfd, 0x00, 0x95, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // chaddr
  };
  b.resize(236, 0);  // sname (64) + file (128), empty
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{0x63, 0x82, 0x53, 0x63}) b.push_back(x);  // magic cookie
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{53, 1, 1}) b.push_back(x);                // DHCPDISCOVER
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{60, 6, 'S', 'I', 'P', '1', '0', '0'})
    b.push_back(x);  // vendor class
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{55, 3, 1, 3, 160})
    b.push_back(x);  // parameter request list
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{12, 2, 'a', 'b'})
    b.push_back(x);  // host name, first instance
  b.push_back(0);    // a PAD between options
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{12, 2, 'c', 'd'})
    b.push_back(x);  // host name, continued (RFC 3396)
  b.push_back(255);  // END
  return b;
}

TEST(DhcpdPacket, ParsesDiscoverGoldenBytes) {
  auto bytes = discover_bytes();
  auto r = parse(bytes);
  ASSERT_TRUE(r.ok());
  const Packet& p = r.value();
  EXPECT_EQ(p.type, MessageType::discover);
  EXPECT_EQ(p.xid, 0x12345678u);
  EXPECT_EQ(p.hops, 1);
  EXPECT_EQ(p.flags, kBroadcastFlag);
  EXPECT_EQ(p.giaddr.str(), "10.20.0.1");
  EXPECT_EQ(p.hwaddr().size(), 6u);
  EXPECT_EQ(p.hwaddr()[2], 0xfd);
  auto vc = p.option(60);
  EXPECT_EQ(std::string(vc.begin(), vc.end()), "SIP100");
  auto host = p.option(12);
  EXPECT_EQ(std::string(host.begin(), host.end()), "abcd");  // concatenated
  EXPECT_EQ(p.codes(), (std::vector<std::uint8_t>{53, 60, 55, 12}));
}

TEST(DhcpdPacket, EncodeRequestRoundTrips) {
  auto r = parse(discover_bytes());
  ASSERT_TRUE(r.ok());
  auto again = parse(encode_request(r.value()));
  ASSERT_TRUE(again.ok());
  auto host = again.value().option(12);
  EXPECT_EQ(std::string(host.begin(), host.end()), "abcd");
  EXPECT_EQ(again.value().giaddr, r.value().giaddr);
}

TEST(DhcpdPacket, OverloadReadsFileThenSname) {
  auto b = discover_bytes();
  b.resize(240);
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{53, 1, 3, 52, 1, 3, 255})
    b.push_back(x);  // REQUEST, overload both fields
  // file (offset 108) holds option 12 "fi"; sname (offset 44) holds option 12 "sn" and option 66.
  const std::uint8_t file_opts[] = {12, 2, 'f', 'i', 255};
  const std::uint8_t sname_opts[] = {12, 2, 's', 'n', 66, 1, 'x', 255};
  std::copy(std::begin(file_opts), std::end(file_opts), b.begin() + 108);
  std::copy(std::begin(sname_opts), std::end(sname_opts), b.begin() + 44);
  auto r = parse(b);
  ASSERT_TRUE(r.ok());
  auto host = r.value().option(12);
  EXPECT_EQ(std::string(host.begin(), host.end()), "fisn");
  EXPECT_TRUE(r.value().has(66));
}

TEST(DhcpdPacket, DropsWithNamedReasons) {
  auto good = discover_bytes();
  EXPECT_EQ(parse(std::span(good).first(100)).error(), DropReason::too_short);
  auto b = good;
  b[236] = 0;
  EXPECT_EQ(parse(b).error(), DropReason::bad_magic);
  b = good;
  b[0] = 2;
  EXPECT_EQ(parse(b).error(), DropReason::not_request);
  b = good;
  b[2] = 17;
  EXPECT_EQ(parse(b).error(), DropReason::bad_hardware);
  b = good;
  b.resize(240);
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{53, 1, 1, 12, 9, 'a'}) b.push_back(x);
  EXPECT_EQ(parse(b).error(), DropReason::option_truncated);
  b.resize(240);
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{12, 1, 'a', 255}) b.push_back(x);
  EXPECT_EQ(parse(b).error(), DropReason::no_message_type);
  b.resize(240);
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{53, 1, 9, 255}) b.push_back(x);
  EXPECT_EQ(parse(b).error(), DropReason::bad_message_type);
  b.resize(240);
  for (std::uint8_t x : std::initializer_list<std::uint8_t>{53, 1, 1, 52, 1, 7, 255}) b.push_back(x);
  EXPECT_EQ(parse(b).error(), DropReason::bad_overload);
}

TEST(DhcpdPacket, EncodesReplyGoldenBytes) {
  Reply r;
  r.type = MessageType::ack;
  r.xid = 0x01020304;
  r.flags = 0;
  r.ciaddr = *Ipv4Address::parse("10.250.0.100");
  r.yiaddr = *Ipv4Address::parse("10.250.0.100");
  r.chaddr[0] = 0xaa;
  const std::uint8_t sid[] = {10, 250, 0, 2};
  r.options.push_back({54, sid});
  std::uint8_t out[1500];
  const std::size_t n = encode(r, out);
  ASSERT_EQ(n, 300u);    // padded to the BOOTP minimum
  EXPECT_EQ(out[0], 2);  // op: BOOTREPLY
  EXPECT_EQ(out[1], 1);  // htype
  EXPECT_EQ(out[2], 6);  // hlen
  EXPECT_EQ(out[4], 1);
  EXPECT_EQ(out[7], 4);  // xid
  EXPECT_EQ(out[12], 10);
  EXPECT_EQ(out[15], 100);  // ciaddr
  EXPECT_EQ(out[16], 10);
  EXPECT_EQ(out[19], 100);                                    // yiaddr
  EXPECT_EQ(out[28], 0xaa);                                   // chaddr
  const std::uint8_t tail[] = {0x63, 0x82, 0x53, 0x63,        // cookie
                               53,   1,    5,                 // DHCPACK
                               54,   4,    10,   250,  0, 2,  // server identifier
                               255};                          // END
  EXPECT_TRUE(std::equal(std::begin(tail), std::end(tail), out + 236));
  EXPECT_EQ(out[236 + sizeof tail], 0);  // PAD
}

TEST(DhcpdPacket, LongOptionIsSplitAndReassembled) {
  Reply r;
  r.type = MessageType::offer;
  std::vector<std::uint8_t> big(300, 'x');
  r.options.push_back({43, big});
  std::uint8_t out[1500];
  const std::size_t n = encode(r, out);
  ASSERT_GT(n, 0u);
  // Turn the reply into a request-shaped packet to reuse the parser's RFC 3396 reassembly.
  out[0] = 1;
  out[242] = 1;  // message type DISCOVER
  auto p = parse(std::span<const std::uint8_t>(out, n));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().option(43).size(), 300u);
}

TEST(DhcpdPacket, OptionsBeyondMaxSizeAreLeftOut) {
  Reply r;
  r.type = MessageType::offer;
  std::vector<std::uint8_t> big(250, 'x');
  for (int i = 0; i < 4; ++i) r.options.push_back({static_cast<std::uint8_t>(200 + i), big});
  std::uint8_t out[1500];
  std::size_t dropped = 0;
  const std::size_t n = encode(r, out, &dropped);
  EXPECT_LE(n, 576u - 28u);
  EXPECT_EQ(dropped, 3u);
}

// The relay agent option comes last on the wire (RFC 3046 2.2) but must be echoed: when the reply is cut
// to the client's size, an option before it is left out instead.
TEST(DhcpdPacket, RelayAgentOptionSurvivesTheCut) {
  Reply r;
  r.type = MessageType::offer;
  const std::uint8_t server[] = {10, 250, 0, 2};
  const std::vector<std::uint8_t> big(280, 'x');  // fits alone in a 576-byte reply, not beside option 82
  const std::vector<std::uint8_t> agent = {1,   18,  'c', 'i', 'r', 'c', 'u', 'i', 't', '-',
                                           'i', 'd', '-', 'o', 'f', '-', 'p', 'o', 'r', 't'};
  r.options.push_back({54, server});
  r.options.push_back({43, big});
  r.options.push_back({82, agent, true});
  std::uint8_t out[1500];
  std::size_t dropped = 0;
  const std::size_t n = encode(r, out, &dropped);
  ASSERT_GT(n, 0u);
  EXPECT_LE(n, 576u - 28u);
  EXPECT_EQ(dropped, 1u);
  out[0] = 1;
  out[242] = 1;  // DISCOVER, to read it back with the request parser
  auto p = parse(std::span<const std::uint8_t>(out, n));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p.value().has(43));
  EXPECT_EQ(std::vector<std::uint8_t>(p.value().option(82).begin(), p.value().option(82).end()), agent);
  EXPECT_EQ(p.value().codes().back(), 82);  // still the last option
}

}  // namespace
}  // namespace pb::dhcp
