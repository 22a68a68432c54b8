#pragma once
// Runs the health checks of the call servers on the loop (SIP OPTIONS over UDP or TCP, TCP connect, HTTP GET)
// and tells the service when the live set changes. Destroying it cancels every check in flight: checks
// stop when their records go away.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/metrics.hpp"
#include "common/uv.hpp"
#include "dnsd/health.hpp"

namespace pb::dns {

struct ProbeSpec {
  std::string kind;           // sip-udp, sip-tcp, tcp, http
  std::uint32_t address = 0;  // host order
  std::uint16_t port = 0;
  std::uint32_t timeout_ms = 2000;
  std::string request;  // bytes sent once connected (empty for tcp)
};

class Probe;

class HealthMonitor {
 public:
  HealthMonitor(uv_loop_t* loop, const config::Model& model, metrics::Registry& registry,
                std::function<void()> on_change);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  std::vector<bool> live() const { return schedule_.live(); }

 private:
  void tick();
  void finished(std::size_t member, bool ok);

  uv_loop_t* loop_;
  config::DnsHealth config_;
  std::vector<config::CallServer> members_;
  std::string domain_;
  std::uint16_t port_;
  HealthSchedule schedule_;
  std::vector<metrics::Gauge*> gauges_;
  std::vector<Probe*> in_flight_;
  std::function<void()> on_change_;
  uv::Handle<uv_timer_t> timer_;
  std::uint64_t sequence_ = 0;
};

}  // namespace pb::dns
