#pragma once
// The small clients a phone uses after DHCP, each one blocking with a deadline and speaking from the
// phone's own leased address: a DNS query, an SNTP query, an HTTP GET, a TFTP read. They report what a
// packet capture would show an administrator, in one line each.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net.hpp"

namespace pb::sim {

// Where a DHCP option says the provisioning server is: "http://host:port/path", "tftp://host/path", or a bare
// host or address (TFTP, as option 66 usually is). Trailing NULs and spaces (some servers pad) are dropped,
// user info is skipped; nullopt for an empty host or a port outside 1-65535.
struct ServerUrl {
  std::string scheme = "tftp", host, path;  // path without a trailing '/'
  std::uint16_t port = 69;
};
std::optional<ServerUrl> parse_server_url(const std::string& text);

struct ProbeResult {
  bool ok = false;
  std::string detail;                // "10.250.1.151 10.250.1.152", "404", "stratum 2, offset -0.3 ms", or the error
  std::vector<std::string> records;  // DNS: the answer's data; HTTP/TFTP: the body's lines (for <MAC>.cfg)
  std::uint64_t bytes = 0;           // HTTP/TFTP: body bytes
  int status = 0;                    // HTTP status, DNS rcode
};

// `source`: the address to speak from (the phone's lease). Timeouts in milliseconds.
ProbeResult dns_query(Ipv4Address source, Ipv4Address server, const std::string& name, std::uint16_t qtype,
                      int timeout_ms);
ProbeResult sntp_query(Ipv4Address source, Ipv4Address server, int timeout_ms);
// `range_bytes` > 0 asks for the first bytes only (a SIP Station checks its firmware's header first).
ProbeResult http_get(Ipv4Address source, Ipv4Address server, std::uint16_t port, const std::string& host,
                     const std::string& path, int timeout_ms, std::uint64_t range_bytes = 0);
ProbeResult tftp_get(Ipv4Address source, Ipv4Address server, const std::string& file, int timeout_ms,
                     std::uint16_t port = 69);

}  // namespace pb::sim
