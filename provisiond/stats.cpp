#include "provisiond/stats.hpp"

namespace pb::prov {

Stats::Stats(metrics::Registry& registry, std::string protocol)
    : sent(registry.counter("provisiond_sent_bytes_total", "body bytes sent", {{"protocol", protocol}})),
      received(registry.counter("provisiond_received_bytes_total", "upload bytes received", {{"protocol", protocol}})),
      active(registry.gauge("provisiond_active", "open connections or transfers", {{"protocol", protocol}})),
      latency(registry.histogram("provisiond_latency_seconds", "request to response (HTTP), whole transfer (TFTP)",
                                 metrics::latency_buckets(), {{"protocol", protocol}})),
      registry_(registry),
      protocol_(std::move(protocol)) {}

metrics::Counter& Stats::requests(int status) {
  auto it = by_status_.find(status);
  if (it == by_status_.end()) {
    auto& c = registry_.counter("provisiond_requests_total", "requests and transfers by status",
                                {{"protocol", protocol_}, {"status", std::to_string(status)}});
    it = by_status_.emplace(status, &c).first;
  }
  return *it->second;
}

metrics::Counter& Stats::requests(const std::string& status) {
  auto it = by_name_.find(status);
  if (it == by_name_.end()) {
    auto& c = registry_.counter("provisiond_requests_total", "requests and transfers by status",
                                {{"protocol", protocol_}, {"status", status}});
    it = by_name_.emplace(status, &c).first;
  }
  return *it->second;
}

void Stats::drop(const char* reason) {
  auto it = drops_.find(std::string_view(reason));
  if (it == drops_.end()) {
    auto& c = registry_.counter("provisiond_drops_total", "refused or abandoned requests by reason",
                                {{"protocol", protocol_}, {"reason", reason}});
    it = drops_.emplace(reason, &c).first;
  }
  it->second->inc();
}

}  // namespace pb::prov
