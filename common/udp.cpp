#include "common/udp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pb::udp {
namespace {

// Room for IP_PKTINFO and SO_TIMESTAMPNS together.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(timespec)) + 64;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + " (" + std::strerror(errno) + ")"); }

void set_flag(int fd, int level, int name, const char* what) {
  int one = 1;
  if (::setsockopt(fd, level, name, &one, sizeof one) != 0) fail(std::string("setsockopt ") + what);
}

}  // namespace

sockaddr_in make_address(std::uint32_t ip, std::uint16_t port) noexcept {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip);
  return a;
}

Socket::Socket(const Options& o) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  try {
    // No SO_REUSEADDR: for UDP it would let a second daemon bind the same port silently and steal half the
    // traffic. A stray instance must fail loudly at bind instead.
    if (o.reuse_port) set_flag(fd_, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
    if (o.broadcast) set_flag(fd_, SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST");
    if (o.packet_info) set_flag(fd_, IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO");
    if (o.timestamps) set_flag(fd_, SOL_SOCKET, SO_TIMESTAMPNS, "SO_TIMESTAMPNS");
    if (o.receive_buffer > 0 && ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &o.receive_buffer, sizeof(int)) != 0)
      fail("setsockopt SO_RCVBUF");
    if (o.send_buffer > 0 && ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &o.send_buffer, sizeof(int)) != 0)
      fail("setsockopt SO_SNDBUF");
    if (!o.device.empty() &&
        ::setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, o.device.c_str(), static_cast<socklen_t>(o.device.size())) != 0)
      fail("cannot bind to device '" + o.device + "'");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(o.port);
    if (::inet_pton(AF_INET, o.address.c_str(), &addr.sin_addr) != 1) {
      errno = EINVAL;
      fail("'" + o.address + "' is not an IPv4 address");
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("cannot bind " + o.address + ":" + std::to_string(o.port));
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Socket::Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

std::uint16_t Socket::local_port() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

ReceiveBatch::ReceiveBatch(std::size_t count, std::size_t size)
    : buffers_(count * size),
      controls_(count * kControlSize),
      peers_(count),
      iovecs_(count),
      headers_(count),
      size_(size) {
  // Buffers, addresses and control space never move (the vectors are sized once), so the headers point at
  // them once here; receive() only resets what the kernel overwrites.
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    iovecs_[i] = {buffers_.data() + i * size_, size_};
    msghdr& h = headers_[i].msg_hdr;
    h.msg_name = &peers_[i];
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
    h.msg_control = controls_.data() + i * kControlSize;
  }
}

std::size_t ReceiveBatch::receive(int fd) noexcept {
  for (auto& header : headers_) {
    header.msg_hdr.msg_namelen = sizeof(sockaddr_in);
    header.msg_hdr.msg_controllen = kControlSize;
    header.msg_hdr.msg_flags = 0;
    header.msg_len = 0;
  }
  const int n = ::recvmmsg(fd, headers_.data(), static_cast<unsigned>(headers_.size()), MSG_DONTWAIT, nullptr);
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

Datagram ReceiveBatch::at(std::size_t i) noexcept {
  Datagram d;
  msghdr& h = headers_[i].msg_hdr;
  // A datagram longer than the buffer arrives cut (MSG_TRUNC): hand over only what was stored.
  const std::size_t length = std::min<std::size_t>(headers_[i].msg_len, size_);
  d.data = {buffers_.data() + i * size_, length};
  d.peer = peers_[i];
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      d.local = info.ipi_addr;
      d.ifindex = info.ipi_ifindex;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      std::memcpy(&d.received, CMSG_DATA(c), sizeof d.received);
      d.has_timestamp = true;
    }
  }
  return d;
}

SendBatch::SendBatch(std::size_t count, std::size_t size)
    : buffers_(count * size),
      controls_(count * CMSG_SPACE(sizeof(in_pktinfo))),
      peers_(count),
      iovecs_(count),
      headers_(count),
      size_(size) {}

std::span<std::uint8_t> SendBatch::next() noexcept {
  if (full()) return {};
  return {buffers_.data() + used_ * size_, size_};
}

void SendBatch::commit(std::size_t length, const sockaddr_in& to, in_addr source, int ifindex) noexcept {
  if (full() || length > size_) return;
  const std::size_t i = used_++;
  peers_[i] = to;
  iovecs_[i] = {buffers_.data() + i * size_, length};
  msghdr& h = headers_[i].msg_hdr;
  h = {};
  h.msg_name = &peers_[i];
  h.msg_namelen = sizeof(sockaddr_in);
  h.msg_iov = &iovecs_[i];
  h.msg_iovlen = 1;
  if (source.s_addr != 0 || ifindex != 0) {
    auto* control = controls_.data() + i * CMSG_SPACE(sizeof(in_pktinfo));
    std::memset(control, 0, CMSG_SPACE(sizeof(in_pktinfo)));
    h.msg_control = control;
    h.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = source;
    info.ipi_ifindex = ifindex;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
}

std::size_t SendBatch::flush(int fd) noexcept {
  std::size_t sent = 0;
  while (sent < used_) {
    const int n = ::sendmmsg(fd, headers_.data() + sent, static_cast<unsigned>(used_ - sent), MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ++sent;  // skip the datagram the kernel refused (unreachable, buffer full) and go on with the rest
      continue;
    }
    sent += static_cast<std::size_t>(n);
  }
  used_ = 0;
  return sent;
}

Watcher::Watcher(uv_loop_t* loop, int fd, std::function<void()> on_readable)
    : handle_(loop, uv_poll_init, fd), on_readable_(std::move(on_readable)) {
  handle_->data = this;
  uv::check(uv_poll_start(handle_.get(), UV_READABLE,
                          [](uv_poll_t* h, int status, int) {
                            if (status < 0) return;
                            static_cast<Watcher*>(h->data)->on_readable_();
                          }),
            "uv_poll_start");
}

}  // namespace pb::udp
