#pragma once
// The NTP server socket: moves bytes between the kernel and the pure responder, nothing else.
//
// A raw non-blocking fd under uv_poll_t (libuv's uv_udp_t hides SO_TIMESTAMPNS), read with recvmmsg and
// answered with one sendmmsg per batch. The receive timestamp is the kernel's; the transmit timestamp is
// read once per batch right before sendmmsg and patched into every reply of the batch (as late as possible
// without one clock read per packet).
#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "common/metrics.hpp"
#include "common/udp.hpp"
#include "sntpd/clock.hpp"
#include "sntpd/rate_limit.hpp"

namespace pb::ntp {

struct ServerMetrics {
  explicit ServerMetrics(metrics::Registry& registry);
  metrics::Counter& requests;
  metrics::Counter& replies;
  metrics::Counter& kod;
  std::array<metrics::Counter*, static_cast<std::size_t>(DropReason::count)> drops{};
};

class Server {
 public:
  // Binds at construction (throws at start-up when it cannot). `clock` and `limiter` outlive the server.
  Server(uv_loop_t* loop, const udp::Options& options, const Clock& clock, RateLimiter* const* limiter,
         ServerMetrics& metrics);
  std::uint16_t port() const { return socket_.local_port(); }
  void stop() noexcept { watcher_.stop(); }

 private:
  void on_readable() noexcept;

  udp::Socket socket_;
  const Clock& clock_;
  RateLimiter* const* limiter_;  // the service may swap the limiter on reload
  ServerMetrics& metrics_;
  udp::ReceiveBatch rx_;
  udp::SendBatch tx_;
  std::vector<std::span<std::uint8_t>> replies_;
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::count)> last_drop_log_ms_{};
  udp::Watcher watcher_;
};

}  // namespace pb::ntp
