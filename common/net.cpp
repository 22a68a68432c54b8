#include "common/net.hpp"

#include <charconv>

namespace pb {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) noexcept {
  std::uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    const char* start = p;
    unsigned part = 0;
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc{} || next == start || next - start > 3 || part > 255) return std::nullopt;
    if (next - start > 1 && *start == '0') return std::nullopt;  // "010" is octal to inet_aton: refuse
    value = (value << 8) | part;
    p = next;
  }
  if (p != end) return std::nullopt;
  return Ipv4Address{value};
}

std::string Ipv4Address::str() const {
  return std::to_string(value >> 24) + '.' + std::to_string((value >> 16) & 255) + '.' +
         std::to_string((value >> 8) & 255) + '.' + std::to_string(value & 255);
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) noexcept {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = Ipv4Address::parse(text.substr(0, slash));
  auto len_text = text.substr(slash + 1);
  int length = -1;
  auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
  if (!address || ec != std::errc{} || next != len_text.data() + len_text.size() || len_text.empty() || length < 0 ||
      length > 32)
    return std::nullopt;
  return Ipv4Prefix{*address, length};
}

std::string Ipv4Prefix::str() const { return address.str() + '/' + std::to_string(length); }

std::string format_mac(std::span<const std::uint8_t> hw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < hw.size(); ++i) {
    if (i > 0) s += ':';
    s += kDigits[hw[i] >> 4];
    s += kDigits[hw[i] & 15];
  }
  return s;
}

}  // namespace pb
