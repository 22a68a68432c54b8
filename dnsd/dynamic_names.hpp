#pragma once
// Dynamic names: DHCP clients' host names (option 12) published under the site zone while their lease lasts.
// dhcpd owns the lease journal (common/lease_journal.hpp); dnsd follows it read-only. A configured name always
// wins (site_zone.cpp skips names that already hold data); a lease that ends removes its name.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/lease_journal.hpp"
#include "common/uv.hpp"
#include "dnsd/site_zone.hpp"

namespace pb::dns {

// The names to publish at `now` (unix seconds) from the latest record per address: bound leases not yet
// expired whose host name is a valid DNS label (lower-cased). Two leases claiming one name: the newest wins.
std::vector<DynamicName> active_names(const std::map<std::uint32_t, lease_journal::Record>& latest, std::int64_t now);

// Polls the journal once a second on the loop and calls `changed` when the published set differs.
class LeaseFollower {
 public:
  LeaseFollower(uv_loop_t* loop, std::string dir, std::function<void(std::vector<DynamicName>)> changed);
  const std::vector<DynamicName>& names() const noexcept { return names_; }

 private:
  void poll();
  lease_journal::Follower follower_;
  std::map<std::uint32_t, lease_journal::Record> latest_;
  std::vector<DynamicName> names_;
  std::function<void(std::vector<DynamicName>)> changed_;
  uv::Handle<uv_timer_t> timer_;
};

}  // namespace pb::dns
