#include "sntpd/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/log.hpp"
#include "sntpd/responder.hpp"
#include "sntpd/system_clock.hpp"
#include "sntpd/timestamp.hpp"

namespace pb::ntp {
namespace {

constexpr std::size_t kBatch = 128;         // datagrams per recvmmsg/sendmmsg
constexpr int kReceiveBuffer = 4 << 20;     // bytes: a whole VLAN of phones booting at once, ~5000 requests
constexpr std::size_t kReceiveSize = 1024;  // requests with extension fields fit; longer ones arrive cut
constexpr int kRoundsPerWakeup = 16;        // then yield to the loop (upstream replies, timers, signals)

}  // namespace

ServerMetrics::ServerMetrics(metrics::Registry& r)
    : requests(r.counter("sntpd_requests_total", "NTP datagrams received on the server socket")),
      replies(r.counter("sntpd_replies_total", "NTP replies sent (KoD included)")),
      kod(r.counter("sntpd_kod_total", "KoD RATE replies sent to rate-limited clients")) {
  for (std::size_t i = 0; i < drops.size(); ++i)
    drops[i] = &r.counter("sntpd_drops_total", "requests dropped without a reply, by reason",
                          {{"reason", drop_reason_name(static_cast<DropReason>(i))}});
}

Server::Server(uv_loop_t* loop, const udp::Options& options, const Clock& clock, RateLimiter* const* limiter,
               ServerMetrics& metrics)
    : socket_(options),
      clock_(clock),
      limiter_(limiter),
      metrics_(metrics),
      rx_(kBatch, kReceiveSize),
      tx_(kBatch, kHeaderSize),
      watcher_(loop, socket_.fd(), [this] { on_readable(); }) {
  replies_.reserve(kBatch);
  // Above net.core.rmem_max needs CAP_NET_ADMIN, which we still hold here (before the privilege drop);
  // without it the kernel keeps the SO_RCVBUF asked for in the options.
  (void)::setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer);
  // DF on every reply (48 bytes never fragment): the kernel then skips the IP ID generator, ~2% of the
  // per-reply cost in perf, all of which is in the kernel.
  const int probe = IP_PMTUDISC_PROBE;
  (void)::setsockopt(socket_.fd(), IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
}

void Server::on_readable() noexcept {
  for (int round = 0; round < kRoundsPerWakeup; ++round) {
    const std::size_t n = rx_.receive(socket_.fd());
    if (n == 0) return;
    const timespec now = realtime();
    const std::uint64_t now_ms = monotonic_ms();
    // The correction in NTP units, added as an integer: the same for every timestamp of the batch.
    const std::uint64_t correction = add_seconds(0, clock_.correction());
    const ServerState state = clock_.announce(monotonic(), to_ntp(now) + correction);
    RateLimiter* limiter = *limiter_;
    replies_.clear();
    std::uint64_t kisses = 0;
    metrics_.requests.inc(n);
    for (std::size_t i = 0; i < n; ++i) {
      const udp::Datagram d = rx_.at(i);
      Request request{.bytes = d.data,
                      .client = ntohl(d.peer.sin_addr.s_addr),
                      .receive = to_ntp(d.has_timestamp ? d.received : now) + correction,
                      .transmit = 0,
                      .now_ms = now_ms};
      auto out = tx_.next();
      auto built = respond(request, state, limiter, out);
      if (!built) {
        const auto reason = static_cast<std::size_t>(built.error());
        metrics_.drops[reason]->inc();
        // Hostile traffic never floods the log: at most one line a second per reason, and only at debug.
        if (log::level() <= log::Level::debug && now_ms - last_drop_log_ms_[reason] >= 1000) {
          last_drop_log_ms_[reason] = now_ms;
          char from[INET_ADDRSTRLEN] = "?";
          ::inet_ntop(AF_INET, &d.peer.sin_addr, from, sizeof from);
          log::debug("sntpd", "dropped a request from '{}' ({}, {} bytes)", from, drop_reason_name(built.error()),
                     d.data.size());
        }
        continue;
      }
      if (out[1] == 0) ++kisses;
      replies_.push_back(out.first(built.value()));
      tx_.commit(built.value(), d.peer, d.local);  // d.local is 0 (kernel's choice) unless bound to 0.0.0.0
    }
    if (!replies_.empty()) {
      const std::uint64_t transmit = to_ntp(realtime()) + correction;
      for (auto reply : replies_) patch_transmit(reply, transmit);
      metrics_.replies.inc(tx_.flush(socket_.fd()));
      if (kisses != 0) metrics_.kod.inc(kisses);
    }
    if (n < rx_.capacity()) return;
  }
}

}  // namespace pb::ntp
