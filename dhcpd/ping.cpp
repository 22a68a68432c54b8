#include "dhcpd/ping.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/wire.hpp"

namespace pb::dhcp {
namespace {

std::uint16_t checksum(std::span<const std::uint8_t> b) noexcept {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) sum += static_cast<std::uint32_t>(b[i] << 8 | b[i + 1]);
  if (b.size() % 2) sum += static_cast<std::uint32_t>(b.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

std::vector<std::uint8_t> build_echo_request(std::uint16_t id, std::uint16_t seq) {
  std::vector<std::uint8_t> out(16);
  WireWriter w(out);
  w.u8(8);  // echo request
  w.u8(0);
  w.u16(0);  // checksum, patched below
  w.u16(id);
  w.u16(seq);
  w.text("pbdhcpd\0");
  w.patch_u16(2, checksum(out));
  return out;
}

std::optional<std::uint32_t> parse_echo_reply(std::span<const std::uint8_t> d, std::uint16_t id) noexcept {
  WireReader r(d);
  const std::uint8_t vihl = r.u8();
  if ((vihl >> 4) != 4) return std::nullopt;
  const std::size_t ihl = static_cast<std::size_t>(vihl & 15) * 4;
  if (ihl < 20) return std::nullopt;
  r.skip(11);
  const std::uint32_t source = r.u32();
  r.skip(ihl - 16);
  const std::uint8_t type = r.u8();
  r.u8();   // code
  r.u16();  // checksum
  const std::uint16_t got_id = r.u16();
  if (!r.ok() || type != 0 || got_id != id) return std::nullopt;
  return source;
}

Pinger::Pinger() {
  fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd_ < 0)
    throw std::runtime_error(std::string("cannot open the ICMP socket for ping_check (") + std::strerror(errno) + ")");
  id_ = static_cast<std::uint16_t>(::getpid());
}

Pinger::~Pinger() {
  if (fd_ >= 0) ::close(fd_);
}

void Pinger::send(std::uint32_t address) noexcept {
  try {
    auto packet = build_echo_request(id_, ++seq_);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(address);
    ::sendto(fd_, packet.data(), packet.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof to);
  } catch (...) {
  }
}

std::vector<std::uint32_t> Pinger::replies() noexcept {
  std::vector<std::uint32_t> out;
  std::uint8_t buf[1500];
  for (int i = 0; i < 256; ++i) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    if (auto a = parse_echo_reply({buf, static_cast<std::size_t>(n)}, id_)) {
      try {
        out.push_back(*a);
      } catch (...) {
      }
    }
  }
  return out;
}

}  // namespace pb::dhcp
