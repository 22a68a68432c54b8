// The NTP packet codec against golden bytes, one comment per field.
#include "sntpd/packet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace pb::ntp {
namespace {

// An NTPv4 client request as ntpdig sends it, transmit timestamp randomised.
const std::vector<std::uint8_t> kClientRequest = {
    0x23,                                            // LI 0, VN 4, mode 3 (client)
    0x00,                                            // stratum 0
    0x06,                                            // poll 2^6
    0xec,                                            // precision 2^-20
    0x00, 0x00, 0x00, 0x00,                          // root delay
    0x00, 0x00, 0x00, 0x00,                          // root dispersion
    0x00, 0x00, 0x00, 0x00,                          // reference id
    0,    0,    0,    0,    0,    0,    0,    0,     // reference timestamp
    0,    0,    0,    0,    0,    0,    0,    0,     // origin timestamp
    0,    0,    0,    0,    0,    0,    0,    0,     // receive timestamp
    0x8f, 0x3a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,  // transmit timestamp (random, as ntpsec does)
};

// A server reply with every field set.
const std::vector<std::uint8_t> kServerReply = {
    0x1c,                                            // LI 0, VN 3, mode 4 (server)
    0x02,                                            // stratum 2
    0x0a,                                            // poll 2^10
    0xe9,                                            // precision 2^-23
    0x00, 0x00, 0x01, 0x80,                          // root delay 0x0180/65536 s
    0x00, 0x01, 0x00, 0x00,                          // root dispersion 1 s
    0xc0, 0x00, 0x02, 0x01,                          // reference id 192.0.2.1
    0xe9, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,  // reference timestamp
    0x8f, 0x3a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,  // origin timestamp
    0xe9, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  // receive timestamp
    0xe9, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,  // transmit timestamp
};

TEST(Packet, ParsesClientRequestFieldByField) {
  auto p = parse(kClientRequest);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->leap, 0);
  EXPECT_EQ(p->version, 4);
  EXPECT_EQ(p->mode, Mode::client);
  EXPECT_EQ(p->poll, 6);
  EXPECT_EQ(p->precision, -20);
  EXPECT_EQ(p->transmit, 0x8f3a112233445566u);
}

TEST(Packet, ServerReplyRoundTripsByteForByte) {
  Packet p;
  p.leap = 0;
  p.version = 3;
  p.mode = Mode::server;
  p.stratum = 2;
  p.poll = 10;
  p.precision = -23;
  p.root_delay = 0x180;
  p.root_dispersion = 0x10000;
  p.reference_id = 0xc0000201;
  p.reference = 0xe900000080000000u;
  p.origin = 0x8f3a112233445566u;
  p.receive = 0xe900000100000001u;
  p.transmit = 0xe900000100001000u;
  std::vector<std::uint8_t> out(48);
  ASSERT_EQ(write(p, out), 48u);
  EXPECT_EQ(out, kServerReply);
  auto back = parse(kServerReply);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), p);
}

TEST(Packet, RefusesShortOrOddLengths) {
  std::vector<std::uint8_t> b(kClientRequest.begin(), kClientRequest.begin() + 47);
  EXPECT_EQ(parse(b).error(), DropReason::too_short);
  b = kClientRequest;
  b.push_back(0);
  EXPECT_EQ(parse(b).error(), DropReason::bad_length);
  EXPECT_EQ(parse({}).error(), DropReason::too_short);
}

TEST(Packet, SkipsExtensionFieldAndMac) {
  auto b = kClientRequest;
  // extension field: type 0x0104 (unique identifier), length 36, 32 bytes of value
  b.insert(b.end(), {0x01, 0x04, 0x00, 0x24});
  b.insert(b.end(), 32, 0xab);
  // MAC: key id 1 + 16-byte digest
  b.insert(b.end(), {0, 0, 0, 1});
  b.insert(b.end(), 16, 0xcd);
  auto p = parse(b);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->transmit, 0x8f3a112233445566u);
}

TEST(Packet, RefusesExtensionLongerThanPacket) {
  auto b = kClientRequest;
  b.insert(b.end(), {0x01, 0x04, 0x01, 0x00});  // claims 256 bytes
  b.insert(b.end(), 28, 0);
  EXPECT_EQ(parse(b).error(), DropReason::bad_extension);
}

TEST(Packet, RefusesExtensionShorterThan16) {
  auto b = kClientRequest;
  b.insert(b.end(), {0x01, 0x04, 0x00, 0x08, 0, 0, 0, 0});  // length 8
  b.insert(b.end(), 28, 0);
  EXPECT_EQ(parse(b).error(), DropReason::bad_extension);
}

TEST(Packet, Version3TrailerIsAnAuthenticator) {
  auto b = kClientRequest;
  b[0] = 0x1b;                  // VN 3, mode 3
  b.insert(b.end(), 12, 0x77);  // not a valid NTPv4 trailer, fine for v3
  EXPECT_TRUE(parse(b).ok());
}

TEST(Packet, WriteNeeds48Bytes) {
  std::vector<std::uint8_t> small(47);
  EXPECT_EQ(write(Packet{}, small), 0u);
}

}  // namespace
}  // namespace pb::ntp
