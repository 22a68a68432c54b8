#include "provisiond/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <stdexcept>

#include "common/log.hpp"
#include "provisiond/http_logic.hpp"
#include "provisiond/mac_access.hpp"
#include "provisiond/path.hpp"
#include "provisiond/phone_fetches.hpp"
#include "provisiond/proxy_cache.hpp"

namespace pb::prov {
namespace {

constexpr std::uint64_t kSweepMs = 250;
constexpr std::size_t kReadChunk = 16384;
constexpr std::size_t kTlsFileChunk = 65536;
constexpr std::size_t kMaxDiscard = 65536;     // body of a GET we read and drop; more and we close
constexpr std::uint64_t kLingerMs = 2000;      // a refused connection's lingering close: at most this long,
constexpr std::uint64_t kLingerBytes = 65536;  // this much read and dropped,
constexpr std::size_t kMaxLingering = 256;     // and this many at once (then closed at once)
constexpr std::string_view k503 =
    "HTTP/1.1 503 Service Unavailable\r\nServer: phoneboot-provisiond\r\nContent-Length: 0\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\n";

std::string address_text(std::uint32_t ip, std::uint16_t port) {
  return fmt::format("{}.{}.{}.{}:{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port);
}

}  // namespace

std::uint64_t body_deadline(std::uint64_t body_start_ms, std::uint64_t now_ms, std::uint64_t received,
                            std::uint32_t timeout_ms) noexcept {
  const std::uint64_t stalled = now_ms + timeout_ms;
  const std::uint64_t too_slow = body_start_ms + timeout_ms + received / kMinBodyBytesPerSecond * 1000;
  return std::min(stalled, too_slow);
}

// A connection refused over a cap, after its 503: our sending side is shut (the client reads the 503, then
// the end), and what the client still sends is read and dropped until it closes, for at most kLingerMs and
// kLingerBytes. Closing with its request unread would answer with a reset, and a reset can destroy the 503
// before the client has read it (RFC 9112 9.6; nginx's lingering_close).
struct HttpServer::Lingering {
  HttpServer* server = nullptr;
  std::list<std::unique_ptr<Lingering>>::iterator self;
  UniqueFd fd;                                // declared before poll: the poll handle is closed first, then the fd
  std::optional<uv::Handle<uv_poll_t>> poll;  // made only when the client has not closed at once
  std::uint64_t deadline = 0;
  std::uint64_t drained = 0;

  // Reads and drops what has arrived; false once it is over (the client closed, an error, too many bytes).
  bool drain() noexcept {
    char buf[kReadChunk];
    while (true) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        drained += static_cast<std::uint64_t>(n);
        if (drained > kLingerBytes) return false;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
};

struct HttpServer::Conn {
  // Proxy: the request waits for the caching proxy's fetch; the socket is not watched meanwhile.
  enum class State { Head, Body, Write, Proxy };

  Conn(HttpServer* s, int socket, std::uint32_t ip, std::uint16_t port)
      : server(s), fd(socket), peer_ip(ip), peer_port(port), parser(s->options_.limits) {}

  HttpServer* server;
  std::list<std::unique_ptr<Conn>>::iterator self;
  UniqueFd fd;                                // declared before poll: the poll handle is closed first, then the fd
  std::optional<uv::Handle<uv_poll_t>> poll;  // made when the connection first has to wait
  int events = 0;
  std::uint32_t peer_ip;
  std::uint16_t peer_port;
  bool mac_refused = false;  // the request in progress was refused by MacAccess: not the phone's own fetch
  SslPtr ssl;
  bool handshaken = true;
  bool tls_wants_read = false;
  State state = State::Head;
  std::string in;
  http::Parser parser;
  std::uint64_t deadline = 0;
  bool head_started = false;
  bool eof = false;
  bool dead = false;
  bool nodelay = false;
  std::uint64_t discard_left = 0;

  http::Response resp;
  std::size_t head_off = 0;
  std::string tls_chunk;
  std::size_t tls_chunk_off = 0;
  std::uint64_t sent = 0;

  std::optional<Upload> upload;
  std::uint64_t body_left = 0;
  std::uint64_t body_started_ms = 0;
  std::uint64_t body_received = 0;
  bool upload_keep_alive = true;

  std::string method = "-", path = "-";
  std::uint64_t started_ms = 0;
  // A proxy fetch may end after this connection did: its callback holds this weakly.
  std::shared_ptr<int> token = std::make_shared<int>(0);

