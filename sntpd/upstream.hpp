#pragma once
// sntpd as an NTP client of its upstream servers (RFC 5905 section 8, client side only).
//
// Each upstream is polled from one shared unconnected socket with SO_TIMESTAMPNS: four requests 2 s apart
// at start (iburst, as chrony), then every 2^poll s. A request carries a random transmit timestamp (as
// ntpsec does) that the reply must echo as its origin, so spoofed or replayed replies are ignored; our
// real send time is kept aside. The 8-bit reachability register shifts at every poll; an upstream whose
// last 8 polls went unanswered is unreachable. Names are resolved with c-ares on the same loop, again at
// every poll until they resolve, and again once the upstream has become unreachable.
//
// measure() is the pure part: one exchange's four timestamps -> a Sample, or nullopt when the reply is not
// one to synchronise to (LI 3, stratum 0 or 16+, zero timestamps, too far away).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/ares_uv.hpp"
#include "common/config/sntpd.hpp"
#include "common/metrics.hpp"
#include "common/udp.hpp"
#include "sntpd/clock.hpp"
#include "sntpd/packet.hpp"

namespace pb::ntp {

// t1 our send (NTP, system clock), t4 our receive; the reply carries t2 (its receive) and t3 (its transmit).
std::optional<Sample> measure(const Packet& reply, std::uint64_t t1, std::uint64_t t4, std::int8_t our_precision,
                              double now) noexcept;

class Upstreams {
 public:
  struct Selected {
    Sample best;
    Sample latest;
    std::uint32_t address = 0;
    std::string name;
  };

  // `changed` runs after every accepted sample and every change of reachability.
  Upstreams(uv_loop_t* loop, const std::vector<config::UpstreamSpec>& specs, std::int8_t poll, std::int8_t precision,
            metrics::Registry& registry, std::function<void()> changed);
  ~Upstreams();

  // The reachable upstream of lowest stratum, then smallest root distance, with its filtered best sample.
  std::optional<Selected> select(double now) const;
  bool any_reachable() const noexcept;
  // After the system clock was stepped, every sample taken before is wrong, and so is the one a request still
  // in flight would give (its send time is on the old clock): its reply counts for reachability only.
  void clear_samples() noexcept;

 private:
  struct Peer;
  void poll(Peer& peer) noexcept;
  void send(Peer& peer) noexcept;
  void schedule(Peer& peer, double seconds) noexcept;
  void on_readable() noexcept;

  uv_loop_t* loop_;
  std::int8_t poll_;
  std::int8_t precision_;
  std::function<void()> changed_;
  udp::Socket socket_;
  udp::ReceiveBatch rx_;
  std::mt19937_64 random_;
  std::vector<std::unique_ptr<Peer>> peers_;
  ares::Resolver resolver_;  // after peers_: destroyed first, its EDESTRUCTION callbacks still see them
  udp::Watcher watcher_;
};

}  // namespace pb::ntp
