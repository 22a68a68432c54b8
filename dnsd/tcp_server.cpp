#include "dnsd/tcp_server.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "common/log.hpp"

namespace pb::dns {

namespace {
constexpr std::size_t kMaxMessage = 65535;
constexpr std::size_t kMaxQueued = 1 << 20;  // stop reading a client that does not read its answers

struct WriteRequest {
  uv_write_t req{};
  std::vector<std::uint8_t> data;
};
}  // namespace

// A connection owns two libuv handles; it is freed when both close callbacks have run.
struct TcpServer::Connection {
  TcpServer* server = nullptr;
  uv_tcp_t tcp{};
  uv_timer_t idle{};
  int open_handles = 0;
  bool closing = false;
  std::uint32_t peer = 0;
  std::uint64_t id = 0;
  std::vector<std::uint8_t> pending;  // bytes received, not yet a whole message
  std::vector<std::uint8_t> read_buffer = std::vector<std::uint8_t>(kMaxMessage + 2);
  std::vector<std::uint8_t> answer = std::vector<std::uint8_t>(kMaxMessage + 2);
};

TcpServer::TcpServer(uv_loop_t* loop, TcpOptions options, Shared& shared)
    : loop_(loop), options_(std::move(options)), shared_(shared), listener_(loop, uv_tcp_init) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options_.port);
  addr.sin_addr.s_addr = htonl(options_.address);
  uv::check(uv_tcp_bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), 0), "cannot bind the TCP port");
  listener_->data = this;
  uv::check(uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 128,
                      [](uv_stream_t* s, int status) {
                        if (status == 0) static_cast<TcpServer*>(s->data)->accept();
                      }),
            "cannot listen on the TCP port");
}

TcpServer::~TcpServer() { stop(); }

void TcpServer::stop() noexcept {
  listener_.reset();
  for (Connection* c : std::vector<Connection*>(connections_)) close(c);
}

void TcpServer::accept() noexcept {
  auto* c = new Connection;
  c->server = this;
  c->id = ++next_id_;
  uv_tcp_init(loop_, &c->tcp);
  uv_timer_init(loop_, &c->idle);
  c->open_handles = 2;
  c->tcp.data = c;
  c->idle.data = c;
  connections_.push_back(c);
  shared_.stats.tcp_connections().set(static_cast<double>(connections_.size()));
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()), reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
      connections_.size() > options_.max_connections) {
    close(c);
    return;
  }
  sockaddr_in peer{};
  int len = sizeof peer;
  if (uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&peer), &len) == 0) c->peer = ntohl(peer.sin_addr.s_addr);
  uv_tcp_nodelay(&c->tcp, 1);
  uv_timer_start(
      &c->idle,
      [](uv_timer_t* t) { static_cast<Connection*>(t->data)->server->close(static_cast<Connection*>(t->data)); },
      options_.idle_timeout_ms, 0);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* conn = static_cast<Connection*>(h->data);
        *buf = uv_buf_init(reinterpret_cast<char*>(conn->read_buffer.data()),
                           static_cast<unsigned>(conn->read_buffer.size()));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t*) {
        auto* conn = static_cast<Connection*>(s->data);
        if (n < 0) {
          conn->server->close(conn);
          return;
        }
        conn->pending.insert(conn->pending.end(), conn->read_buffer.begin(), conn->read_buffer.begin() + n);
        conn->server->consume(conn);
      });
}

void TcpServer::close(Connection* c) noexcept {
  if (c->closing) return;
  c->closing = true;
  connections_.erase(std::remove(connections_.begin(), connections_.end(), c), connections_.end());
  shared_.stats.tcp_connections().set(static_cast<double>(connections_.size()));
  auto done = [](uv_handle_t* h) {
    auto* conn = static_cast<Connection*>(h->data);
    if (--conn->open_handles == 0) delete conn;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&c->idle), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), done);
}

