#include "dnsd/notify.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <random>

#include "common/log.hpp"
#include "dnsd/name.hpp"
#include "dnsd/zone.hpp"

namespace pb::dns {
namespace {
constexpr int kTries = 5;
constexpr unsigned kRetryMs = 2000;
}  // namespace

Notifier::Notifier(uv_loop_t* loop)
    : socket_(loop, uv_udp_init),
      timer_(loop, uv_timer_init),
      next_id_(static_cast<std::uint16_t>(std::random_device{}())) {
  socket_->data = this;
  timer_->data = this;
  sockaddr_in any{};
  any.sin_family = AF_INET;
  uv_udp_bind(socket_.get(), reinterpret_cast<const sockaddr*>(&any), 0);
  uv_udp_recv_start(
      socket_.get(),
      [](uv_handle_t*, std::size_t, uv_buf_t* b) {
        static char buf[512];
        *b = uv_buf_init(buf, sizeof buf);
      },
      [](uv_udp_t* h, ssize_t n, const uv_buf_t* b, const sockaddr*, unsigned) {
        if (n < 12) return;
        auto* self = static_cast<Notifier*>(h->data);
        const auto* p = reinterpret_cast<const std::uint8_t*>(b->base);
        const std::uint16_t id = static_cast<std::uint16_t>(p[0] << 8 | p[1]);
        if ((p[2] & 0x80) == 0 || ((p[2] >> 3) & 0xF) != 4) return;  // only NOTIFY answers
        auto& v = self->pending_;
        v.erase(std::remove_if(v.begin(), v.end(), [&](const Pending& x) { return x.id == id; }), v.end());
      });
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<Notifier*>(t->data)->tick(); }, kRetryMs, kRetryMs);
}

Notifier::~Notifier() = default;

void Notifier::notify(const std::string& apex, const std::vector<Ipv4Address>& secondaries, std::uint16_t port) {
  for (const auto& s : secondaries) {
    const sockaddr_in to = [&] {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(s.value);
      return a;
    }();
    pending_.erase(
        std::remove_if(pending_.begin(), pending_.end(),
                       [&](const Pending& p) { return p.apex == apex && p.to.sin_addr.s_addr == to.sin_addr.s_addr; }),
        pending_.end());
    Pending p{++next_id_, {}, to, 0, apex};
    auto& m = p.message;
    m = {static_cast<std::uint8_t>(p.id >> 8), static_cast<std::uint8_t>(p.id), 0x24, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    m.insert(m.end(), apex.begin(), apex.end());  // opcode NOTIFY (4), AA
    m.insert(m.end(), {0, static_cast<std::uint8_t>(type::SOA), 0, 1});
    pending_.push_back(std::move(p));
    send(pending_.back());
    log::info("dnsd", "NOTIFY '{}' to {}", name_to_text(apex), s.str());
  }
}

void Notifier::send(Pending& p) {
  ++p.tries;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(p.message.data()), static_cast<unsigned>(p.message.size()));
  uv_udp_try_send(socket_.get(), &buf, 1, reinterpret_cast<const sockaddr*>(&p.to));
}

void Notifier::tick() {
  for (auto& p : pending_)
    if (p.tries < kTries) send(p);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [](const Pending& p) { return p.tries >= kTries; }),
                 pending_.end());
}

}  // namespace pb::dns