  std::uint64_t now() const noexcept { return uv_now(server->loop_); }
  const HttpServerOptions& opt() const noexcept { return server->options_; }

  void close() noexcept { dead = true; }

  void set_events(int wanted) noexcept {
    if (dead || wanted == events) return;
    if (!poll) {
      // Created only once the connection has to wait: one served at accept time never touches epoll.
      try {
        poll.emplace(server->loop_, uv_poll_init, fd.get());
      } catch (const std::exception&) {
        server->stats_.drop("poll-init");
        return close();
      }
      (*poll)->data = this;
    }
    events = wanted;
    uv_poll_start(poll->get(), events, [](uv_poll_t* h, int status, int ev) {
      auto* c = static_cast<Conn*>(h->data);
      c->on_event(status, ev);
      if (c->dead) c->server->destroy(c);
    });
  }

  void update_poll() noexcept {
    if (dead) return;
    if (state == State::Proxy) {
      if (poll && events != 0) uv_poll_stop(poll->get());
      events = 0;
      return;
    }
    if (state == State::Write)
      set_events(UV_WRITABLE | (tls_wants_read ? UV_READABLE : 0));
    else
      set_events(UV_READABLE);
  }

  void on_event(int status, int ev) noexcept {
    if (status < 0) return close();
    if (!handshaken) {
      handshake();
      if (dead || !handshaken) return;
    }
    if (state == State::Write) {
      process();
      return;
    }
    if (ev & UV_READABLE) {
      read_some();
      if (dead) return;
      process();
    }
  }

  void handshake() noexcept {
    const int r = SSL_do_handshake(ssl.get());
    if (r == 1) {
      handshaken = true;
      read_some();
      if (!dead) process();
      return;
    }
    switch (SSL_get_error(ssl.get(), r)) {
      case SSL_ERROR_WANT_READ: set_events(UV_READABLE); return;
      case SSL_ERROR_WANT_WRITE: set_events(UV_WRITABLE); return;
      default:
        server->stats_.drop("tls-handshake");
        log::debug("provisiond", "https: handshake failed '{}' ({})", address_text(peer_ip, peer_port),
                   ERR_reason_error_string(ERR_peek_error()) ? ERR_reason_error_string(ERR_peek_error()) : "closed");
        ERR_clear_error();
        close();
    }
  }

  // Reads what the socket holds (bounded, for fairness); sets eof, or closes on an error.
  void read_some() noexcept {
    char buf[kReadChunk];
    for (int i = 0; i < 8 && !eof; ++i) {
      if (state == State::Head && in.size() > opt().limits.max_header_bytes + kReadChunk) break;
      ssize_t n;
      if (ssl) {
        ERR_clear_error();
        const int r = SSL_read(ssl.get(), buf, sizeof buf);
        if (r <= 0) {
          const int e = SSL_get_error(ssl.get(), r);
          if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
          if (e == SSL_ERROR_ZERO_RETURN) {
            eof = true;
            return;
          }
          ERR_clear_error();
          eof = true;
          return;
        }
        n = r;
      } else {
        n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK) return;
          return close();
        }
        if (n == 0) {
          eof = true;
          return;
        }
      }
      in.append(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf && !ssl) return;
    }
  }

