#pragma once
// A phone's DHCP exchange, as the phone does it: DISCOVER with its vendor class and parameter list from
// 0.0.0.0:68 to the broadcast address on one interface, the broadcast flag set (it has no address to
// receive unicast on), REQUEST of the first OFFER, retransmissions 2 s apart, until an ACK, a NAK or the
// deadline. Several simulated phones may run at once on one interface: each socket is bound with
// SO_REUSEADDR, gets a copy of every broadcast reply, and keeps the ones with its xid and MAC.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/net.hpp"

namespace pb::sim {

struct DhcpRequestShape {
  std::array<std::uint8_t, 6> mac{};
  std::vector<std::uint8_t> vendor_class;  // option 60, as the family sends it (text or binary)
  std::vector<std::uint8_t> parameters;    // option 55
  std::string hostname;                    // option 12, empty for none
};

struct DhcpResult {
  bool ok = false;
  std::string error;  // "no OFFER in 10000 ms", "NAK from 10.250.0.2: ..."
  Ipv4Address address, server;
  std::map<std::uint8_t, std::vector<std::uint8_t>> options;  // the ACK's, split options joined (RFC 3396)
  double offer_ms = 0, ack_ms = 0;                            // since the first DISCOVER
  int discovers = 0, requests = 0;
};

DhcpResult dhcp_exchange(const std::string& interface, const DhcpRequestShape& shape, int timeout_ms);

// The options of a BOOTREPLY (`packet` whole): options field, then file and sname when option 52 says so,
// split options joined. Empty when the packet is not a well-formed reply.
std::map<std::uint8_t, std::vector<std::uint8_t>> reply_options(const std::vector<std::uint8_t>& packet);

}  // namespace pb::sim
