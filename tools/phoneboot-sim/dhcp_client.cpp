#include "tools/phoneboot-sim/dhcp_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

namespace pb::sim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint8_t kDiscover = 1, kOffer = 2, kRequest = 3, kAck = 5, kNak = 6;
constexpr auto kRetransmit = std::chrono::seconds(2);

std::vector<std::uint8_t> build(const DhcpRequestShape& shape, std::uint32_t xid, std::uint8_t type,
                                const DhcpResult* offer) {
  std::vector<std::uint8_t> p(236, 0);
  p[0] = 1;  // BOOTREQUEST
  p[1] = 1;  // Ethernet
  p[2] = 6;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(xid >> (24 - 8 * i));
  p[10] = 0x80;  // broadcast: no address yet to receive unicast on
  std::memcpy(p.data() + 28, shape.mac.data(), 6);
  p.insert(p.end(), {99, 130, 83, 99, 53, 1, type});
  auto option = [&](std::uint8_t code, const std::vector<std::uint8_t>& v) {
    for (std::size_t at = 0; at < v.size() || (at == 0 && v.empty()); at += 255) {  // RFC 3396 split
      const std::size_t n = std::min<std::size_t>(255, v.size() - at);
      p.push_back(code);
      p.push_back(static_cast<std::uint8_t>(n));
      p.insert(p.end(), v.begin() + static_cast<long>(at), v.begin() + static_cast<long>(at + n));
      if (v.empty()) break;
    }
  };
  auto ip = [](Ipv4Address a) {
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(a.value >> 24), static_cast<std::uint8_t>(a.value >> 16),
                                     static_cast<std::uint8_t>(a.value >> 8), static_cast<std::uint8_t>(a.value)};
  };
  std::vector<std::uint8_t> client_id{1};
  client_id.insert(client_id.end(), shape.mac.begin(), shape.mac.end());
  option(61, client_id);
  if (offer != nullptr) {
    option(50, ip(offer->address));
    option(54, ip(offer->server));
  }
  if (!shape.vendor_class.empty()) option(60, shape.vendor_class);
  if (!shape.hostname.empty()) option(12, {shape.hostname.begin(), shape.hostname.end()});
  if (!shape.parameters.empty()) option(55, shape.parameters);
  p.push_back(255);
  if (p.size() < 300) p.resize(300, 0);  // BOOTP's minimum, which some servers and relays still expect
  return p;
}

void read_options(const std::uint8_t* p, std::size_t n, std::map<std::uint8_t, std::vector<std::uint8_t>>& out,
                  int& overload) {
  for (std::size_t i = 0; i < n;) {
    const std::uint8_t code = p[i];
    if (code == 0) {
      ++i;
      continue;
    }
    if (code == 255 || i + 1 >= n || i + 2 + p[i + 1] > n) break;
    auto& v = out[code];
    v.insert(v.end(), p + i + 2, p + i + 2 + p[i + 1]);
    if (code == 52 && p[i + 1] == 1) overload = p[i + 2];
    i += 2u + p[i + 1];
  }
}

std::uint32_t be32(const std::vector<std::uint8_t>& v, std::size_t at = 0) {
  return v.size() < at + 4 ? 0
                           : (std::uint32_t{v[at]} << 24) | (std::uint32_t{v[at + 1]} << 16) |
                                 (std::uint32_t{v[at + 2]} << 8) | v[at + 3];
}

}  // namespace

std::map<std::uint8_t, std::vector<std::uint8_t>> reply_options(const std::vector<std::uint8_t>& p) {
  std::map<std::uint8_t, std::vector<std::uint8_t>> out;
  if (p.size() < 240 || p[0] != 2 || p[236] != 99 || p[237] != 130 || p[238] != 83 || p[239] != 99) return out;
  int overload = 0;
  read_options(p.data() + 240, p.size() - 240, out, overload);
  int unused = 0;
  if (overload & 1) read_options(p.data() + 108, 128, out, unused);  // file
  if (overload & 2) read_options(p.data() + 44, 64, out, unused);    // sname
  return out;
}

DhcpResult dhcp_exchange(const std::string& interface, const DhcpRequestShape& shape, int timeout_ms) {
  DhcpResult r;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    r.error = std::string("socket: ") + std::strerror(errno);
    return r;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) != 0) {
    r.error = "interface '" + interface + "': " + std::strerror(errno);
    ::close(fd);
    return r;
  }
  sockaddr_in me{};
  me.sin_family = AF_INET;
  me.sin_port = htons(68);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&me), sizeof me) != 0) {
    r.error = std::string("bind to port 68: ") + std::strerror(errno);
    ::close(fd);
    return r;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(67);
  to.sin_addr.s_addr = htonl(INADDR_BROADCAST);

  const std::uint32_t xid = std::random_device{}();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  std::vector<std::uint8_t> packet = build(shape, xid, kDiscover, nullptr);
  bool offered = false;
  auto next_send = start;
  std::vector<std::uint8_t> buf(1500);
  while (Clock::now() < deadline) {
    if (Clock::now() >= next_send) {
      ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      ++(offered ? r.requests : r.discovers);
      next_send = Clock::now() + kRetransmit;
    }
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min(next_send, deadline) - Clock::now());
    pollfd pf{fd, POLLIN, 0};
    // Never a negative timeout: poll would wait forever.
    if (::poll(&pf, 1, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)) + 1) != 1) continue;
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 240) continue;
    std::vector<std::uint8_t> reply(buf.begin(), buf.begin() + n);
    if (be32(reply, 4) != xid || std::memcmp(reply.data() + 28, shape.mac.data(), 6) != 0) continue;
    auto options = reply_options(reply);
    if (options[53].size() != 1) continue;
    const std::uint8_t type = options[53][0];
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!offered && type == kOffer) {
      offered = true;
      r.offer_ms = ms;
      r.address = Ipv4Address{be32(reply, 16)};
      r.server = Ipv4Address{be32(options[54])};
      packet = build(shape, xid, kRequest, &r);
      next_send = Clock::now();
    } else if (offered && type == kAck) {
      r.ok = true;
      r.ack_ms = ms;
      r.address = Ipv4Address{be32(reply, 16)};
      r.options = std::move(options);
      break;
    } else if (offered && type == kNak) {
      const auto& message = options[56];
      r.error =
          "NAK from " + r.server.str() + (message.empty() ? "" : ": " + std::string(message.begin(), message.end()));
      break;
    }
  }
  ::close(fd);
  if (!r.ok && r.error.empty())
    r.error = std::string(offered ? "no ACK" : "no OFFER") + " in " + std::to_string(timeout_ms) + " ms (" +
              std::to_string(r.discovers) + " DISCOVER, " + std::to_string(r.requests) + " REQUEST sent)";
  return r;
}

}  // namespace pb::sim
