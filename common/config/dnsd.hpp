#pragma once
// The [dnsd] section (or dnsd.toml): keys of phoneboot-dnsd. Owned by the dnsd service.
#include <cstdint>
#include <string>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"

namespace pb::config {

class Reporter;
struct Model;

struct DnsdSection {
  ServiceCommon common{.metrics_port = 9153};
  std::uint16_t port = 53;
  bool operator==(const DnsdSection&) const = default;
};

template <class V>
void describe(V& v, DnsdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "DNS port (UDP and TCP)"});
}

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_dnsd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_dnsd(const Model& model);

}  // namespace pb::config
