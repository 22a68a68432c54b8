#pragma once
// NOTIFY (RFC 1996) to the secondaries when a zone's serial changes, so the site's main DNS fetches a fresh
// copy by AXFR. Sent from its own UDP socket, repeated every 2 s until acknowledged, at most 5 times.
#include <cstdint>
#include <string>
#include <vector>

#include "common/net.hpp"
#include "common/uv.hpp"

namespace pb::dns {

class Notifier {
 public:
  explicit Notifier(uv_loop_t* loop);
  ~Notifier();
  // `apex` in wire form; replaces any pending NOTIFY of the same zone to the same secondary.
  void notify(const std::string& apex, const std::vector<Ipv4Address>& secondaries, std::uint16_t port = 53);

 private:
  struct Pending {
    std::uint16_t id;
    std::vector<std::uint8_t> message;
    sockaddr_in to;
    int tries;
    std::string apex;
  };
  void send(Pending& p);
  void tick();

  uv::Handle<uv_udp_t> socket_;
  uv::Handle<uv_timer_t> timer_;
  std::vector<Pending> pending_;
  std::uint16_t next_id_;
};

}  // namespace pb::dns
