#include "dnsd/health_monitor.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "common/log.hpp"

namespace pb::dns {

// One check in flight. Owns a timer and a TCP or UDP handle; frees itself when both have closed. `cancel`
// closes without calling back (the monitor is going away).
class Probe {
 public:
  Probe(uv_loop_t* loop, ProbeSpec spec, std::function<void(bool)> done)
      : spec_(std::move(spec)), done_(std::move(done)) {
    uv_timer_init(loop, &timer_);
    timer_.data = this;
    open_ = 1;
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Probe*>(t->data)->end(false); }, spec_.timeout_ms, 0);
    const sockaddr_in addr = [&] {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(spec_.port);
      a.sin_addr.s_addr = htonl(spec_.address);
      return a;
    }();
    if (spec_.kind == "sip-udp") {
      uv_udp_init(loop, &udp_);
      udp_.data = this;
      ++open_;
      is_udp_ = true;
      uv_buf_t buf = uv_buf_init(spec_.request.data(), static_cast<unsigned>(spec_.request.size()));
      if (uv_udp_connect(&udp_, reinterpret_cast<const sockaddr*>(&addr)) != 0 ||
          uv_udp_try_send(&udp_, &buf, 1, nullptr) < 0) {
        end(false);
        return;
      }
      uv_udp_recv_start(
          &udp_, [](uv_handle_t* h, std::size_t, uv_buf_t* b) { static_cast<Probe*>(h->data)->alloc(b); },
          [](uv_udp_t* h, ssize_t n, const uv_buf_t*, const sockaddr*, unsigned) {
            auto* self = static_cast<Probe*>(h->data);
            if (n < 0) return self->end(false);  // ICMP port unreachable on the connected socket: down at once
            if (n > 0) self->received(static_cast<std::size_t>(n));
          });
      return;
    }
    uv_tcp_init(loop, &tcp_);
    tcp_.data = this;
    ++open_;
    connect_.data = this;
    if (uv_tcp_connect(&connect_, &tcp_, reinterpret_cast<const sockaddr*>(&addr), [](uv_connect_t* c, int status) {
          auto* self = static_cast<Probe*>(c->data);
          if (self->finished_) return;
          if (status != 0) return self->end(false);
          if (self->spec_.kind == "tcp") return self->end(true);
          self->write_.data = self;
          uv_buf_t buf = uv_buf_init(self->spec_.request.data(), static_cast<unsigned>(self->spec_.request.size()));
          uv_write(&self->write_, reinterpret_cast<uv_stream_t*>(&self->tcp_), &buf, 1, [](uv_write_t*, int) {});
          uv_read_start(
              reinterpret_cast<uv_stream_t*>(&self->tcp_),
              [](uv_handle_t* h, std::size_t, uv_buf_t* b) { static_cast<Probe*>(h->data)->alloc(b); },
              [](uv_stream_t* s, ssize_t n, const uv_buf_t*) {
                auto* p = static_cast<Probe*>(s->data);
                if (n < 0) return p->end(false);
                p->received(static_cast<std::size_t>(n));
              });
        }) != 0)
      end(false);
  }

  bool finished() const noexcept { return finished_; }
  void cancel() {
    done_ = nullptr;
    end(false);
  }

 private:
  void alloc(uv_buf_t* b) { *b = uv_buf_init(buffer_ + used_, static_cast<unsigned>(sizeof buffer_ - used_)); }

  // Any SIP response proves a live SIP stack (even 404 or 405); HTTP must say 2xx or 3xx.
  void received(std::size_t n) {
    used_ += n;
    const std::string_view got(buffer_, used_);
    if (spec_.kind == "http") {
      if (used_ < 12) return;
      end(got.rfind("HTTP/1.", 0) == 0 && (got[9] == '2' || got[9] == '3'));
    } else {
      if (used_ < 8) return;
      end(got.rfind("SIP/2.0 ", 0) == 0);
    }
  }

  void end(bool ok) {
    if (finished_) return;
    finished_ = true;
    if (done_) done_(ok);
    auto closed = [](uv_handle_t* h) {
      auto* self = static_cast<Probe*>(h->data);
      if (--self->open_ == 0) delete self;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), closed);
    if (is_udp_)
      uv_close(reinterpret_cast<uv_handle_t*>(&udp_), closed);
    else if (open_ > 1)
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), closed);
  }

  ProbeSpec spec_;
  std::function<void(bool)> done_;
  uv_timer_t timer_{};
  uv_tcp_t tcp_{};
  uv_udp_t udp_{};
  uv_connect_t connect_{};
  uv_write_t write_{};
  bool is_udp_ = false;
  bool finished_ = false;
  int open_ = 0;
  char buffer_[512];
  std::size_t used_ = 0;
};

