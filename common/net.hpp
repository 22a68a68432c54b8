#pragma once
// IPv4 addresses and prefixes as values: parsed strictly (dotted quad, no leading zeros or shortcuts), kept in
// host byte order, compared and printed; and hardware addresses printed.
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pb {

struct Ipv4Address {
  std::uint32_t value = 0;  // host byte order

  static std::optional<Ipv4Address> parse(std::string_view text) noexcept;
  std::string str() const;
  auto operator<=>(const Ipv4Address&) const = default;
};

struct Ipv4Prefix {
  Ipv4Address address;  // as written: "10.250.0.2/24" keeps .2, the host inside the network
  int length = 32;

  static std::optional<Ipv4Prefix> parse(std::string_view text) noexcept;
  std::uint32_t mask() const noexcept { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
  Ipv4Address network() const noexcept { return {address.value & mask()}; }
  Ipv4Address broadcast() const noexcept { return {network().value | ~mask()}; }
  bool contains(Ipv4Address a) const noexcept { return (a.value & mask()) == network().value; }
  std::string str() const;
  auto operator<=>(const Ipv4Prefix&) const = default;
};

// "00:04:f2:aa:bb:cc": a hardware address (chaddr, of any length) as logs and the operator's tools print it.
std::string format_mac(std::span<const std::uint8_t> hw);

}  // namespace pb