  void process() noexcept {
    while (!dead && state != State::Proxy) {
      if (state == State::Head) {
        if (discard_left > 0) {
          const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(discard_left, in.size()));
          in.erase(0, take);
          discard_left -= take;
          if (discard_left > 0) {
            if (eof) return close();
            break;
          }
        }
        if (in.empty()) {
          if (eof) return close();
          break;
        }
        if (!head_started) {
          head_started = true;
          started_ms = now();
          deadline = started_ms + opt().header_timeout_ms;
        }
        http::Request req;
        const http::Outcome o = parser.parse(in, req);
        if (o.status == http::Status::Incomplete) {
          if (eof) return close();
          break;
        }
        if (o.status == http::Status::Error) {
          server->stats_.drop(o.reason);
          method = "-";
          path = "-";
          respond(http::error_response(o.http_status, true, server->clock()));
          continue;
        }
        start_request(req);
      } else if (state == State::Body) {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(body_left, in.size()));
        if (take > 0) {
          auto w = upload->write(std::span(reinterpret_cast<const std::uint8_t*>(in.data()), take));
          in.erase(0, take);
          body_left -= take;
          body_received += take;
          server->stats_.received.inc(take);
          deadline = body_deadline(body_started_ms, now(), body_received, opt().header_timeout_ms);
          if (!w) {
            upload.reset();
            server->stats_.drop("upload-refused");
            respond(http::error_response(http::status_for(w.error()), true, server->clock()));
            continue;
          }
        }
        if (body_left > 0) {
          if (eof) return close();
          break;
        }
        auto committed = upload->commit();
        upload.reset();
        if (!committed) {
          server->stats_.drop("upload-refused");
          respond(http::error_response(http::status_for(committed.error()), true, server->clock()));
        } else {
          respond(http::upload_done(committed.value(), upload_keep_alive, server->clock()));
        }
      } else {
        if (!flush()) break;
        finish_request();
        // A client that has shut its sending side (eof) still gets the answers to what it sent before:
        // the Head state closes once the buffer holds no complete request.
        if (resp.close) return close();
        resp = http::Response{};
        state = State::Head;
        parser.reset();
        head_started = false;
        deadline = now() + opt().idle_timeout_ms;
        if (!nodelay) {
          // Kept alive: from now on a small answer must not wait for the ACK of the previous one (Nagle).
          // Set here, as nginx does, so a connection that serves one request pays no extra syscall.
          const int one = 1;
          ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          nodelay = true;
        }
        // Bytes OpenSSL already decrypted raise no poll event: look now.
        if (ssl && in.empty()) read_some();
      }
    }
    update_poll();
  }

  // A file named after a MAC, asked for by an address that holds no lease of it: answered as a missing file
  // is (mac_access.hpp), and counted.
  bool refused_by_mac_access(const http::Request& req) noexcept {
    MacAccess* access = opt().mac_access;
    if (access == nullptr || !access->enabled() ||
        (req.method != http::Method::Get && req.method != http::Method::Head))
      return false;
    auto decoded = percent_decode(req.path);
    if (!decoded || access->may_read(decoded.value(), Ipv4Address{peer_ip}, std::time(nullptr))) return false;
    server->stats_.drop("mac-not-leased");
    return true;
  }

  void start_request(const http::Request& req) noexcept {
    method.assign(req.method_text);
    path.assign(req.path);
    const http::Clock& clock = server->clock();
    const std::size_t head_bytes = req.head_bytes;
    mac_refused = refused_by_mac_access(req);
    http::Response r = mac_refused ? http::error_response(404, !req.keep_alive, clock)
                                   : http::handle(req, server->store_, opt().handler, clock);
    if (r.status == 404 && !mac_refused && ask_proxy(req, r)) return;
    if (r.status != 0) return answer(req, std::move(r));
    // An accepted PUT: stream the body into a temporary upload file.
    auto decoded = percent_decode(req.path);
    auto up = server->store_.begin_upload(decoded ? decoded.value() : std::string(), *req.content_length);
    const bool expect = req.expect_continue;
    upload_keep_alive = req.keep_alive;
    in.erase(0, head_bytes);
    if (!up) {
      server->stats_.drop("upload-refused");
      respond(http::error_response(http::status_for(up.error()), true, clock));
      return;
    }
    upload.emplace(std::move(up.value()));
    body_left = *req.content_length;
    state = State::Body;
    body_started_ms = now();
    body_received = 0;
    deadline = body_deadline(body_started_ms, body_started_ms, 0, opt().header_timeout_ms);
    if (expect && in.empty() && body_left > 0) {
      static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
      // Best effort: a client that gets no 100 sends its body after a second anyway.
      if (ssl)
        SSL_write(ssl.get(), k100.data(), static_cast<int>(k100.size()));
      else
        (void)!::send(fd.get(), k100.data(), k100.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }

  // A body-less answer (or a refused PUT) to `req`, whose head is still at the front of `in`.
  void answer(const http::Request& req, http::Response r) noexcept {
    const std::uint64_t body = req.content_length.value_or(0);
    if (body > kMaxDiscard) r.close = true;
    in.erase(0, req.head_bytes);
    if (!r.close) discard_left = body;
    respond(std::move(r));
  }

  // A GET or HEAD of a name the root does not have goes to the caching proxy: its kept copy (or 404) in `r`
  // now, or, when it must be fetched first, true: the request waits, its head left in `in`.
  bool ask_proxy(const http::Request& req, http::Response& r) noexcept {
    ProxyCache* proxy = opt().proxy;
    if (proxy == nullptr || (req.method != http::Method::Get && req.method != http::Method::Head)) return false;
    auto decoded = percent_decode(req.path);
    if (!decoded) return false;
    auto relative = normalize(decoded.value(), false);
    if (!relative) return false;
    if (proxy->lookup(relative.value()) == ProxyCache::Lookup::serve) {
      r = http::handle(req, proxy->store(), opt().handler, server->clock());
      return false;
    }
    state = State::Proxy;
    deadline = 0;  // the fetch has timeouts of its own, and always ends
    std::weak_ptr<int> alive = token;
    Conn* conn = this;
    proxy->fetch(relative.value(), [alive, conn] {
      if (alive.expired()) return;
      conn->after_fetch();
      if (conn->dead) conn->server->destroy(conn);
    });
    return true;
  }

  // The fetch ended: the request, parsed again from the same bytes, is answered from the kept copies.
  void after_fetch() noexcept {
    http::Request req;
    parser.reset();
    if (parser.parse(in, req).status != http::Status::Complete) return close();
    state = State::Head;
    answer(req, http::handle(req, opt().proxy->store(), opt().handler, server->clock()));
    process();
  }

  void respond(http::Response r) noexcept {
    resp = std::move(r);
    head_off = 0;
    sent = 0;
    tls_chunk.clear();
    tls_chunk_off = 0;
    state = State::Write;
    deadline = now() + opt().send_timeout_ms;
    server->stats_.requests(resp.status).inc();
    server->stats_.latency.observe(static_cast<double>(now() - started_ms) / 1000.0);
    // One TLS record (and one write) for a small answer: the body joins the head.
    if (ssl && !resp.fd && resp.length > 0 && resp.length <= kTlsFileChunk) {
      const char* body = resp.cached ? resp.cached->content.data() : resp.inline_body.data();
      resp.head.append(body + resp.offset, static_cast<std::size_t>(resp.length));
      sent += resp.length;
      server->stats_.sent.inc(resp.length);
      resp.length = 0;
    }
  }

  const char* memory_body() const noexcept {
    if (resp.cached) return resp.cached->content.data();
    if (!resp.inline_body.empty()) return resp.inline_body.data();
    return nullptr;
  }

  // True when the whole response is out; false when the socket is full (or the connection died).
  bool flush() noexcept { return ssl ? flush_tls() : flush_plain(); }

  bool flush_plain() noexcept {
    const char* mem = memory_body();
    while (head_off < resp.head.size() || (mem != nullptr && resp.length > 0)) {
      iovec iov[2];
      int n = 0;
      if (head_off < resp.head.size())
        iov[n++] = {const_cast<char*>(resp.head.data() + head_off), resp.head.size() - head_off};
      if (mem != nullptr && resp.length > 0)
        iov[n++] = {const_cast<char*>(mem + resp.offset), static_cast<std::size_t>(resp.length)};
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(n);
      // MSG_MORE: the head waits for the first sendfile segment instead of leaving alone.
      const int more = (resp.fd && resp.length > 0) ? MSG_MORE : 0;
      const ssize_t w = ::sendmsg(fd.get(), &msg, MSG_NOSIGNAL | more);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) close();
        return false;
      }
      progress(static_cast<std::size_t>(w));
    }
    while (resp.fd && resp.length > 0) {
      off_t off = static_cast<off_t>(resp.offset);
      const ssize_t w = ::sendfile(fd.get(), resp.fd.get(), &off,
                                   static_cast<std::size_t>(std::min<std::uint64_t>(resp.length, 1u << 30)));
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) close();
        return false;
      }
      if (w == 0) {  // the file shrank under us: the promised length cannot be kept
        close();
        return false;
      }
      resp.offset += static_cast<std::uint64_t>(w);
      resp.length -= static_cast<std::uint64_t>(w);
      sent += static_cast<std::uint64_t>(w);
      server->stats_.sent.inc(static_cast<std::uint64_t>(w));
      deadline = now() + opt().send_timeout_ms;
    }
    return true;
  }

  void progress(std::size_t w) noexcept {
    const std::size_t from_head = std::min(w, resp.head.size() - head_off);
    head_off += from_head;
    const std::size_t from_body = w - from_head;
    resp.offset += from_body;
    resp.length -= from_body;
    sent += from_body;
    server->stats_.sent.inc(from_body);
    deadline = now() + opt().send_timeout_ms;
  }

  // SSL_write with the error handling; returns bytes written, 0 to wait (poll set), -1 dead.
  long tls_write(const char* p, std::size_t len) noexcept {
    ERR_clear_error();
    const int w = SSL_write(ssl.get(), p, static_cast<int>(std::min<std::size_t>(len, 1 << 20)));
    if (w > 0) {
      tls_wants_read = false;
      deadline = now() + opt().send_timeout_ms;
      return w;
    }
    const int e = SSL_get_error(ssl.get(), w);
    if (e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_WANT_READ) {
      tls_wants_read = true;
      return 0;
    }
    ERR_clear_error();
    close();
    return -1;
  }

  bool flush_tls() noexcept {
    while (head_off < resp.head.size()) {
      const long w = tls_write(resp.head.data() + head_off, resp.head.size() - head_off);
      if (w <= 0) return false;
      head_off += static_cast<std::size_t>(w);
    }
    const char* mem = memory_body();
    while (true) {
      if (tls_chunk_off < tls_chunk.size()) {
        const long w = tls_write(tls_chunk.data() + tls_chunk_off, tls_chunk.size() - tls_chunk_off);
        if (w <= 0) return false;
        tls_chunk_off += static_cast<std::size_t>(w);
        server->stats_.sent.inc(static_cast<std::uint64_t>(w));
        sent += static_cast<std::uint64_t>(w);
        continue;
      }
      if (resp.length == 0) return true;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(resp.length, kTlsFileChunk));
      if (mem != nullptr) {
        tls_chunk.assign(mem + resp.offset, n);
      } else {
        tls_chunk.resize(n);
        const ssize_t r = ::pread(resp.fd.get(), tls_chunk.data(), n, static_cast<off_t>(resp.offset));
        if (r <= 0) {
          close();
          return false;
        }
        tls_chunk.resize(static_cast<std::size_t>(r));
      }
      tls_chunk_off = 0;
      resp.offset += tls_chunk.size();
      resp.length -= tls_chunk.size();
    }
  }

  void finish_request() noexcept {
    FetchRecorder* fetches = opt().fetches;
    if (fetches != nullptr && !mac_refused && (method == "GET" || method == "HEAD"))
      fetches->record(path, Ipv4Address{peer_ip}, server->protocol_, std::to_string(resp.status));
    if (log::level() > log::Level::info) return;  // the arguments below cost a format each
    log::info("provisiond", "{} {} {} {} {} {} {}ms", server->protocol_, address_text(peer_ip, peer_port), method, path,
              resp.status, sent, now() - started_ms);
  }
};

