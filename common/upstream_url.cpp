#include "common/upstream_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pb {
namespace {

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.'; }

bool unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

}  // namespace

std::optional<UpstreamUrl> parse_upstream_url(std::string_view url, std::string& why) {
  UpstreamUrl out;
  if (url.substr(0, 8) == "https://") {
    out.tls = true;
    out.port = 443;
    url.remove_prefix(8);
  } else if (url.substr(0, 7) == "http://") {
    url.remove_prefix(7);
  } else {
    why = "not an http:// or https:// URL";
    return std::nullopt;
  }
  if (url.find_first_of("?#@") != std::string_view::npos) {
    why = "user info, a query or a fragment has no place in the upstream";
    return std::nullopt;
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  const auto colon = authority.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      why = "bad port '" + std::string(port) + "'";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty() || authority.size() > 253 || !std::all_of(authority.begin(), authority.end(), host_char)) {
    why = "bad host '" + std::string(authority) + "'";
    return std::nullopt;
  }
  out.host = std::string(authority);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  for (unsigned char c : path)
    if (c <= 0x20 || c >= 0x7f) {
      why = "the path must be printable ASCII without spaces";
      return std::nullopt;
    }
  out.base_path = std::string(path);
  return out;
}

std::string upstream_target(const UpstreamUrl& url, std::string_view relative) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = url.base_path + '/';
  for (unsigned char c : relative) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace pb
