#pragma once
// Keys every service section shares: whether it runs, its log level, and its loopback metrics port.
#include <cstdint>
#include <string>

#include "common/config/schema.hpp"

namespace pb::config {

std::string check_log_level(const std::string& level);

struct ServiceCommon {
  bool enabled = true;
  std::string log_level = "info";
  std::uint16_t metrics_port = 0;  // Prometheus text on 127.0.0.1; 0 turns it off
  bool operator==(const ServiceCommon&) const = default;
};

// Flattened into the service's own table: [sntpd] enabled = true, metrics_port = 9123, ...
template <class V>
void describe_common(V& v, ServiceCommon& c) {
  v.field("enabled", c.enabled, Key{.doc = "run this service"});
  v.field("log_level", c.log_level, Key{.doc = "debug, info, warning or error"}, check_log_level);
  v.field("metrics_port", c.metrics_port, Key{.doc = "Prometheus metrics on 127.0.0.1:<port>; 0 is off"});
}

}  // namespace pb::config
