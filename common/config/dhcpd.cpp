#include "common/config/dhcpd.hpp"

#include "common/config/model.hpp"

namespace pb::config {

void check_dhcpd(const Model&, Reporter&) {}

std::string summary_dhcpd(const Model& model) {
  const auto& s = model.dhcpd;
  if (!s.common.enabled) return "dhcpd: disabled";
  return "dhcpd: port " + std::to_string(s.port);
}

}  // namespace pb::config