void TcpServer::send(Connection* c, const std::uint8_t* data, std::size_t size) noexcept {
  auto* w = new WriteRequest;
  w->data.resize(size + 2);
  w->data[0] = static_cast<std::uint8_t>(size >> 8);
  w->data[1] = static_cast<std::uint8_t>(size);
  std::memcpy(w->data.data() + 2, data, size);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(w->data.data()), static_cast<unsigned>(w->data.size()));
  w->req.data = w;
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
               [](uv_write_t* req, int) { delete static_cast<WriteRequest*>(req->data); }) != 0)
    delete w;
}

void TcpServer::consume(Connection* c) noexcept {
  uv_timer_start(
      &c->idle,
      [](uv_timer_t* t) { static_cast<Connection*>(t->data)->server->close(static_cast<Connection*>(t->data)); },
      options_.idle_timeout_ms, 0);
  const auto tables = shared_.load();
  std::size_t at = 0;
  while (!c->closing && c->pending.size() - at >= 2) {
    const std::size_t len = static_cast<std::size_t>(c->pending[at] << 8 | c->pending[at + 1]);
    if (c->pending.size() - at - 2 < len) break;  // incomplete is not malformed: wait for the rest
    const std::span<const std::uint8_t> query(c->pending.data() + at + 2, len);
    at += 2 + len;
    const bool may_forward = options_.forwarder != nullptr && shared_.may_forward(c->peer);
    const Answer a = answer(*tables, query, c->answer, Transport{.tcp = true, .may_forward = may_forward});
    if (a.drop != Drop::none) shared_.stats.drop(a.drop);
    if (a.outcome == Outcome::forward) {
      shared_.stats.forwarded();
      // RFC 7766 6.2.1.1: answers on one connection may come back out of order; the ID tells them apart.
      options_.forwarder->forward(query, kMaxMessage, [this, id = c->id](std::span<const std::uint8_t> reply) {
        for (Connection* conn : connections_)
          if (conn->id == id && !conn->closing) send(conn, reply.data(), reply.size());
      });
      continue;
    }
    if (a.outcome == Outcome::transfer) {
      const bool allowed =
          std::find(options_.secondaries.begin(), options_.secondaries.end(), c->peer) != options_.secondaries.end();
      if (!allowed) {
        shared_.stats.transfers_refused().inc();
        log::info("dnsd", "transfer refused to '{}' (not a configured secondary)", Ipv4Address{c->peer}.str());
        // Answer REFUSED: the question as asked, no records.
        const std::size_t n = std::min<std::size_t>(len, c->answer.size());
        std::memcpy(c->answer.data(), query.data(), n);
        c->answer[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x79));
        c->answer[3] = 5;
        std::size_t end = 12;
        std::uint8_t name[kMaxName];
        std::size_t nlen = 0;
        if (read_query_name(query, end, name, nlen) == NameError::none) end += 4;
        for (int i = 6; i < 12; ++i) c->answer[i] = 0;
        send(c, c->answer.data(), std::min(end, n));
        shared_.stats.query(a.qtype, 5);
        continue;
      }
      shared_.stats.transfers().inc();
      for (const auto& m : tables->zones[a.zone].axfr) {
        std::vector<std::uint8_t> copy = m;
        copy[0] = query[0];  // the transfer answers the client's ID
        copy[1] = query[1];
        send(c, copy.data(), copy.size());
      }
      shared_.stats.query(a.qtype, 0);
      continue;
    }
    if (a.outcome != Outcome::reply) {
      if (a.drop == Drop::short_header || a.drop == Drop::response) {
        close(c);  // not a DNS client
        return;
      }
      continue;
    }
    shared_.stats.query(a.qtype, a.rcode);
    send(c, c->answer.data(), a.size);
  }
  c->pending.erase(c->pending.begin(), c->pending.begin() + static_cast<std::ptrdiff_t>(at));
  if (!c->closing && uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp)) > kMaxQueued) close(c);
}

}  // namespace pb::dns
