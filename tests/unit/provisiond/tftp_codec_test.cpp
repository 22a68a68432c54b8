#include "provisiond/tftp_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pb::prov::tftp {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

using namespace std::string_view_literals;

// A Cisco 7941 asking for its configuration file with the options tftp-hpa's client sends.
const auto kCiscoRrq = bytes(
    "\x00\x01"                     // opcode 1: RRQ
    "SEP001122334455.cnf.xml\x00"  // file name, NUL-terminated
    "octet\x00"                    // mode
    "blksize\x00"
    "1468\x00"  // RFC 2348
    "tsize\x00"
    "0\x00"sv);  // RFC 2349: the client asks for the size

TEST(TftpCodec, CiscoRrqGolden) {
  auto p = parse(kCiscoRrq);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->opcode, Opcode::Rrq);
  EXPECT_EQ(p->request.filename, "SEP001122334455.cnf.xml");
  EXPECT_EQ(p->request.mode, Mode::Octet);
  EXPECT_EQ(p->request.options.blksize, 1468u);
  EXPECT_EQ(p->request.options.tsize, 0u);
  EXPECT_FALSE(p->request.options.windowsize);
  std::uint8_t out[128];
  const std::size_t n = build_request(out, p->request);
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + n), kCiscoRrq) << "the builder reproduces the golden bytes";
}

TEST(TftpCodec, ModesAndOptionNamesIgnoreCase) {
  auto p =
      parse(bytes("\x00\x02up.log\x00NetASCII\x00WindowSize\x00"
                  "16\x00TIMEOUT\x00"
                  "3\x00"sv));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->request.write);
  EXPECT_EQ(p->request.mode, Mode::Netascii);
  EXPECT_EQ(p->request.options.windowsize, 16u);
  EXPECT_EQ(p->request.options.timeout, 3u);
}

TEST(TftpCodec, UnknownOptionsAreSkippedFirstRepeatWins) {
  auto p =
      parse(bytes("\x00\x01"
                  "f\x00octet\x00multicast\x00\x00"
                  "blksize\x00"
                  "512\x00"
                  "blksize\x00"
                  "9000\x00"sv));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.options.blksize, 512u);
}

TEST(TftpCodec, RefusedRequests) {
  EXPECT_EQ(parse(bytes("\x00"sv)).error(), ParseError::Truncated);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "abc"sv))
                .error(),
            ParseError::Truncated);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "abc\x00octet"sv))
                .error(),
            ParseError::Truncated);
  EXPECT_EQ(parse(bytes("\x00\x01\x00octet\x00"sv)).error(), ParseError::EmptyFilename);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "f\x00mail\x00"sv))
                .error(),
            ParseError::BadMode);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "f\x00octet\x00"
                        "blksize\x00"sv))
                .error(),
            ParseError::BadOption);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "f\x00octet\x00"
                        "blksize\x00"
                        "12x\x00"sv))
                .error(),
            ParseError::BadOption);
  EXPECT_EQ(parse(bytes("\x00\x01"
                        "f\x00octet\x00"
                        "blksize\x00"
                        "0\x00"sv))
                .error(),
            ParseError::BadOption);
  EXPECT_EQ(parse(bytes("\x00\x09\x00\x01"sv)).error(), ParseError::BadOpcode);
  EXPECT_EQ(parse(std::vector<std::uint8_t>(70000, 0)).error(), ParseError::TooLong);
}

TEST(TftpCodec, DataAckErrorOack) {
  auto d =
      parse(bytes("\x00\x03\xff\xfe"
                  "abc"sv));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->opcode, Opcode::Data);
  EXPECT_EQ(d->block, 0xfffe);
  EXPECT_EQ(d->data.size(), 3u);
  auto a = parse(bytes("\x00\x04\x00\x07"sv));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->block, 7);
  EXPECT_EQ(parse(bytes("\x00\x04\x00"sv)).error(), ParseError::Truncated);
  const auto error_bytes = bytes(
      "\x00\x05\x00\x08"
      "no options"sv);
  auto e = parse(error_bytes);  // no NUL: taken as is
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error, ErrorCode::OptionRefused);
  EXPECT_EQ(e->message, "no options");
  auto o =
      parse(bytes("\x00\x06"
                  "blksize\x00"
                  "1468\x00"
                  "windowsize\x00"
                  "16\x00"sv));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->oack.blksize, 1468u);
  EXPECT_EQ(o->oack.windowsize, 16u);
}

TEST(TftpCodec, Builders) {
  std::uint8_t out[600];
  ASSERT_EQ(build_ack(out, 0x1234), 4u);
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + 4), bytes("\x00\x04\x12\x34"sv));
  const std::size_t n = build_error(out, ErrorCode::FileNotFound, "not found");
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + n), bytes("\x00\x05\x00\x01not found\x00"sv));
  EXPECT_EQ(build_error(out, ErrorCode::NotDefined, std::string(1000, 'x')), 4u + 200 + 1) << "messages are bounded";
  Options accepted;
  accepted.blksize = 1468;
  accepted.tsize = 40u << 20;
  const std::size_t m = build_oack(out, accepted);
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + m), bytes("\x00\x06"
                                                           "blksize\x00"
                                                           "1468\x00"
                                                           "tsize\x00"
                                                           "41943040\x00"sv));
  std::uint8_t tiny[3];
  EXPECT_EQ(build_ack(tiny, 1), 0u) << "what does not fit is not written";
}

}  // namespace
}  // namespace pb::prov::tftp
