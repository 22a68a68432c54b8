#pragma once
// provisiond's metrics, created once at start-up; the per-request path only bumps atomics.
//   provisiond_requests_total{protocol,status}   requests (HTTP) and transfers (TFTP) by status
//   provisiond_sent_bytes_total{protocol}         body bytes sent
//   provisiond_received_bytes_total{protocol}     upload bytes received
//   provisiond_active{protocol}                   open connections (HTTP, HTTPS) and transfers (TFTP)
//   provisiond_drops_total{protocol,reason}       refused or abandoned requests by reason
//   provisiond_latency_seconds{protocol}          request head to response queued (HTTP), whole transfer (TFTP)
#include <map>
#include <string>
#include <utility>

#include "common/metrics.hpp"

namespace pb::prov {

class Stats {
 public:
  Stats(metrics::Registry& registry, std::string protocol);

  metrics::Counter& requests(int status);
  metrics::Counter& requests(const std::string& status);  // TFTP: "ok" or the error's name
  void drop(const char* reason);
  metrics::Counter& sent;
  metrics::Counter& received;
  metrics::Gauge& active;
  metrics::Histogram& latency;

 private:
  metrics::Registry& registry_;
  std::string protocol_;
  std::map<int, metrics::Counter*> by_status_;
  std::map<std::string, metrics::Counter*, std::less<>> by_name_;
  std::map<std::string, metrics::Counter*, std::less<>> drops_;
};

}  // namespace pb::prov
