#pragma once
// One UDP worker: an SO_REUSEPORT socket on a loop, drained with recvmmsg and answered with one sendmmsg per
// batch. Workers beyond the first run on their own thread and loop.
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "common/config/dnsd.hpp"
#include "common/udp.hpp"
#include "dnsd/rrl.hpp"
#include "dnsd/shared.hpp"

namespace pb::dns {

// Called for a query that should be forwarded (the worker has already sent nothing for it).
using ForwardHook = std::function<void(std::span<const std::uint8_t> query, const sockaddr_in& peer, int fd)>;

class UdpWorker {
 public:
  UdpWorker(uv_loop_t* loop, const udp::Options& options, Shared& shared, const config::DnsRrl& rrl,
            const Ipv4Prefix& site, ForwardHook forward = {});
  std::uint16_t port() const { return socket_.local_port(); }
  int fd() const noexcept { return socket_.fd(); }
  void stop() noexcept { watcher_.reset(); }

 private:
  void drain() noexcept;

  Shared& shared_;
  udp::Socket socket_;
  udp::ReceiveBatch in_;
  udp::SendBatch out_;
  Rrl rrl_;
  ForwardHook forward_;
  std::uint32_t rotation_ = 0;
  std::unique_ptr<udp::Watcher> watcher_;
};

// A worker on a thread of its own, stopped (and joined) by its destructor.
class ThreadedWorker {
 public:
  ThreadedWorker(const udp::Options& options, Shared& shared, const config::DnsRrl& rrl, const Ipv4Prefix& site);
  ~ThreadedWorker();

 private:
  uv::Loop loop_;
  std::unique_ptr<UdpWorker> worker_;
  uv::Handle<uv_async_t> wake_;
  std::thread thread_;
};

}  // namespace pb::dns
