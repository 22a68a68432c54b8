#pragma once
// Forwarding of names outside our zones (off unless dnsd.forward.upstream is set) through c-ares on the
// service's loop (common/ares_uv.hpp: one uv_poll_t per c-ares socket, a timer from ares_timeout).
//
// Only clients inside dnsd.forward.clients get here (the engine answers REFUSED to everyone else: never an
// open resolver). c-ares replaces the query ID with its own, and an upstream need not keep the question's case
// (0x20 randomisation changes it on purpose): the client's ID and question bytes are put back. An answer larger
// than the client may take (512, or its EDNS size up to ours) goes back truncated (TC=1) so the client
// retries over TCP. Debian 12's c-ares (1.18) has no query cache, so nothing outlives the upstream's TTLs.
//
// UDP workers run on their own threads: they hand queries over through submit() (a locked queue and a
// uv::Wakeup); the answer is sent from the loop thread on the worker's socket (sendto is thread-safe).
#include <netinet/in.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "common/ares_uv.hpp"
#include "common/config/dnsd.hpp"
#include "common/uv.hpp"
#include "common/wakeup.hpp"
#include "dnsd/stats.hpp"

namespace pb::dns {

class Forwarder {
 public:
  using Reply = std::function<void(std::span<const std::uint8_t> answer)>;

  // `stats` counts each answer by question type and RCODE when it goes back to the client (or fails).
  Forwarder(uv_loop_t* loop, const config::DnsForward& config, std::uint16_t our_payload, Stats& stats);
  ~Forwarder();

  // From any thread: forward a UDP query and answer `peer` on socket `fd`.
  void submit_udp(std::span<const std::uint8_t> query, const sockaddr_in& peer, int fd);
  // From the loop thread: forward `query`; `reply` runs on the loop with the answer (limit: TCP, 65535).
  void forward(std::span<const std::uint8_t> query, std::size_t limit, Reply reply);

 private:
  struct Udp {
    std::vector<std::uint8_t> query;
    sockaddr_in peer;
    int fd;
  };
  void drain() noexcept;

  std::uint16_t our_payload_;
  Stats& stats_;
  std::unique_ptr<ares::Resolver> resolver_;
  uv::Wakeup wake_;
  std::mutex mutex_;
  std::deque<Udp> queue_;
  std::size_t in_flight_ = 0;
};

}  // namespace pb::dns
