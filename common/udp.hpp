#pragma once
// UDP sockets the services own themselves, because libuv's uv_udp_t passes no control messages: no
// IP_PKTINFO (which interface and address a DHCP broadcast came in on), no SO_TIMESTAMPNS (the NTP receive
// time). A plain non-blocking fd watched by a uv_poll_t, read and written in batches with recvmmsg/sendmmsg.
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/uv.hpp"

namespace pb::udp {

struct Options {
  std::string address = "0.0.0.0";  // IPv4 address to bind
  std::uint16_t port = 0;           // 0: the kernel picks (tests)
  bool reuse_port = false;          // SO_REUSEPORT: one socket per worker thread
  bool broadcast = false;           // SO_BROADCAST: DHCP replies to 255.255.255.255
  bool packet_info = false;         // IP_PKTINFO: destination address and interface of each datagram
  bool timestamps = false;          // SO_TIMESTAMPNS: kernel receive time of each datagram
  std::string device;               // SO_BINDTODEVICE; empty: any
  int receive_buffer = 0;           // SO_RCVBUF bytes; 0 keeps the kernel default
  int send_buffer = 0;
};

// An open, bound, non-blocking socket. Throws std::runtime_error at start-up when it cannot be had.
class Socket {
 public:
  explicit Socket(const Options& options);
  ~Socket();
  Socket(Socket&& o) noexcept;
  Socket& operator=(Socket&&) = delete;
  Socket(const Socket&) = delete;
  int fd() const noexcept { return fd_; }
  std::uint16_t local_port() const;

 private:
  int fd_ = -1;
};

struct Datagram {
  std::span<std::uint8_t> data;
  sockaddr_in peer{};
  in_addr local{};      // destination address it was sent to (with packet_info)
  int ifindex = 0;      // interface it arrived on (with packet_info)
  timespec received{};  // kernel receive time, CLOCK_REALTIME (with timestamps)
  bool has_timestamp = false;
};

// Receive buffers for up to `count` datagrams of up to `size` bytes each, reused every loop turn.
class ReceiveBatch {
 public:
  ReceiveBatch(std::size_t count, std::size_t size);
  // The message headers point into this object's own vectors: a copy would point into the original.
  ReceiveBatch(const ReceiveBatch&) = delete;
  ReceiveBatch& operator=(const ReceiveBatch&) = delete;
  ReceiveBatch(ReceiveBatch&&) noexcept = default;  // vectors keep their heap buffers when moved
  ReceiveBatch& operator=(ReceiveBatch&&) noexcept = default;
  // One recvmmsg(MSG_DONTWAIT): returns how many arrived (0 when none was waiting, or on error).
  std::size_t receive(int fd) noexcept;
  Datagram at(std::size_t i) noexcept;
  std::size_t capacity() const noexcept { return headers_.size(); }

 private:
  std::vector<std::uint8_t> buffers_;
  std::vector<std::uint8_t> controls_;
  std::vector<sockaddr_in> peers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
  std::size_t size_;
};

// Replies collected during one loop turn and sent with one sendmmsg.
class SendBatch {
 public:
  SendBatch(std::size_t count, std::size_t size);
  // Committed headers point into this object's own vectors, as in ReceiveBatch.
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;
  SendBatch(SendBatch&&) noexcept = default;
  SendBatch& operator=(SendBatch&&) noexcept = default;
  bool full() const noexcept { return used_ == headers_.size(); }
  // The buffer for the next datagram; fill it, then commit() how many bytes it holds.
  std::span<std::uint8_t> next() noexcept;
  // `source`: the local address to send from and interface to send on (IP_PKTINFO); 0 lets the kernel pick.
  void commit(std::size_t length, const sockaddr_in& to, in_addr source = {}, int ifindex = 0) noexcept;
  // Sends everything committed; returns how many left. Datagrams the kernel refused are dropped: UDP.
  std::size_t flush(int fd) noexcept;
  std::size_t pending() const noexcept { return used_; }

 private:
  std::vector<std::uint8_t> buffers_;
  std::vector<std::uint8_t> controls_;
  std::vector<sockaddr_in> peers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
  std::size_t size_;
  std::size_t used_ = 0;
};

// Calls `on_readable` from the loop whenever the fd has data waiting. The callback should drain it.
class Watcher {
 public:
  Watcher(uv_loop_t* loop, int fd, std::function<void()> on_readable);
  void stop() noexcept { handle_.reset(); }

 private:
  uv::Handle<uv_poll_t> handle_;
  std::function<void()> on_readable_;
};

sockaddr_in make_address(std::uint32_t host_order_ip, std::uint16_t port) noexcept;

}  // namespace pb::udp
