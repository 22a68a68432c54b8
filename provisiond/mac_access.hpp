#pragma once
// Lease-bound reading of per-phone files. A file named after a phone's MAC (<MAC>.cfg, <MAC>-phone.cfg,
// SEP<MAC>.cnf.xml, cfg<MAC>.xml) usually holds that phone's SIP password, and a MAC is easy to guess: an
// OUI from the vendor's published list and 24 bits (reference/provisioning.md 3.3, the Rapid7 enumeration).
// We run the DHCP server, so we know which address holds which MAC: such a file goes only to the address
// dhcpd has leased to that MAC, now. Everyone else gets the answer a missing file gets (HTTP 404, TFTP
// error 1), so a prober cannot tell which phones exist.
//
// The leases come from dhcpd's journal (common/lease_journal.hpp), read at every check of such a name: dhcpd
// acknowledges a lease only once its record is on disk, so a phone that asks for its file right after its
// DHCPACK is always found, and an address given back or handed to another MAC is refused at once. Names
// without a MAC (the common files) cost nothing.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/lease_journal.hpp"
#include "common/net.hpp"

namespace pb::prov {

using Mac = std::array<std::uint8_t, 6>;

// The MAC a file's base name carries: a run of exactly 12 hex digits (either case) with no hex digit or
// colon around it. Not a phone's: all-zero vendor parts (Polycom's 000000000000.cfg, Yealink's
// y0000000000xx.cfg are files for every phone) and group addresses (ff...).
std::optional<Mac> mac_in_name(std::string_view name) noexcept;

// Which Ethernet address holds a bound, unexpired lease on each IPv4 address: the latest journal record
// per address. Pure state, fed record by record.
class LeaseHolders {
 public:
  void apply(const lease_journal::Record& record);
  void clear() noexcept { by_address_.clear(); }
  bool holds(const Mac& mac, Ipv4Address address, std::int64_t now) const noexcept;

 private:
  struct Holder {
    Mac mac{};
    std::int64_t expires = 0;
  };
  std::unordered_map<std::uint32_t, Holder> by_address_;  // bound leases only
};

class MacAccess {
 public:
  // `lease_dir`: dhcpd's state folder. `enabled` false lets every name through (mac_files = "any").
  MacAccess(std::string lease_dir, bool enabled) : follower_(std::move(lease_dir)), enabled_(enabled) {}
  void set_enabled(bool enabled) noexcept { enabled_ = enabled; }
  bool enabled() const noexcept { return enabled_; }

  // True when `name` carries no MAC, or `client` holds that MAC's lease at `now` (unix seconds). Reads what
  // the journal gained since the last check first; a journal that cannot be read refuses such names.
  bool may_read(std::string_view name, Ipv4Address client, std::int64_t now) noexcept;

 private:
  lease_journal::Follower follower_;
  LeaseHolders holders_;
  bool enabled_;
  std::int64_t last_warning_ = 0;
  std::int64_t last_refusal_log_ = 0;
};

}  // namespace pb::prov
