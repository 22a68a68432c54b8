#pragma once
// Test helpers: a model from TOML text, request packets built field by field.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/config/model.hpp"
#include "dhcpd/packet.hpp"

namespace pb::dhcp::test {

inline const char* kSite = R"([site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
timezone = "America/New_York"
[[site.call_server]]
name = "vm40ic1"
address = "10.250.1.151"
)";

// `dhcpd` is the text of a dhcpd.toml beside the site file (its keys at top level).
inline std::shared_ptr<const config::Model> model(const std::string& dhcpd = "") {
  char tmpl[] = "/tmp/pbdhcp-unit-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::ofstream(dir + "/site.toml") << kSite;
  std::ofstream(dir + "/dhcpd.toml") << dhcpd;
  auto r = config::load(dir);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(r.model) << r.diagnostics.str();
  return r.model;
}

inline std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
inline std::vector<std::uint8_t> addr(const char* a) {
  auto v = Ipv4Address::parse(a)->value;
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

inline Packet request(MessageType type, std::uint8_t last_mac_byte, std::uint32_t xid = 1) {
  Packet p;
  p.xid = xid;
  p.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, last_mac_byte};
  const std::uint8_t t = static_cast<std::uint8_t>(type);
  p.set_option(53, std::span<const std::uint8_t>(&t, 1));
  p.type = type;
  return p;
}

}  // namespace pb::dhcp::test
