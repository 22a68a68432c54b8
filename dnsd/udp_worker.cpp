#include "dnsd/udp_worker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/log.hpp"

namespace pb::dns {
namespace {

constexpr std::size_t kBatch = 64;         // datagrams per recvmmsg / sendmmsg
constexpr std::size_t kQuerySize = 4096;   // a longer query arrives cut and gets FORMERR
constexpr std::size_t kAnswerSize = 4096;  // the largest edns_payload allowed
constexpr std::size_t kControl = CMSG_SPACE(sizeof(in_pktinfo));

double now_seconds(clockid_t clock) noexcept {
  timespec t{};
  ::clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

UdpWorker::UdpWorker(const udp::Options& options, Shared& shared, const config::DnsRrl& rrl, const Ipv4Prefix& site,
                     Forwarder* forwarder)
    : shared_(shared),
      socket_(options),
      pktinfo_(options.packet_info),
      rrl_(rrl, site),
      forwarder_(forwarder),
      in_buf_(kBatch * kQuerySize),
      out_buf_(kBatch * kAnswerSize),
      in_ctl_(kBatch * kControl),
      out_ctl_(kBatch * kControl),
      peers_(kBatch),
      in_iov_(kBatch),
      out_iov_(kBatch),
      in_hdr_(kBatch),
      out_hdr_(kBatch) {
  // The thread blocks in recvmmsg with no timeout: a receive timeout arms and cancels a kernel timer at every
  // wake-up (5% of the CPU at 20k qps, perf). The destructor's shutdown() wakes it instead.
  const int flags = ::fcntl(socket_.fd(), F_GETFL);
  ::fcntl(socket_.fd(), F_SETFL, flags & ~O_NONBLOCK);
}

UdpWorker::~UdpWorker() {
  stop_.store(true, std::memory_order_relaxed);
  ::shutdown(socket_.fd(), SHUT_RDWR);  // wakes a blocked recvmmsg at once
  if (thread_.joinable()) thread_.join();
}

void UdpWorker::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void UdpWorker::run() noexcept {
  // A pause of 100 us must not turn into 150: the default timer slack (50 us) would stretch every one.
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  while (!stop_.load(std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      in_iov_[i] = {in_buf_.data() + i * kQuerySize, kQuerySize};
      msghdr& h = in_hdr_[i].msg_hdr;
      h.msg_name = &peers_[i];
      h.msg_namelen = sizeof(sockaddr_in);
      h.msg_iov = &in_iov_[i];
      h.msg_iovlen = 1;
      h.msg_control = pktinfo_ ? in_ctl_.data() + i * kControl : nullptr;
      h.msg_controllen = pktinfo_ ? kControl : 0;
      h.msg_flags = 0;
    }
    const int n = ::recvmmsg(socket_.fd(), in_hdr_.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;  // EINTR, an error or shutdown(): look at stop_ again
    const double started = now_seconds(CLOCK_MONOTONIC);
    const auto pause = coalescer_.after_batch(static_cast<std::size_t>(n), static_cast<std::uint64_t>(started * 1e9),
                                              static_cast<std::size_t>(n) == kBatch);
    const std::size_t out = serve(static_cast<std::size_t>(n));
    std::size_t sent = 0;
    while (sent < out) {
      const int k = ::sendmmsg(socket_.fd(), out_hdr_.data() + sent, static_cast<unsigned>(out - sent), 0);
      if (k < 0 && errno == EINTR) continue;
      sent += k <= 0 ? 1 : static_cast<std::size_t>(k);  // skip a datagram the kernel refused: UDP
    }
    shared_.stats.latency().observe(now_seconds(CLOCK_MONOTONIC) - started);
    if (pause.count() > 0) {
      const timespec t{0, static_cast<long>(pause.count())};
      ::nanosleep(&t, nullptr);
    }
  }
}

// Answers `received` datagrams into the send headers; returns how many answers there are.
std::size_t UdpWorker::serve(std::size_t received) noexcept {
  // One reference to the tables per batch: a reload swaps the pointer, this batch finishes on the old ones.
  const auto tables = shared_.load();
  if (!tables) return 0;
  Stats& stats = shared_.stats;
  timespec coarse{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse);
  const auto second = static_cast<std::uint64_t>(coarse.tv_sec);
  std::size_t out = 0;
  for (std::size_t i = 0; i < received; ++i) {
    const std::size_t len = std::min<std::size_t>(in_hdr_[i].msg_len, kQuerySize);
    const std::span<const std::uint8_t> query(in_buf_.data() + i * kQuerySize, len);
    const std::span<std::uint8_t> buf(out_buf_.data() + out * kAnswerSize, kAnswerSize);
    const std::uint32_t source = ntohl(peers_[i].sin_addr.s_addr);
    const bool may_forward = forwarder_ != nullptr && shared_.may_forward(source);
    const Answer a = answer(*tables, query, buf, Transport{.tcp = false, .may_forward = may_forward});
    if (a.drop != Drop::none) {
      stats.drop(a.drop);
      // At most one line a second per worker: hostile traffic never floods the log.
      if (log::level() <= log::Level::debug && second != last_drop_log_) {
        last_drop_log_ = second;
        log::debug("dnsd", "malformed query from '{}' ({})", Ipv4Address{source}.str(), drop_name(a.drop));
      }
    }
    if (a.outcome == Outcome::forward) {
      stats.forwarded();
      forwarder_->submit_udp(query, peers_[i], socket_.fd());
      continue;
    }
    if (a.outcome != Outcome::reply) continue;
    std::size_t size = a.size;
    switch (rrl_.check(source, second)) {
      case Rrl::Verdict::send: break;
      case Rrl::Verdict::slip: size = truncate_answer(buf, size); break;
      case Rrl::Verdict::drop: size = 0; break;
    }
    if (size == 0) {
      stats.drop(Drop::rate_limited);
      continue;
    }
    stats.query(a.qtype, a.rcode);
    if (a.truncated) stats.truncated();
    out_iov_[out] = {buf.data(), size};
    msghdr& h = out_hdr_[out].msg_hdr;
    h = {};
    h.msg_name = &peers_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &out_iov_[out];
    h.msg_iovlen = 1;
    if (pktinfo_) {
      // Answer from the address the query was sent to: a multi-homed appliance must not switch source.
      msghdr& in = in_hdr_[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr; c = CMSG_NXTHDR(&in, c)) {
        if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        std::uint8_t* ctl = out_ctl_.data() + out * kControl;
        std::memset(ctl, 0, kControl);
        h.msg_control = ctl;
        h.msg_controllen = kControl;
        cmsghdr* oc = CMSG_FIRSTHDR(&h);
        oc->cmsg_level = IPPROTO_IP;
        oc->cmsg_type = IP_PKTINFO;
        oc->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo reply{};
        reply.ipi_spec_dst = info.ipi_addr;
        std::memcpy(CMSG_DATA(oc), &reply, sizeof reply);
        break;
      }
    }
    ++out;
  }
  return out;
}

}  // namespace pb::dns
