#include "common/metrics_server.hpp"

#include <fmt/format.h>

#include <string>

#include "common/log.hpp"

namespace pb::metrics {
namespace {

// One scrape: read the request head (capped at 4 KiB), answer, close.
struct Connection {
  uv_tcp_t tcp{};
  const Registry* registry = nullptr;
  std::string request;
  std::string response;
  uv_write_t write{};
  bool answered = false;

  static void close(Connection* c) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
  }
};

void on_alloc(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  static thread_local char scratch[4096];
  *buf = uv_buf_init(scratch, sizeof scratch);
}

void on_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(stream->data);
  if (n < 0) {
    if (!c->answered) Connection::close(c);
    return;
  }
  if (c->answered) return;
  c->request.append(buf->base, static_cast<std::size_t>(n));
  const bool complete = c->request.find("\r\n\r\n") != std::string::npos;
  if (!complete && c->request.size() < 4096) return;
  c->answered = true;
  uv_read_stop(stream);
  const bool get_metrics = c->request.rfind("GET /metrics ", 0) == 0 || c->request.rfind("GET / ", 0) == 0;
  std::string body = get_metrics ? c->registry->render() : "not found\n";
  c->response = fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
      get_metrics ? "200 OK" : "404 Not Found", body.size(), body);
  uv_buf_t out = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
  c->write.data = c;
  if (uv_write(&c->write, stream, &out, 1,
               [](uv_write_t* w, int) { Connection::close(static_cast<Connection*>(w->data)); }) < 0)
    Connection::close(c);
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
  port_ = port;
}

Server::~Server() = default;

void Server::on_connection(uv_stream_t* listener, int status) {
  if (status < 0) return;
  auto* self = static_cast<Server*>(listener->data);
  auto* c = new Connection;
  c->registry = &self->registry_;
  uv_tcp_init(listener->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) < 0 ||
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read) < 0) {
    Connection::close(c);
  }
}

}  // namespace pb::metrics
