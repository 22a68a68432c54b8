#pragma once
// Serves a Registry as Prometheus text on 127.0.0.1:<port>, on the service's own loop. Loopback only by
// design: metrics are for the appliance's own monitoring agent, never for the voice VLAN.
//
// The server owns its connections: a scrape that never sends its request is closed after kIdleMs, and
// destroying the server closes every connection, so a silent client can never keep a stopping daemon's
// loop alive.
#include <cstdint>
#include <list>

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
  const Registry& registry() const noexcept { return registry_; }
  // Open scrape connections (for tests).
  std::size_t connections() const noexcept { return connections_.size(); }

  struct Connection;
  static constexpr std::uint64_t kIdleMs = 5000;

 private:
  static void on_connection(uv_stream_t* server, int status);
  void sweep() noexcept;
  void forget(Connection* c) noexcept;

  const Registry& registry_;
  uv::Handle<uv_tcp_t> listener_;
  uv::Handle<uv_timer_t> sweeper_;
  std::list<Connection*> connections_;
  std::uint16_t port_ = 0;
};

}  // namespace pb::metrics
