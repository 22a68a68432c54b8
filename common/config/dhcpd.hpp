#pragma once
// The [dhcpd] section (or dhcpd.toml): keys of phoneboot-dhcpd. Owned by the dhcpd service.
#include <cstdint>
#include <string>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"

namespace pb::config {

class Reporter;
struct Model;

struct DhcpdSection {
  ServiceCommon common{.metrics_port = 9167};
  std::uint16_t port = 67;
  bool operator==(const DhcpdSection&) const = default;
};

template <class V>
void describe(V& v, DhcpdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "DHCPv4 server port"});
}

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_dhcpd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_dhcpd(const Model& model);

}  // namespace pb::config
