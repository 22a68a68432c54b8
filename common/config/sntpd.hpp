#pragma once
// The [sntpd] section (or sntpd.toml): keys of phoneboot-sntpd. Owned by the sntpd service.
#include <cstdint>
#include <string>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"

namespace pb::config {

class Reporter;
struct Model;

struct SntpdSection {
  ServiceCommon common{.metrics_port = 9123};
  std::uint16_t port = 123;
  bool operator==(const SntpdSection&) const = default;
};

template <class V>
void describe(V& v, SntpdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "NTP port"});
}

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_sntpd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_sntpd(const Model& model);

}  // namespace pb::config
