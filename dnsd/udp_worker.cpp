#include "dnsd/udp_worker.hpp"

#include <arpa/inet.h>

#include <ctime>

namespace pb::dns {
namespace {

constexpr std::size_t kBatch = 64;         // datagrams per recvmmsg / sendmmsg
constexpr std::size_t kQuerySize = 4096;   // a longer query arrives cut and gets FORMERR
constexpr std::size_t kAnswerSize = 4096;  // the largest edns_payload allowed

double seconds_between(const timespec& a, const timespec& b) noexcept {
  return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
}

}  // namespace

UdpWorker::UdpWorker(uv_loop_t* loop, const udp::Options& options, Shared& shared, const config::DnsRrl& rrl,
                     const Ipv4Prefix& site, ForwardHook forward)
    : shared_(shared),
      socket_(options),
      in_(kBatch, kQuerySize),
      out_(kBatch, kAnswerSize),
      rrl_(rrl, site),
      forward_(std::move(forward)) {
  watcher_ = std::make_unique<udp::Watcher>(loop, socket_.fd(), [this] { drain(); });
}

void UdpWorker::drain() noexcept {
  // One reference to the tables per batch: a reload swaps the pointer, this batch finishes on the old tables.
  const auto tables = shared_.load();
  if (!tables) return;
  Stats& stats = shared_.stats;
  timespec first_received{};
  timespec mono{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
  const auto second = static_cast<std::uint64_t>(mono.tv_sec);
  for (int rounds = 0; rounds < 16; ++rounds) {  // bounded, so one busy socket cannot starve the loop
    const std::size_t n = in_.receive(socket_.fd());
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      const udp::Datagram d = in_.at(i);
      if (d.has_timestamp && first_received.tv_sec == 0) first_received = d.received;
      const std::uint32_t source = ntohl(d.peer.sin_addr.s_addr);
      std::span<std::uint8_t> buf = out_.next();
      const Transport tr{.tcp = false, .may_forward = forward_ && shared_.may_forward(source)};
      const Answer a = answer(*tables, d.data, buf, tr, rotation_);
      if (a.drop != Drop::none) stats.drop(a.drop);
      if (a.outcome == Outcome::forward) {
        forward_(d.data, d.peer, socket_.fd());
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
      out_.commit(size, d.peer);
      if (out_.full()) out_.flush(socket_.fd());
    }
    out_.flush(socket_.fd());
    if (n < in_.capacity()) break;
  }
  if (first_received.tv_sec != 0) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    stats.latency().observe(seconds_between(first_received, now));
  }
}

ThreadedWorker::ThreadedWorker(const udp::Options& options, Shared& shared, const config::DnsRrl& rrl,
                               const Ipv4Prefix& site) {
  worker_ = std::make_unique<UdpWorker>(loop_.get(), options, shared, rrl, site);
  wake_ = uv::Handle<uv_async_t>(loop_.get(), uv_async_init, [](uv_async_t* h) {
    auto* self = static_cast<ThreadedWorker*>(h->data);
    self->worker_->stop();
    self->wake_.reset();
  });
  wake_->data = this;
  thread_ = std::thread([this] { uv_run(loop_.get(), UV_RUN_DEFAULT); });
}

ThreadedWorker::~ThreadedWorker() {
  uv_async_send(wake_.get());
  thread_.join();
}

}  // namespace pb::dns
