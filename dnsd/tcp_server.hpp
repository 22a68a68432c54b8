#pragma once
// DNS over TCP (RFC 7766): length-prefixed messages, several per connection and pipelined (each answered in
// order as soon as it is whole), an idle timeout, a cap on connections, and AXFR to the secondaries.
#include <cstdint>
#include <vector>

#include "common/uv.hpp"
#include "dnsd/forwarder.hpp"
#include "dnsd/shared.hpp"

namespace pb::dns {

struct TcpOptions {
  std::uint32_t address = 0;  // host order
  std::uint16_t port = 0;
  std::uint32_t idle_timeout_ms = 10000;
  std::uint32_t max_connections = 128;
  std::vector<std::uint32_t> secondaries;  // host order; the only sources allowed to transfer
  Forwarder* forwarder = nullptr;          // names outside our zones, for clients allowed to forward
};

class TcpServer {
 public:
  TcpServer(uv_loop_t* loop, TcpOptions options, Shared& shared);
  ~TcpServer();
  void stop() noexcept;

 private:
  struct Connection;
  void accept() noexcept;
  void close(Connection* c) noexcept;
  void consume(Connection* c) noexcept;
  void send(Connection* c, const std::uint8_t* data, std::size_t size) noexcept;

  uv_loop_t* loop_;
  TcpOptions options_;
  Shared& shared_;
  uv::Handle<uv_tcp_t> listener_;
  std::vector<Connection*> connections_;
  std::uint64_t next_id_ = 0;  // connections are found again by id when a forwarded answer comes back
};

}  // namespace pb::dns
