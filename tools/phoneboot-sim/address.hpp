#pragma once
// The leased address on the phone's interface, as the phone's own stack would set it, so that every later
// packet (DNS, SNTP, HTTP, TFTP) comes from the address dhcpd gave: the servers see each simulated phone
// as the phone it is. rtnetlink, so that many phones can hold their addresses on one interface at once.
#include <string>

#include "common/net.hpp"

namespace pb::sim {

class LeasedAddress {
 public:
  // Adds `address`/`prefix` to `interface`; ok() tells whether it took (an address already there counts).
  LeasedAddress(const std::string& interface, Ipv4Address address, int prefix);
  ~LeasedAddress();  // removes the address again, if this object added it
  LeasedAddress(const LeasedAddress&) = delete;
  LeasedAddress& operator=(const LeasedAddress&) = delete;

  bool ok() const noexcept { return error_.empty(); }
  // Leaves the address on the interface when this object goes (the lab phone keeps its lease).
  void keep() noexcept { added_ = false; }
  const std::string& error() const noexcept { return error_; }

 private:
  int index_ = 0;
  Ipv4Address address_;
  int prefix_ = 32;
  bool added_ = false;
  std::string error_;
};

}  // namespace pb::sim
