#pragma once
// Builds the ZoneSet from the three sources (RFC-free policy lives here): (a) the site model with no extra
// configuration, (b) dnsd.record, (c) zone files; then generated PTRs and dynamic names from DHCP leases.
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "dnsd/zone.hpp"

namespace pb::dns {

struct DynamicName {
  std::string host;  // a single label (DHCP option 12)
  std::uint32_t address = 0;
};

struct BuildResult {
  ZoneSet zones;
  std::vector<std::string> errors;  // empty on success
};

// `serial`: the SOA serial of the generated zones, and the least serial of a zone file merged into one.
BuildResult build_zones(const config::Model& model, std::uint32_t serial, const std::vector<DynamicName>& dynamic = {});

}  // namespace pb::dns
