// The pure responder: golden reply bytes, and silence for every malformed or unwanted request.
#include "sntpd/responder.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace pb::ntp {
namespace {

std::vector<std::uint8_t> request(std::uint8_t first, std::int8_t poll = 6) {
  std::vector<std::uint8_t> b(48, 0);
  b[0] = first;
  b[2] = static_cast<std::uint8_t>(poll);
  const std::uint8_t transmit[8] = {0x8f, 0x3a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  std::copy(std::begin(transmit), std::end(transmit), b.begin() + 40);
  return b;
}

ServerState synced() {
  ServerState s;
  s.leap = 0;
  s.stratum = 3;
  s.poll = 6;
  s.precision = -24;
  s.reference_id = 0x7f000001;
  s.reference_time = 0xe900000080000000u;
  s.root_delay = 0.5;
  s.root_dispersion = 0.25;
  return s;
}

Request at(const std::vector<std::uint8_t>& bytes) {
  return Request{.bytes = bytes,
                 .client = 0x0afa0010,
                 .receive = 0xe900000100000001u,
                 .transmit = 0xe900000100001000u,
                 .now_ms = 1000};
}

TEST(Responder, Version4RequestGetsGoldenReply) {
  const auto req = request(0x23, 10);
  std::array<std::uint8_t, 48> out{};
  auto n = respond(at(req), synced(), nullptr, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), 48u);
  const std::array<std::uint8_t, 48> golden = {
      0x24,                                            // LI 0, VN 4 (echoed), mode 4
      0x03,                                            // stratum 3
      0x0a,                                            // poll 10: the request's, larger than our 6
      0xe8,                                            // precision 2^-24
      0x00, 0x00, 0x80, 0x00,                          // root delay 0.5 s
      0x00, 0x00, 0x40, 0x00,                          // root dispersion 0.25 s
      0x7f, 0x00, 0x00, 0x01,                          // reference id
      0xe9, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,  // reference timestamp
      0x8f, 0x3a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,  // origin = the request's transmit, byte for byte
      0xe9, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  // receive timestamp
      0xe9, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,  // transmit timestamp
  };
  EXPECT_EQ(out, golden);
}

TEST(Responder, EchoesVersionsOneToFourAndTakesOurPollWhenLarger) {
  for (std::uint8_t vn = 1; vn <= 4; ++vn) {
    const auto req = request(static_cast<std::uint8_t>(vn << 3 | 3), 2);
    std::array<std::uint8_t, 48> out{};
    ASSERT_TRUE(respond(at(req), synced(), nullptr, out).ok()) << int(vn);
    EXPECT_EQ(out[0], (vn << 3) | 4);
    EXPECT_EQ(out[2], 6);
  }
}

TEST(Responder, RefusesBadVersionsAndModes) {
  std::array<std::uint8_t, 48> out{};
  EXPECT_EQ(respond(at(request(0x03)), synced(), nullptr, out).error(), DropReason::bad_version);   // VN 0
  EXPECT_EQ(respond(at(request(0x2b)), synced(), nullptr, out).error(), DropReason::bad_version);   // VN 5
  EXPECT_EQ(respond(at(request(0x3b)), synced(), nullptr, out).error(), DropReason::bad_version);   // VN 7
  EXPECT_EQ(respond(at(request(0x26)), synced(), nullptr, out).error(), DropReason::control);       // mode 6
  EXPECT_EQ(respond(at(request(0x27)), synced(), nullptr, out).error(), DropReason::private_mode);  // mode 7
  EXPECT_EQ(respond(at(request(0x17)), synced(), nullptr, out).error(), DropReason::private_mode);  // v2 monlist
  for (std::uint8_t mode : {0, 1, 2, 4, 5})
    EXPECT_EQ(respond(at(request(static_cast<std::uint8_t>(0x20 | mode))), synced(), nullptr, out).error(),
              DropReason::not_client);
}

TEST(Responder, ReplyIsNeverLongerThanRequestAndSkipsExtensions) {
  auto req = request(0x23);
  req.insert(req.end(), {0x01, 0x04, 0x00, 0x20});
  req.insert(req.end(), 28, 0xab);
  std::array<std::uint8_t, 128> out{};
  auto n = respond(at(req), synced(), nullptr, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 48u);
  EXPECT_EQ(out[48], 0);  // nothing of the extension echoed
}

TEST(Responder, UnsynchronisedAnnouncesLeap3Stratum16) {
  std::array<std::uint8_t, 48> out{};
  ASSERT_TRUE(respond(at(request(0x23)), ServerState{}, nullptr, out).ok());
  EXPECT_EQ(out[0] >> 6, 3);
  EXPECT_EQ(out[1], 16);
}

TEST(Responder, RateLimitedClientIsDroppedOrKissed) {
  RateLimiter quiet(1, 1, false);
  RateLimiter kissing(1, 1, true);
  std::array<std::uint8_t, 48> out{};
  const auto req = request(0x23);
  ASSERT_TRUE(respond(at(req), synced(), &quiet, out).ok());
  EXPECT_EQ(respond(at(req), synced(), &quiet, out).error(), DropReason::rate_limited);
  ASSERT_TRUE(respond(at(req), synced(), &kissing, out).ok());
  ASSERT_TRUE(respond(at(req), synced(), &kissing, out).ok());  // the kiss
  EXPECT_EQ(out[0], 0xe4);                                      // LI 3, VN 4, mode 4
  EXPECT_EQ(out[1], 0);                                         // stratum 0: kiss-o'-death
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 12, out.begin() + 16),
            (std::vector<std::uint8_t>{'R', 'A', 'T', 'E'}));
  EXPECT_TRUE(std::equal(out.begin() + 24, out.begin() + 32, req.begin() + 40));  // origin
  patch_transmit(out, 0x1111111111111111u);  // a kiss keeps the client's timestamps
  EXPECT_TRUE(std::equal(out.begin() + 40, out.begin() + 48, req.begin() + 40));
  EXPECT_EQ(respond(at(req), synced(), &kissing, out).error(), DropReason::rate_limited);  // one kiss a second
}

TEST(Responder, PatchTransmitWritesBigEndian) {
  std::array<std::uint8_t, 48> out{};
  ASSERT_TRUE(respond(at(request(0x23)), synced(), nullptr, out).ok());
  patch_transmit(out, 0x0102030405060708u);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 40, out.end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

}  // namespace
}  // namespace pb::ntp
