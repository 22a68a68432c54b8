#pragma once
// ICMP echo conflict detection before an OFFER (optional, dhcpd.ping_check). Asynchronous: the server parks
// the OFFER, sends one echo request to the address, and answers the other clients meanwhile; the OFFER
// leaves when the timeout (default 100 ms) passes without a reply. An echo reply means someone already uses
// the address: it is quarantined and the DISCOVER is answered again with another address.
//
// The socket is a raw ICMP socket (CAP_NET_RAW, which dhcpd keeps when ping_check is on). Echo requests
// carry our identifier; replies are matched by identifier and source address.
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pb::dhcp {

// Pure helpers, tested without sockets.
std::vector<std::uint8_t> build_echo_request(std::uint16_t id, std::uint16_t seq);
// The source address of an echo reply carrying `id` in a raw IPv4 datagram (IP header included), if it is one.
std::optional<std::uint32_t> parse_echo_reply(std::span<const std::uint8_t> datagram, std::uint16_t id) noexcept;

class Pinger {
 public:
  Pinger();  // throws std::runtime_error when the raw socket cannot be had
  ~Pinger();
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;
  int fd() const noexcept { return fd_; }
  void send(std::uint32_t address) noexcept;
  // Addresses that answered since the last call.
  std::vector<std::uint32_t> replies() noexcept;

 private:
  int fd_ = -1;
  std::uint16_t id_ = 0;
  std::uint16_t seq_ = 0;
};

}  // namespace pb::dhcp
