#pragma once
// The [provisiond] section (or provisiond.toml): keys of phoneboot-provisiond. Owned by the provisiond service.
#include <cstdint>
#include <string>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"

namespace pb::config {

class Reporter;
struct Model;

struct ProvisiondSection {
  ServiceCommon common{.metrics_port = 9188};
  std::uint16_t port = 8088;
  bool operator==(const ProvisiondSection&) const = default;
};

template <class V>
void describe(V& v, ProvisiondSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "HTTP port"});
}

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_provisiond(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_provisiond(const Model& model);

}  // namespace pb::config
