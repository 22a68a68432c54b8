#include "sntpd/upstream.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "common/log.hpp"
#include "sntpd/system_clock.hpp"
#include "sntpd/timestamp.hpp"

namespace pb::ntp {
namespace {

constexpr int kBurst = 4;               // iburst: requests at start
constexpr double kBurstInterval = 2.0;  // seconds between them

}  // namespace

struct Upstreams::Peer {
  config::UpstreamSpec spec;
  std::optional<Ipv4Address> address;
  bool resolving = false;
  std::uint8_t reach = 0;
  int burst = kBurst;
  ClockFilter filter;
  Sample latest{};
  std::uint64_t expected_origin = 0;  // the random transmit timestamp of the request in flight
  std::uint64_t sent = 0;             // its real send time (NTP, system clock)
  bool sent_before_step = false;      // the clock was stepped while it was in flight: its reply gives no sample
  uv::Handle<uv_timer_t> timer;
  metrics::Gauge* reach_gauge = nullptr;
  metrics::Gauge* offset_gauge = nullptr;
  metrics::Gauge* delay_gauge = nullptr;
  Upstreams* owner = nullptr;
  std::string name() const { return spec.host + ":" + std::to_string(spec.port); }
  // The request in flight was answered: this poll counts in the reachability register.
  void reached() noexcept {
    reach |= 1;
    reach_gauge->set(reach);
  }
};

std::optional<Sample> measure(const Packet& reply, std::uint64_t t1, std::uint64_t t4, std::int8_t our_precision,
                              double now) noexcept {
  if (reply.mode != Mode::server && reply.mode != Mode::symmetric_passive) return std::nullopt;
  if (reply.leap == 3 || reply.stratum == 0 || reply.stratum >= 16) return std::nullopt;
  if (reply.receive == 0 || reply.transmit == 0) return std::nullopt;
  const double t21 = difference(reply.receive, t1);
  const double t34 = difference(reply.transmit, t4);
  Sample s;
  s.offset = (t21 + t34) / 2;
  const double precision = std::ldexp(1.0, our_precision) + std::ldexp(1.0, reply.precision);
  s.delay = std::max(t21 - t34, precision);  // (t4 - t1) - (t3 - t2)
  s.dispersion = precision;
  s.time = now;
  s.leap = reply.leap;
  s.stratum = reply.stratum;
  s.root_delay = from_short(reply.root_delay);
  s.root_dispersion = from_short(reply.root_dispersion);
  if (root_distance(s, now) >= kMaxDistance) return std::nullopt;
  return s;
}

Upstreams::Upstreams(uv_loop_t* loop, const std::vector<config::UpstreamSpec>& specs, std::int8_t poll,
                     std::int8_t precision, metrics::Registry& registry, std::function<void()> changed)
    : loop_(loop),
      poll_(poll),
      precision_(precision),
      changed_(std::move(changed)),
      socket_(udp::Options{.address = "0.0.0.0", .timestamps = true}),
      rx_(8, 1024),
      random_(std::random_device{}()),
      resolver_(loop),
      watcher_(loop, socket_.fd(), [this] { on_readable(); }) {
  for (const auto& spec : specs) {
    auto peer = std::make_unique<Peer>();
    peer->spec = spec;
    peer->owner = this;
    if (spec.is_address) peer->address = Ipv4Address::parse(spec.host);
    const metrics::Labels labels{{"upstream", peer->name()}};
    peer->reach_gauge =
        &registry.gauge("sntpd_upstream_reach", "reachability register of the upstream (0-255)", labels);
    peer->offset_gauge =
        &registry.gauge("sntpd_upstream_offset_seconds", "best filtered offset of the upstream", labels);
    peer->delay_gauge = &registry.gauge("sntpd_upstream_delay_seconds", "round-trip delay of the best sample", labels);
    peer->timer = uv::Handle<uv_timer_t>(loop, uv_timer_init);
    peer->timer->data = peer.get();
    peers_.push_back(std::move(peer));
  }
  for (auto& p : peers_) schedule(*p, 0);
}

Upstreams::~Upstreams() = default;

void Upstreams::schedule(Peer& peer, double seconds) noexcept {
  uv_timer_start(
      peer.timer.get(),
      [](uv_timer_t* t) {
        auto* p = static_cast<Peer*>(t->data);
        p->owner->poll(*p);
      },
      static_cast<std::uint64_t>(seconds * 1000), 0);
}

void Upstreams::poll(Peer& peer) noexcept {
  const bool was_reachable = peer.reach != 0;
  peer.reach = static_cast<std::uint8_t>(peer.reach << 1);
  peer.reach_gauge->set(peer.reach);
  if (was_reachable && peer.reach == 0) {
    log::warning("sntpd", "upstream '{}' unreachable (8 polls unanswered)", peer.name());
    if (!peer.spec.is_address) peer.address.reset();  // the name may have moved: resolve it again
    changed_();
  }
  const double interval = std::ldexp(1.0, poll_);
  if (peer.burst > 0) {
    --peer.burst;
    schedule(peer, std::min(kBurstInterval, interval));
  } else {
    schedule(peer, interval);
  }
  if (peer.address) return send(peer);
  if (peer.resolving) return;
  peer.resolving = true;
  Peer* p = &peer;
  resolver_.resolve_ipv4(peer.spec.host, [this, p](const ares::Ipv4Answer& answer) {
    p->resolving = false;
    if (!answer.ok()) {
      if (answer.status != ARES_EDESTRUCTION)
        log::warning("sntpd", "cannot resolve upstream '{}' ({})", p->spec.host, answer.message());
      return;
    }
    p->address = answer.addresses.front();
    log::info("sntpd", "upstream '{}' is {}", p->spec.host, p->address->str());
    send(*p);
  });
}

void Upstreams::send(Peer& peer) noexcept {
  std::array<std::uint8_t, kHeaderSize> out{};
  Packet request;
  request.version = 4;
  request.mode = Mode::client;
  request.poll = poll_;
  request.precision = precision_;
  request.transmit = random_();  // echoed as the origin; our real send time stays here
  write(request, out);
  const sockaddr_in to = udp::make_address(peer.address->value, peer.spec.port);
  peer.expected_origin = request.transmit;
  peer.sent = to_ntp(realtime());
  peer.sent_before_step = false;
  ::sendto(socket_.fd(), out.data(), out.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void Upstreams::on_readable() noexcept {
  for (;;) {
    const std::size_t n = rx_.receive(socket_.fd());
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
      const udp::Datagram d = rx_.at(i);
      const std::uint64_t t4 = to_ntp(d.has_timestamp ? d.received : realtime());
      auto reply = parse(d.data);
      if (!reply) continue;
      for (auto& p : peers_) {
        if (!p->address || p->expected_origin == 0) continue;
        if (ntohl(d.peer.sin_addr.s_addr) != p->address->value || ntohs(d.peer.sin_port) != p->spec.port) continue;
        if (reply->origin != p->expected_origin) continue;  // not the answer to our request in flight
        p->expected_origin = 0;                             // a duplicate is not a second sample
        if (reply->stratum == 0) {
          log::debug("sntpd", "upstream '{}' sent a kiss-o'-death", p->name());
          break;
        }
        if (p->sent_before_step) {
          // t1 is on the clock as it was before the step, t4 after: the offset would be off by the step. The
          // upstream did answer, so the poll counts as reached.
          log::debug("sntpd", "upstream '{}': reply to a request sent before the clock step, no sample", p->name());
          p->reached();
          break;
        }
        auto sample = measure(reply.value(), p->sent, t4, precision_, monotonic());
        if (!sample) break;
        p->reached();
        p->filter.add(*sample);
        p->latest = *sample;
        const auto best = p->filter.best();
        p->offset_gauge->set(best->offset);
        p->delay_gauge->set(best->delay);
        changed_();
        break;
      }
    }
    if (n < rx_.capacity()) return;
  }
}

std::optional<Upstreams::Selected> Upstreams::select(double now) const {
  std::optional<Selected> out;
  double best_distance = 0;
  for (const auto& p : peers_) {
    if (p->reach == 0 || !p->address) continue;
    const auto best = p->filter.best();
    if (!best) continue;
    // RFC 5905 section 11.2.3: survivors rank by stratum first (in units of MAXDIST), then root distance.
    const double d = best->stratum * kMaxDistance + root_distance(*best, now);
    if (!out || d < best_distance) {
      out = Selected{.best = *best, .latest = p->latest, .address = p->address->value, .name = p->name()};
      best_distance = d;
    }
  }
  return out;
}

bool Upstreams::any_reachable() const noexcept {
  return std::any_of(peers_.begin(), peers_.end(), [](const auto& p) { return p->reach != 0; });
}

void Upstreams::clear_samples() noexcept {
  for (auto& p : peers_) {
    p->filter.clear();
    p->latest = Sample{};
    p->sent_before_step = p->expected_origin != 0;
  }
}

}  // namespace pb::ntp
