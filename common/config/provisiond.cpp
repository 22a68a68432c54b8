#include "common/config/provisiond.hpp"

#include "common/config/model.hpp"

namespace pb::config {

void check_provisiond(const Model&, Reporter&) {}

std::string summary_provisiond(const Model& model) {
  const auto& s = model.provisiond;
  if (!s.common.enabled) return "provisiond: disabled";
  return "provisiond: port " + std::to_string(s.port);
}

}  // namespace pb::config