HttpServer::HttpServer(uv_loop_t* loop, FileStore& store, Stats& stats, HttpServerOptions options, SSL_CTX* tls)
    : loop_(loop),
      store_(store),
      stats_(stats),
      options_(std::move(options)),
      tls_(tls),
      protocol_(tls != nullptr ? "https" : "http") {
  listen_fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd_) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(options_.port);
  sa.sin_addr.s_addr = htonl(options_.listen.value);
  if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw std::runtime_error(
        fmt::format("cannot bind {} port {} ({})", protocol_, options_.port, std::strerror(errno)));
  if (::listen(listen_fd_.get(), 1024) != 0) throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
  socklen_t len = sizeof sa;
  ::getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);

  listen_poll_ = uv::Handle<uv_poll_t>(loop_, uv_poll_init, listen_fd_.get());
  listen_poll_->data = this;
  uv_poll_start(listen_poll_.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    if (status == 0) static_cast<HttpServer*>(h->data)->on_accept();
  });
  sweep_ = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
  sweep_->data = this;
  uv_timer_start(
      sweep_.get(), [](uv_timer_t* t) { static_cast<HttpServer*>(t->data)->on_sweep(); }, kSweepMs, kSweepMs);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() noexcept {
  listen_poll_.reset();
  sweep_.reset();
  conns_.clear();
  lingering_.clear();
  per_client_.clear();
  listen_fd_.reset();
  stats_.active.set(0);
}

