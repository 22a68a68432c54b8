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
  std::size_t limit;
  Forwarder::Reply reply;
  std::vector<std::uint8_t> query;  // the client's: its ID and question go back in the answer
  std::size_t question_end;         // header and question: query[0, question_end)
  std::uint16_t qtype;
  std::size_t* in_flight;
  Stats* stats;
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

// Whether `answer` asks the client's question (one question, the same name in any case, type and class): then
// its question bytes have the same length and can be overwritten with the client's.
bool same_question(std::span<const std::uint8_t> answer, const Pending& p) noexcept {
  const std::size_t end = p.question_end;
  if (answer.size() < end || answer[4] != 0 || answer[5] != 1) return false;
  for (std::size_t i = 12; i < end; ++i) {
    const auto fold = [&](std::uint8_t c) { return i < end - 4 && c >= 'A' && c <= 'Z' ? c | 0x20 : c; };
    if (fold(answer[i]) != fold(p.query[i])) return false;
  }
  return true;
}

void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  --*p->in_flight;
  std::vector<std::uint8_t> answer;
  if (status == ARES_SUCCESS && abuf != nullptr && alen >= 12) answer.assign(abuf, abuf + alen);
  if (answer.empty() || !same_question(answer, *p)) {
    if (status == ARES_EDESTRUCTION) return;  // shutting down: nobody to answer
    answer = servfail(p->query);
    if (answer.empty()) return;
  }
  // The client's ID (c-ares chose its own) and question as sent (RFC 1034 3.1: its case is the client's).
  std::memcpy(answer.data(), p->query.data(), 2);
  std::memcpy(answer.data() + 12, p->query.data() + 12, p->question_end - 12);
  std::size_t size = answer.size();
  const bool truncated = size > p->limit;
  if (truncated) size = truncate_answer(answer, size);
  if (size == 0) return;
  p->stats->query(p->qtype, answer[3] & 0xF);
  if (truncated) p->stats->truncated();
  p->reply({answer.data(), size});
}

}  // namespace

Forwarder::Forwarder(uv_loop_t* loop, const config::DnsForward& c, std::uint16_t our_payload, Stats& stats)
    : our_payload_(our_payload), stats_(stats), wake_(loop, [this] { drain(); }) {
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
  Query q;
  Drop why = Drop::none;
  if (parse_query(query, q, why) != ParseResult::ok) return;  // the engine let it through: cannot happen
  if (in_flight_ >= kMaxInFlight) {
    auto sf = servfail(query);
    stats_.query(q.qtype, rcode::servfail);
    reply(sf);
    return;
  }
  auto* p =
      new Pending{limit, std::move(reply), {query.begin(), query.end()}, q.question_end, q.qtype, &in_flight_, &stats_};
  ++in_flight_;
  ares_send(resolver_->channel(), query.data(), static_cast<int>(query.size()), on_answer, p);
  resolver_->rearm();
}

}  // namespace pb::dns
