#pragma once
// The configuration compiled for the hot path: every option value encoded to wire bytes once, classes with
// their RE2 programs, pools as integer ranges, reservations in a hash map. Built at start and on SIGHUP from
// the validated model (and the phone inventory); immutable afterwards, so the responder only reads it.
#include <re2/re2.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config/model.hpp"
#include "common/net.hpp"
#include "dhcpd/packet.hpp"

namespace pb::dhcp {

using Bytes = std::vector<std::uint8_t>;

// Options of one precedence level, code -> value bytes.
struct OptionSet {
  std::vector<std::pair<std::uint8_t, Bytes>> items;
  void set(std::uint8_t code, Bytes value);
  const Bytes* find(std::uint8_t code) const noexcept;
};

struct CompiledPool {
  std::uint32_t start = 0, end = 0;
  int client_class = -1;  // index into Settings::classes, -1: any client
};

struct CompiledSubnet {
  Ipv4Prefix prefix;
  std::vector<std::uint32_t> relays;
  std::vector<CompiledPool> pools;
  OptionSet options;  // the subnet's own, with 1 (mask) and 3 (router) added
  std::int64_t lease_time = 86400;
};

struct CompiledClass {
  enum class Field { vendor_class, user_class, mac, hostname } field = Field::vendor_class;
  enum class How { exact, prefix, substring, regex } how = How::exact;
  std::string name;
  Bytes pattern;
  std::unique_ptr<re2::RE2> regex;
  OptionSet options;
  std::bitset<256> remove;
  std::int64_t max_leases = 0;
  bool echo_vendor_class = false;
  bool builtin = false;

  bool matches(const Packet& p) const noexcept;
};

struct CompiledReservation {
  Ipv4Address address;
  std::string hostname;
  OptionSet options;
  std::string source;  // "dhcpd.reservation[3]" or "inventory line 7"
};

struct Settings {
  Ipv4Address server;  // our address: server identifier (54), and what the default options point at
  std::vector<CompiledSubnet> subnets;
  int local_subnet = -1;  // the subnet of site.address: clients on the wire without a relay
  OptionSet global;
  bool time_offset_dynamic = true;     // option 2 computed at lease time from the site time zone
  std::vector<CompiledClass> classes;  // configured ones first, then the built-in profiles
  std::unordered_map<std::string, CompiledReservation> reservations;  // by client key
  std::unordered_map<std::string, std::string> hostnames;             // inventory names by client key
  std::unordered_set<std::uint32_t> excluded;  // never allocated: ours, call servers, reserved addresses
  std::int64_t lease_time = 86400, decline_probation = 86400, offer_hold = 30;
  bool send_unrequested = true, authoritative = true;
  std::int64_t rate_limit = 20;
  std::int64_t relay_rate_limit = 0;
  bool ping_check = false;
  std::int64_t ping_timeout_ms = 100;
  std::vector<std::string> warnings;  // inventory rows not used, with reasons

  // Throws std::runtime_error when something the configuration check cannot see fails (a regex).
  static std::shared_ptr<const Settings> build(const config::Model& model);

  // The subnet for a packet (RFC 2131 4.3.1: giaddr, else ciaddr, else the receiving interface).
  int select_subnet(const Packet& p) const noexcept;
  int match_class(const Packet& p) const noexcept;
  const CompiledReservation* reservation_for(const Packet& p) const noexcept;
};

// The key a client is known by: option 61 when present, else htype + chaddr (RFC 2131 4.2).
std::string client_key(const Packet& p);
std::string mac_key(std::span<const std::uint8_t> mac, std::uint8_t htype = 1);

// The POSIX TZ string of a tz database zone (the footer of its TZif file), "" when unavailable.
std::string posix_tz_string(const std::string& zone);

}  // namespace pb::dhcp
