#include "common/config/sntpd.hpp"

#include "common/config/model.hpp"

namespace pb::config {

void check_sntpd(const Model&, Reporter&) {}

std::string summary_sntpd(const Model& model) {
  const auto& s = model.sntpd;
  if (!s.common.enabled) return "sntpd: disabled";
  return "sntpd: port " + std::to_string(s.port);
}

}  // namespace pb::config
