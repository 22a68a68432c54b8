#pragma once
// Serves a Registry as Prometheus text on 127.0.0.1:<port>, on the service's own loop. Loopback only by
// design: metrics are for the appliance's own monitoring agent, never for the voice VLAN.
#include <cstdint>

#include "common/metrics.hpp"
#include "common/uv.hpp"

namespace pb::metrics {

class Server {
 public:
  // Port 0 means off. Throws at start-up if the port cannot be bound.
  Server(uv_loop_t* loop, const Registry& registry, std::uint16_t port);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // The bound port (useful when tests ask for an ephemeral one), 0 when off.
  std::uint16_t port() const noexcept { return port_; }

 private:
  static void on_connection(uv_stream_t* server, int status);
  const Registry& registry_;
  uv::Handle<uv_tcp_t> listener_;
  std::uint16_t port_ = 0;
};

}  // namespace pb::metrics
