#include "provisiond/mac_access.hpp"

#include <algorithm>
#include <exception>

#include "common/log.hpp"

namespace pb::prov {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Mac> mac_in_name(std::string_view name) noexcept {
  const std::size_t slash = name.find_last_of("/\\");
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  std::size_t i = 0;
  while (i < base.size()) {
    if (hex_value(base[i]) < 0) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < base.size() && hex_value(base[end]) >= 0) ++end;
    // A run of 12 exactly, not part of a colon-separated longer token (an IPv6 address, a time).
    const bool colon_before = i > 0 && base[i - 1] == ':';
    const bool colon_after = end < base.size() && base[end] == ':';
    if (end - i == 12 && !colon_before && !colon_after) {
      Mac mac{};
      for (std::size_t k = 0; k < 6; ++k)
        mac[k] = static_cast<std::uint8_t>(hex_value(base[i + 2 * k]) << 4 | hex_value(base[i + 2 * k + 1]));
      const bool shared_file = mac[0] == 0 && mac[1] == 0 && mac[2] == 0;
      const bool group = (mac[0] & 1) != 0;
      if (!shared_file && !group) return mac;
    }
    i = end;
  }
  return std::nullopt;
}

void LeaseHolders::apply(const lease_journal::Record& record) {
  const std::uint32_t address = record.address.value;
  const auto mac = lease_journal::ethernet_mac(record);
  if (record.kind != lease_journal::Kind::bound || !mac) {
    by_address_.erase(address);  // released, declined, reclaimed, or not an Ethernet client
    return;
  }
  by_address_[address] = {*mac, record.expires};
}

bool LeaseHolders::holds(const Mac& mac, Ipv4Address address, std::int64_t now) const noexcept {
  const auto it = by_address_.find(address.value);
  return it != by_address_.end() && it->second.mac == mac && it->second.expires > now;
}

bool MacAccess::may_read(std::string_view name, Ipv4Address client, std::int64_t now) noexcept {
  if (!enabled_) return true;
  const auto mac = mac_in_name(name);
  if (!mac) return true;
  try {
    follower_.poll([this](const lease_journal::Record& r) { holders_.apply(r); }, [this] { holders_.clear(); });
  } catch (const std::exception& e) {
    if (now - last_warning_ >= 60) {  // once a minute: every such request would otherwise log
      last_warning_ = now;
      log::warning("provisiond", "cannot read the DHCP leases ({}); files named after a MAC are refused", e.what());
    }
    return false;
  }
  if (holders_.holds(*mac, client, now)) return true;
  if (now != last_refusal_log_) {  // at most a line a second: a prober's requests are counted, not all logged
    last_refusal_log_ = now;
    log::info("provisiond", "'{}' refused to {}: it holds no lease of {}", std::string(name), client.str(),
              format_mac(*mac));
  }
  return false;
}

}  // namespace pb::prov
