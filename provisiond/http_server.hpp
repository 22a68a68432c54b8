#pragma once
// The HTTP and HTTPS server: sockets and bytes around http_handler. Each connection is a non-blocking fd
// under a uv_poll_t (not uv_tcp_t, so that large bodies go out with sendfile(2) and TLS runs on the same fd);
// one timer sweeps every connection's deadline (header, idle, send), so a slowloris client costs a few bytes
// of memory and gets 408 when its time is up. Keep-alive and pipelining: the next request is parsed from
// what is buffered once the previous response is out, also after the client has shut its sending side.
// A connection refused over a cap gets its 503 and a lingering close (see Lingering in http_server.cpp).
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/net.hpp"
#include "common/uv.hpp"
#include "provisiond/fd.hpp"
#include "provisiond/http_handler.hpp"
#include "provisiond/http_parser.hpp"
#include "provisiond/stats.hpp"
#include "provisiond/store.hpp"
#include "provisiond/tls.hpp"

namespace pb::prov {

class MacAccess;
class FetchRecorder;
class ProxyCache;

struct HttpServerOptions {
  Ipv4Address listen;
  std::uint16_t port = 8088;  // 0: any (tests)
  http::Limits limits;
  http::HandlerOptions handler;
  std::uint32_t max_connections = 4096;
  std::uint32_t max_connections_per_client = 64;
  std::uint32_t header_timeout_ms = 10000;  // the head; also the longest pause within a PUT body
  std::uint32_t idle_timeout_ms = 30000;
  std::uint32_t send_timeout_ms = 60000;
  MacAccess* mac_access = nullptr;   // files named after a MAC only to its lease (owned by the service); null: all
  FetchRecorder* fetches = nullptr;  // notes each phone's last read (owned by the service); null: none
  ProxyCache* proxy = nullptr;       // names the root lacks, from the upstream (owned by the service); null: none
};

// A PUT body's slowest pace, averaged from its first byte on, once header_timeout_ms has passed.
inline constexpr std::uint64_t kMinBodyBytesPerSecond = 1024;

// When a PUT body whose first byte was due at `body_start_ms` and of which `received` bytes have arrived,
// the last at `now_ms`, times out: `timeout_ms` after its last progress, or sooner once its average pace
// drops under kMinBodyBytesPerSecond (after a grace of `timeout_ms`). So a slow but steady phone finishes,
// and a stalled or trickling one gets 408 without holding its slot for the whole body's worth of time.
std::uint64_t body_deadline(std::uint64_t body_start_ms, std::uint64_t now_ms, std::uint64_t received,
                            std::uint32_t timeout_ms) noexcept;

class HttpServer {
 public:
  // Binds and listens (throws on failure). `tls` non-null makes this the HTTPS server.
  HttpServer(uv_loop_t* loop, FileStore& store, Stats& stats, HttpServerOptions options, SSL_CTX* tls);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // Options that apply to new requests (limits, timeouts, upload rules); the listening address stays.
  void update(const HttpServerOptions& options) noexcept;
  // Closes the listener and every connection.
  void stop() noexcept;

  struct Conn;
  struct Lingering;

 private:
  void on_accept() noexcept;
  void on_sweep() noexcept;
  void destroy(Conn* c) noexcept;
  void refuse(int fd, std::uint32_t ip, std::uint16_t port, const char* reason) noexcept;
  void linger(UniqueFd fd) noexcept;
  friend struct Conn;
  friend struct Lingering;

  uv_loop_t* loop_;
  FileStore& store_;
  Stats& stats_;
  HttpServerOptions options_;
  SSL_CTX* tls_;
  const char* protocol_;
  UniqueFd listen_fd_;
  std::uint16_t port_ = 0;
  uv::Handle<uv_poll_t> listen_poll_;
  uv::Handle<uv_timer_t> sweep_;
  std::list<std::unique_ptr<Conn>> conns_;
  std::list<std::unique_ptr<Lingering>> lingering_;
  std::unordered_map<std::uint32_t, std::uint32_t> per_client_;
  http::Clock clock_;
  std::int64_t clock_second_ = -1;
  const http::Clock& clock() noexcept;
};

}  // namespace pb::prov
