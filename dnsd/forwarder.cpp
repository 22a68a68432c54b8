#include "dnsd/forwarder.hpp"

#include <sys/socket.h>

#include <cstring>

#include "common/log.hpp"
#include "dnsd/engine.hpp"
#include "dnsd/query.hpp"

namespace pb::dns {
namespace {

constexpr std::size_t kMaxInFlight = 1024;  // beyond this, clients get SERVFAIL rather than queueing without end
constexpr std::size_t kMaxQueued = 4096;

struct Pending {
  std::uint16_t id;
  std::size_t limit;
  Forwarder::Reply reply;
  std::vector<std::uint8_t> query;  // for a SERVFAIL built from the question
  std::size_t* in_flight;
};

// SERVFAIL with the client's question: what a resolver says when its upstreams failed.
std::vector<std::uint8_t> servfail(std::span<const std::uint8_t> query) {
  Query q;
  Drop why = Drop::none;
  std::vector<std::uint8_t> out;
  if (parse_query(query, q, why) != ParseResult::ok) return out;
  out.assign(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(q.question_end));
  out[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x79));
  out[3] = static_cast<std::uint8_t>(0x80 | rcode::servfail);  // RA: we did recurse for this client
  for (int i = 6; i < 12; ++i) out[i] = 0;
  return out;
}

void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  --*p->in_flight;
  std::vector<std::uint8_t> answer;
  if (status == ARES_SUCCESS && abuf != nullptr && alen >= 12) {
    answer.assign(abuf, abuf + alen);
  } else {
    if (status == ARES_EDESTRUCTION) return;  // shutting down: nobody to answer
    answer = servfail(p->query);
    if (answer.empty()) return;
  }
  answer[0] = static_cast<std::uint8_t>(p->id >> 8);  // c-ares chose its own ID
  answer[1] = static_cast<std::uint8_t>(p->id);
  std::size_t size = answer.size();
  if (size > p->limit) size = truncate_answer(answer, size);
  if (size == 0) return;
  p->reply({answer.data(), size});
}

}  // namespace

Forwarder::Forwarder(uv_loop_t* loop, const config::DnsForward& c, std::uint16_t our_payload)
    : our_payload_(our_payload),
      wake_(loop, [this] { drain(); }) {
  ares::Options o;
  for (const auto& a : c.upstream) o.servers.push_back(a.str() + ":" + std::to_string(c.upstream_port));
  o.lookups = "b";
  o.timeout = std::chrono::milliseconds(c.timeout_ms);
  o.tries = 2;
  resolver_ = std::make_unique<ares::Resolver>(loop, o);
}

Forwarder::~Forwarder() {
  resolver_.reset();  // pending callbacks run with ARES_EDESTRUCTION and answer nobody
}

void Forwarder::submit_udp(std::span<const std::uint8_t> query, const sockaddr_in& peer, int fd) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= kMaxQueued) return;
    queue_.push_back(Udp{{query.begin(), query.end()}, peer, fd});
  }
  wake_.notify();
}

void Forwarder::drain() noexcept {
  std::deque<Udp> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
  }
  for (auto& u : batch) {
    Query q;
    Drop why = Drop::none;
    if (parse_query(u.query, q, why) != ParseResult::ok) continue;
    const sockaddr_in peer = u.peer;
    const int fd = u.fd;
    forward(u.query, udp_limit(q, our_payload_), [peer, fd](std::span<const std::uint8_t> answer) {
      ::sendto(fd, answer.data(), answer.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&peer), sizeof peer);
    });
  }
}

void Forwarder::forward(std::span<const std::uint8_t> query, std::size_t limit, Reply reply) {
  if (query.size() < 12) return;
  auto* p = new Pending{static_cast<std::uint16_t>(query[0] << 8 | query[1]),
                        limit,
                        std::move(reply),
                        {query.begin(), query.end()},
                        &in_flight_};
  if (in_flight_ >= kMaxInFlight) {
    std::unique_ptr<Pending> drop(p);
    auto sf = servfail(query);
    if (!sf.empty()) drop->reply(sf);
    return;
  }
  ++in_flight_;
  ares_send(resolver_->channel(), query.data(), static_cast<int>(query.size()), on_answer, p);
  resolver_->rearm();
}

}  // namespace pb::dns
