#pragma once
// One UDP worker: an SO_REUSEPORT socket served by a thread of its own that blocks in recvmmsg
// (MSG_WAITFORONE: wait for the first datagram, then take whatever else is queued) and answers the batch with
// one sendmmsg. Two system calls per wake-up and no event loop in between: at a phone boot storm's rates the
// wake-up is most of the cost, and an epoll round would add a third call (bench/dns.sh).
//
// The socket is bound in the constructor (still privileged); the thread starts in start(), which the service
// calls from its loop after the daemon dropped privileges. The destructor stops and joins it.
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "common/config/dnsd.hpp"
#include "common/udp.hpp"
#include "dnsd/coalesce.hpp"
#include "dnsd/forwarder.hpp"
#include "dnsd/rrl.hpp"
#include "dnsd/shared.hpp"

namespace pb::dns {

class UdpWorker {
 public:
  // `forwarder` (may be null) gets the queries for names outside our zones from clients allowed to forward.
  UdpWorker(const udp::Options& options, Shared& shared, const config::DnsRrl& rrl, const Ipv4Prefix& site,
            Forwarder* forwarder = nullptr);
  ~UdpWorker();
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  void start();
  std::uint16_t port() const { return socket_.local_port(); }

 private:
  void run() noexcept;
  std::size_t serve(std::size_t received) noexcept;

  Shared& shared_;
  udp::Socket socket_;
  bool pktinfo_;
  Rrl rrl_;
  Forwarder* forwarder_;
  std::uint64_t last_drop_log_ = 0;
  Coalescer coalescer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  // Batch buffers: reused every wake-up, never reallocated.
  std::vector<std::uint8_t> in_buf_, out_buf_, in_ctl_, out_ctl_;
  std::vector<sockaddr_in> peers_;
  std::vector<iovec> in_iov_, out_iov_;
  std::vector<mmsghdr> in_hdr_, out_hdr_;
};

}  // namespace pb::dns
