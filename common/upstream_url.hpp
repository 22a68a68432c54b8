#pragma once
// The caching proxy's upstream: "http[s]://host[:port][/path]". The central provisioning servers of seeds/001
// serve HTTP on 8088; HTTPS is there for a central server across a WAN, since per-phone files carry SIP
// passwords.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pb {

struct UpstreamUrl {
  std::string host;         // a DNS name or an IPv4 address, as written
  bool tls = false;         // https://
  std::uint16_t port = 80;  // 443 for https:// unless written
  std::string base_path;    // "" or "/provision": no trailing '/'
};

// Nothing (and `why`) for another scheme, user info, a query or fragment, an empty host or a bad port.
std::optional<UpstreamUrl> parse_upstream_url(std::string_view url, std::string& why);

// The request target for a normalized relative name: base_path + '/' + the name, every byte outside
// RFC 3986's unreserved set and '/' percent-encoded.
std::string upstream_target(const UpstreamUrl& url, std::string_view relative);

}  // namespace pb