namespace {

std::uint64_t tick_ms(const config::DnsHealth& h) { return std::clamp<std::uint64_t>(h.interval_ms / 4, 25, 250); }

std::string sip_options(const std::string& transport, const config::CallServer& cs, std::uint16_t port,
                        const std::string& domain, std::uint64_t seq) {
  const std::string target = cs.address.str() + ":" + std::to_string(port);
  const std::string id = std::to_string(seq);
  return "OPTIONS sip:" + target + " SIP/2.0\r\n" + "Via: SIP/2.0/" + transport + " " + domain +
         ";branch=z9hG4bKpbdns" + id + ";rport\r\n" + "Max-Forwards: 70\r\n" + "From: <sip:phoneboot@" + domain +
         ">;tag=pbdns" + id + "\r\n" + "To: <sip:" + target + ">\r\n" + "Call-ID: pbdns-" + id + "@" + domain + "\r\n" +
         "CSeq: 1 OPTIONS\r\n" + "Accept: application/sdp\r\n" + "User-Agent: phoneboot-dnsd\r\n" +
         "Content-Length: 0\r\n\r\n";
}

}  // namespace

HealthMonitor::HealthMonitor(uv_loop_t* loop, const config::Model& model, metrics::Registry& registry,
                             std::function<void()> on_change)
    : loop_(loop),
      config_(model.dnsd.health),
      members_(model.site.call_server),
      domain_(model.site.domain),
      port_(config_.port != 0         ? config_.port
            : config_.check == "http" ? std::uint16_t{80}
                                      : model.site.sip_port),
      schedule_(members_.size(), config_.interval_ms, config_.rise, config_.fall),
      in_flight_(members_.size(), nullptr),
      on_change_(std::move(on_change)),
      timer_(loop, uv_timer_init) {
  for (const auto& m : members_) {
    auto& g = registry.gauge("dnsd_member_up", "1 when a call server counts as live (also before its first check)",
                             {{"member", m.name}});
    g.set(1);
    gauges_.push_back(&g);
  }
  timer_->data = this;
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<HealthMonitor*>(t->data)->tick(); }, 0, tick_ms(config_));
  log::info("dnsd", "health checks '{}' on port {} every {} ms (rise {}, fall {})", config_.check, port_,
            config_.interval_ms, config_.rise, config_.fall);
}

HealthMonitor::~HealthMonitor() {
  for (Probe* p : in_flight_)
    if (p != nullptr) p->cancel();
}

void HealthMonitor::tick() {
  for (std::size_t i : schedule_.due(uv_now(loop_))) {
    ProbeSpec spec;
    spec.kind = config_.check;
    spec.address = members_[i].address.value;
    spec.port = port_;
    spec.timeout_ms = config_.timeout_ms;
    if (spec.kind == "sip-udp") spec.request = sip_options("UDP", members_[i], port_, domain_, ++sequence_);
    if (spec.kind == "sip-tcp") spec.request = sip_options("TCP", members_[i], port_, domain_, ++sequence_);
    if (spec.kind == "http")
      spec.request = "GET " + config_.path + " HTTP/1.0\r\nHost: " + members_[i].address.str() +
                     "\r\nUser-Agent: phoneboot-dnsd\r\nConnection: close\r\n\r\n";
    auto* probe = new Probe(loop_, std::move(spec), [this, i](bool ok) { finished(i, ok); });
    if (!probe->finished()) in_flight_[i] = probe;  // one that failed at once has already reported
  }
}

void HealthMonitor::finished(std::size_t i, bool ok) {
  in_flight_[i] = nullptr;
  if (!schedule_.finish(i, ok)) return;
  const bool live = schedule_.state(i).live();
  gauges_[i]->set(live ? 1 : 0);
  log::warning("dnsd", "call server '{}' ({}) is {} after {} {} checks", members_[i].name, members_[i].address.str(),
               live ? "up" : "down", live ? config_.rise : config_.fall, live ? "good" : "failed");
  on_change_();
}

}  // namespace pb::dns
