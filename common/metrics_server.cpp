#include "common/metrics_server.hpp"

#include <fmt/format.h>

#include <string>

#include "common/log.hpp"

namespace pb::metrics {

// One scrape: read the request head (capped at 4 KiB), answer, close. Lives from accept to its close
// callback; `server` is cleared when the server goes first.
struct Server::Connection {
  uv_tcp_t tcp{};
  Server* server = nullptr;
  std::list<Connection*>::iterator self;
  std::uint64_t accepted_ms = 0;
  std::string request;
  std::string response;
  uv_write_t write{};
  bool answered = false;
  bool closing = false;

  void close() noexcept {
    if (closing) return;
    closing = true;
    if (server != nullptr) server->forget(this);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
  }
};

namespace {

void on_alloc(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  static thread_local char scratch[4096];
  *buf = uv_buf_init(scratch, sizeof scratch);
}

void on_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Server::Connection*>(stream->data);
  if (n < 0) {
    if (!c->answered) c->close();
    return;
  }
  if (c->answered || c->server == nullptr) return;
  c->request.append(buf->base, static_cast<std::size_t>(n));
  const bool complete = c->request.find("\r\n\r\n") != std::string::npos;
  if (!complete && c->request.size() < 4096) return;
  c->answered = true;
  uv_read_stop(stream);
  const bool get_metrics = c->request.rfind("GET /metrics ", 0) == 0 || c->request.rfind("GET / ", 0) == 0;
  std::string body = get_metrics ? c->server->registry().render() : "not found\n";
  c->response = fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
      get_metrics ? "200 OK" : "404 Not Found", body.size(), body);
  uv_buf_t out = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
  c->write.data = c;
  if (uv_write(&c->write, stream, &out, 1,
               [](uv_write_t* w, int) { static_cast<Server::Connection*>(w->data)->close(); }) < 0)
    c->close();
}

}  // namespace

Server::Server(uv_loop_t* loop, const Registry& registry, std::uint16_t port) : registry_(registry) {
  if (port == 0) return;
  listener_ = uv::Handle<uv_tcp_t>(loop, uv_tcp_init);
  listener_->data = this;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  uv::check(uv_tcp_bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), 0),
            "metrics: cannot bind 127.0.0.1");
  uv::check(uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 16, on_connection), "metrics: cannot listen");
  sweeper_ = uv::Handle<uv_timer_t>(loop, uv_timer_init);
  sweeper_->data = this;
  uv_timer_start(
      sweeper_.get(), [](uv_timer_t* t) { static_cast<Server*>(t->data)->sweep(); }, kIdleMs / 2, kIdleMs / 2);
  uv_unref(sweeper_.base());  // an idle metrics port alone never keeps the loop running
  port_ = port;
}

Server::~Server() {
  // Closing forgets each connection, which would invalidate the walk: detach them first.
  auto open = std::move(connections_);
  for (Connection* c : open) {
    c->server = nullptr;
    c->close();
  }
}

void Server::forget(Connection* c) noexcept { connections_.erase(c->self); }

void Server::sweep() noexcept {
  const std::uint64_t now = uv_now(sweeper_->loop);
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* c = *it++;  // close() erases c's own node
    if (now - c->accepted_ms >= kIdleMs) c->close();
  }
}

void Server::on_connection(uv_stream_t* listener, int status) {
  if (status < 0) return;
  auto* self = static_cast<Server*>(listener->data);
  auto* c = new Connection;
  c->server = self;
  c->accepted_ms = uv_now(listener->loop);
  uv_tcp_init(listener->loop, &c->tcp);
  c->tcp.data = c;
  c->self = self->connections_.insert(self->connections_.end(), c);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) < 0 ||
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read) < 0) {
    c->close();
  }
}

}  // namespace pb::metrics
