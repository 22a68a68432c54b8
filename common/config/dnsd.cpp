#include "common/config/dnsd.hpp"

#include "common/config/model.hpp"

namespace pb::config {

void check_dnsd(const Model&, Reporter&) {}

std::string summary_dnsd(const Model& model) {
  const auto& s = model.dnsd;
  if (!s.common.enabled) return "dnsd: disabled";
  return "dnsd: port " + std::to_string(s.port);
}

}  // namespace pb::config