void HttpServer::update(const HttpServerOptions& options) noexcept {
  const auto listen = options_.listen;
  const auto port = options_.port;
  options_ = options;
  options_.listen = listen;
  options_.port = port;
}

const http::Clock& HttpServer::clock() noexcept {
  clock_.now_ms = uv_now(loop_);
  const std::int64_t second = static_cast<std::int64_t>(std::time(nullptr));
  if (second != clock_second_) {
    clock_second_ = second;
    clock_.date = http::format_http_date(second);
  }
  return clock_;
}

void HttpServer::on_accept() noexcept {
  for (int i = 0; i < 64; ++i) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    const int fd = ::accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) stats_.drop("fd-limit");
      return;
    }
    const std::uint32_t ip = ntohl(sa.sin_addr.s_addr);
    if (conns_.size() >= options_.max_connections) {
      refuse(fd, ip, ntohs(sa.sin_port), "max-connections");
      continue;
    }
    const auto held = per_client_.find(ip);
    if ((held == per_client_.end() ? 0 : held->second) >= options_.max_connections_per_client) {
      refuse(fd, ip, ntohs(sa.sin_port), "max-connections-per-client");
      continue;
    }
    auto conn = std::make_unique<Conn>(this, fd, ip, ntohs(sa.sin_port));
    Conn* c = conn.get();
    if (tls_ != nullptr) {
      c->ssl.reset(SSL_new(tls_));
      if (!c->ssl || SSL_set_fd(c->ssl.get(), fd) != 1) {
        stats_.drop("tls-setup");
        continue;
      }
      SSL_set_accept_state(c->ssl.get());
      c->handshaken = false;
    }
    c->deadline = uv_now(loop_) + options_.header_timeout_ms;
    ++per_client_[ip];
    stats_.active.add(1);
    conns_.push_front(std::move(conn));
    c->self = conns_.begin();
    // The request usually arrived with the handshake's last ACK: read it now rather than after another
    // epoll round (an EAGAIN costs less than that).
    if (tls_ == nullptr) {
      c->read_some();
      if (!c->dead) c->process();
    } else {
      c->handshake();
    }
    if (c->dead) destroy(c);
  }
}

