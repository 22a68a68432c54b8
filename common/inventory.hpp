#pragma once
// The phone inventory: the "CSV Managed IP Phone List" of seeds/001, in either layout the guide ships:
//   Template: Name,Template,Proxy Group,Extension,Identification Address,Label,Address
//   TMM:      Name,Type,Manufacturer,Model,Proxy Group,Extension,Identification Address,Label,Address
// Columns are found by their header names (case and surrounding spaces ignored), so either layout, a
// reordered one, or one with extra columns reads the same. `Address` is a phone's MAC address (Polycom,
// Interaction SIP Station, AudioCodes/Genesys) in any usual spelling, or a SIP Soft Phone's full computer
// name. phoneboot adds one optional column the guide does not have: `IP Address` (also `IPv4 Address`,
// `Fixed Address`), a fixed address dhcpd reserves for that MAC; without it, the address in the guide's own
// `Identification Address` (sip:ext@IP:port) is offered to dhcpd as well. Any other column is kept in `extra`.
// Used by dhcpd (reservations, host names) and provisiond (per-phone configuration). Never throws on bad
// input: rows it cannot use are reported with their line number and the rest is read.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"

namespace pb::inventory {

enum class Layout { template_list, tmm_list, other };

struct Phone {
  std::size_t line = 0;  // 1-based line of the CSV file
  std::string name;
  std::string template_name;  // Template layout
  std::string type;           // TMM: Workstation / Stand-alone Phone
  std::string manufacturer;   // TMM
  std::string model;          // TMM
  std::string proxy_group;
  std::string extension;
  std::string identification_address;
  std::string label;
  std::string address;                             // as written
  std::optional<std::array<std::uint8_t, 6>> mac;  // when `address` is a MAC address
  std::string computer_name;                       // when `address` is a host name (SIP Soft Phone)
  std::optional<Ipv4Address> ip;                   // the `IP Address` column
  // The host of `Identification Address` ("sip:320@172.17.238.68:5060") when it is an IPv4 address: where
  // the phone registered from. The guide's own lists carry it once phones have registered.
  std::optional<Ipv4Address> registered_ip;
  std::map<std::string, std::string> extra;  // other columns, by header as written

  // "0004f2aabbcc": the lower-case hex spelling provisioning file names use.
  std::string mac_hex() const;
};

struct Problem {
  std::size_t line = 0;
  std::string message;
};

struct Inventory {
  Layout layout = Layout::other;
  std::vector<Phone> phones;
  std::vector<Problem> problems;

  const Phone* find_mac(const std::array<std::uint8_t, 6>& mac) const noexcept;
};

// Parses CSV text (RFC 4180 quoting, CRLF or LF, an optional UTF-8 BOM).
Inventory parse(std::string_view text);
// Reads a file; a file that cannot be read is one Problem at line 0.
Inventory load(const std::string& path);

// "sip:320@172.17.238.68:5060" (the guide also writes "sip: 320@ 172.17.238.68: 5060") -> 172.17.238.68;
// nothing for a host name, a missing host or anything else.
std::optional<Ipv4Address> sip_host_address(std::string_view uri) noexcept;

// "00:04:f2:aa:bb:cc", "0004F2AABBCC", "00-04-F2-AA-BB-CC", "0004.f2aa.bbcc", "00.26.fd..." -> 6 bytes.
std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) noexcept;

}  // namespace pb::inventory
