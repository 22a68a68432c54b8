// phoneboot-sim's parsers: where a DHCP option says the provisioning server is, and a reply's options
// (overload into file and sname, split options joined), as a phone reads them.
#include <gtest/gtest.h>

#include "tools/phoneboot-sim/dhcp_client.hpp"
#include "tools/phoneboot-sim/probes.hpp"

namespace pb::sim {
namespace {

TEST(SimServerUrl, ReadsWhatOptions160And66Carry) {
  auto u = parse_server_url("http://provision.lab.voip:8088");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "provision.lab.voip");
  EXPECT_EQ(u->port, 8088);
  EXPECT_EQ(u->path, "");
  u = parse_server_url(std::string("10.250.0.2\0", 11));  // a bare address, NUL-padded: TFTP
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "tftp");
  EXPECT_EQ(u->host, "10.250.0.2");
  EXPECT_EQ(u->port, 69);
  u = parse_server_url("http://user:secret@files.lab.voip/polycom/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "files.lab.voip");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/polycom");
  EXPECT_FALSE(parse_server_url("http://:8088"));
  EXPECT_FALSE(parse_server_url("http://host:99999"));
  EXPECT_FALSE(parse_server_url("http://host:8x"));
  EXPECT_FALSE(parse_server_url(""));
}

// A BOOTREPLY with `options` after the magic cookie (sized first: GCC 12 misreads inserts here).
std::vector<std::uint8_t> reply(const std::vector<std::uint8_t>& options) {
  std::vector<std::uint8_t> p(240 + options.size(), 0);
  p[0] = 2;
  p[236] = 99, p[237] = 130, p[238] = 83, p[239] = 99;
  std::copy(options.begin(), options.end(), p.begin() + 240);
  return p;
}

TEST(SimReplyOptions, JoinsSplitOptionsAndReadsOverloadedFields) {
  auto p = reply({53, 1, 5, 52, 1, 3, 160, 3, 'h', 't', 't', 160, 2, 'p', ':', 255});
  p[108] = 67;  // file holds option 67, sname option 66
  p[109] = 3;
  p[110] = 'a', p[111] = '.', p[112] = 'b', p[113] = 255;
  p[44] = 66, p[45] = 2, p[46] = 'x', p[47] = 'y', p[48] = 255;
  const auto o = reply_options(p);
  EXPECT_EQ(o.at(53), (std::vector<std::uint8_t>{5}));
  EXPECT_EQ(std::string(o.at(160).begin(), o.at(160).end()), "http:");
  EXPECT_EQ(std::string(o.at(67).begin(), o.at(67).end()), "a.b");
  EXPECT_EQ(std::string(o.at(66).begin(), o.at(66).end()), "xy");
}

TEST(SimReplyOptions, ARequestOrAShortPacketHasNoOptions) {
  auto p = reply({53, 1, 5, 255});
  p[0] = 1;  // a BOOTREQUEST: another client's, not an answer
  EXPECT_TRUE(reply_options(p).empty());
  EXPECT_TRUE(reply_options(std::vector<std::uint8_t>(239, 0)).empty());
  const auto cut = reply_options(reply({53, 1, 5, 15, 9, 'l', 'a'}));  // 15 runs past the end: dropped
  EXPECT_EQ(cut.count(15), 0u);
  EXPECT_EQ(cut.count(53), 1u);
}

}  // namespace
}  // namespace pb::sim