void HttpServer::refuse(int fd, std::uint32_t ip, std::uint16_t port, const char* reason) noexcept {
  UniqueFd owned(fd);
  stats_.drop(reason);
  log::debug("provisiond", "{}: refused '{}' ({})", protocol_, address_text(ip, port), reason);
  // HTTPS: a 503 would need a handshake first, which is what the cap saves; the connection just closes.
  if (tls_ != nullptr) return;
  (void)!::send(owned.get(), k503.data(), k503.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  stats_.requests(503).inc();
  linger(std::move(owned));
}

void HttpServer::linger(UniqueFd fd) noexcept {
  if (lingering_.size() >= kMaxLingering) return;  // closed now: a reset at worst, but the fds stay bounded
  ::shutdown(fd.get(), SHUT_WR);
  auto l = std::make_unique<Lingering>();
  l->server = this;
  l->fd = std::move(fd);
  if (!l->drain()) return;  // the client is gone already
  try {
    l->poll.emplace(loop_, uv_poll_init, l->fd.get());
  } catch (const std::exception&) {
    return;
  }
  l->deadline = uv_now(loop_) + kLingerMs;
  Lingering* p = l.get();
  (*p->poll)->data = p;
  lingering_.push_front(std::move(l));
  p->self = lingering_.begin();
  uv_poll_start(p->poll->get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    auto* x = static_cast<Lingering*>(h->data);
    if (status < 0 || !x->drain()) x->server->lingering_.erase(x->self);
  });
}

void HttpServer::on_sweep() noexcept {
  const std::uint64_t now = uv_now(loop_);
  for (auto it = lingering_.begin(); it != lingering_.end();) {
    if (now >= (*it)->deadline)
      it = lingering_.erase(it);
    else
      ++it;
  }
  for (auto it = conns_.begin(); it != conns_.end();) {
    Conn* c = (it++)->get();
    if (c->deadline == 0 || now < c->deadline) continue;
    if (c->state == Conn::State::Write) {
      stats_.drop("send-timeout");
      c->close();
    } else if (c->state == Conn::State::Head && !c->head_started && c->handshaken) {
      stats_.drop("idle-timeout");
      c->close();
    } else if (!c->handshaken) {
      stats_.drop("header-timeout");
      c->close();
    } else {
      // Slowloris: a head (or body) that does not arrive in time gets 408 and the connection ends.
      stats_.drop(c->state == Conn::State::Body ? "body-timeout" : "header-timeout");
      c->upload.reset();
      c->respond(http::error_response(408, true, clock()));
      c->process();
    }
    if (c->dead) destroy(c);
  }
}

void HttpServer::destroy(Conn* c) noexcept {
  auto it = per_client_.find(c->peer_ip);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  stats_.active.add(-1);
  conns_.erase(c->self);
}

}  // namespace pb::prov
