#include "provisiond/upstream_fetch.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "common/net.hpp"
#include "provisiond/fd.hpp"
#include "provisiond/upstream_response.hpp"

namespace pb::prov {
namespace {

constexpr std::size_t kReadChunk = 65536;

std::string errno_text(int e) { return std::strerror(e); }

SslCtxPtr make_client_context(const UpstreamOptions& o) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) throw std::runtime_error(openssl_error("provisiond.proxy: cannot create a TLS context"));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int loaded = o.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                       : SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr);
  if (loaded != 1)
    throw std::runtime_error(openssl_error("provisiond.proxy.ca_file: cannot load '" +
                                           (o.ca_file.empty() ? "the system's CAs" : o.ca_file) + "'"));
  return ctx;
}

// What one read or write on the connection came to, plain or TLS.
struct Io {
  enum Kind { moved, again, closed, failed } kind = failed;
  std::size_t bytes = 0;  // moved
  int events = 0;         // again: what to wait for (TLS may need to read in order to write)
  bool clean = true;      // closed: with TLS, whether the upstream said close_notify
  std::string why;        // failed
};

}  // namespace

struct UpstreamFetcher::Fetch {
  enum class Step { resolving, connecting, handshaking, sending, receiving, done };

  UpstreamFetcher* owner = nullptr;
  std::list<std::unique_ptr<Fetch>>::iterator self;
  FetchRequest request;
  FetchDone done;
  Step step = Step::resolving;
  UniqueFd sock;  // declared before poll: the poll handle is closed first
  SslPtr ssl;     // https://
  std::optional<uv::Handle<uv_poll_t>> poll;
  uv::Handle<uv_timer_t> timer;
  std::string out;   // request bytes not sent yet
  std::string head;  // bytes received before the head was complete
  UpstreamHead parsed;
  bool head_done = false;
  UniqueFd file;
  std::uint64_t body = 0;
  FetchResult result;
  // c-ares cannot cancel one query: its answer may come after this fetch ended, and finds this expired.
  std::shared_ptr<int> token = std::make_shared<int>(0);

  const UpstreamOptions& opt() const noexcept { return owner->options_; }

  const char* step_name() const noexcept {
    switch (step) {
      case Step::resolving: return "resolving the host";
      case Step::connecting: return "connecting";
      case Step::handshaking: return "in the TLS handshake";
      case Step::sending: return "sending the request";
      case Step::receiving: return "receiving the answer";
      case Step::done: return "done";
    }
    return "?";
  }

  // Every step gets the whole timeout again: it bounds a pause, not a large download.
  void arm() noexcept {
    uv_timer_start(
        timer.get(),
        [](uv_timer_t* t) {
          auto* f = static_cast<Fetch*>(t->data);
          if (f->step == Step::done) return f->owner->finish(f, std::move(f->result));
          f->fail(fmt::format("no progress for {} ms while {}", f->opt().timeout_ms, f->step_name()));
        },
        opt().timeout_ms, 0);
  }

  // Ends the fetch; the callback runs from the timer on the next loop turn, never inside start().
  void end(FetchResult r) noexcept {
    result = std::move(r);
    step = Step::done;
    if (poll) uv_poll_stop(poll->get());
    uv_timer_start(
        timer.get(),
        [](uv_timer_t* t) {
          auto* f = static_cast<Fetch*>(t->data);
          f->owner->finish(f, std::move(f->result));
        },
        0, 0);
  }

  void fail(std::string why) noexcept {
    FetchResult r;
    r.kind = FetchResult::Kind::failed;
    r.error = std::move(why);
    end(std::move(r));
  }

  void resolved(const ares::Ipv4Answer& answer) noexcept {
    if (step != Step::resolving) return;
    if (!answer.ok()) return fail("cannot resolve " + opt().url.host + ": " + answer.message());
    connect_to(answer.addresses.front());
  }

  void connect_to(Ipv4Address address) noexcept {
    step = Step::connecting;
    arm();
    sock = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) return fail("socket: " + errno_text(errno));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(opt().url.port);
    sa.sin_addr.s_addr = htonl(address.value);
    if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS)
      return fail(fmt::format("connect to {}:{}: {}", address.str(), opt().url.port, errno_text(errno)));
    try {
      poll.emplace(owner->loop_, uv_poll_init, sock.get());
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    (*poll)->data = this;
    watch(UV_WRITABLE);
  }

  void watch(int events) noexcept {
    uv_poll_start(poll->get(), events, [](uv_poll_t* h, int status, int) {
      auto* f = static_cast<Fetch*>(h->data);
      if (status < 0) return f->fail(f->socket_error(std::string("poll: ") + uv_strerror(status)));
      f->on_ready();
    });
  }

  // libuv reports a socket error (EPOLLERR) as UV_EBADF: the socket's own error says what happened.
  std::string socket_error(std::string fallback) const {
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error == 0) return fallback;
    return (step == Step::connecting ? "connect: " : "socket: ") + errno_text(error);
  }

  void on_ready() noexcept {
    if (step == Step::connecting) {
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) return fail("connect: " + errno_text(error));
      if (owner->tls_) return start_tls();
      step = Step::sending;
      out = request_text();
    }
    if (step == Step::handshaking) return handshake();
    if (step == Step::sending) return send_some();
    if (step == Step::receiving) return receive_some();
  }

  void start_tls() noexcept {
    step = Step::handshaking;
    ssl.reset(SSL_new(owner->tls_.get()));
    if (!ssl || SSL_set_fd(ssl.get(), sock.get()) != 1) return fail(openssl_error("TLS"));
    const std::string& host = opt().url.host;
    // The certificate must name what the administrator wrote: the host name (sent as SNI too) or the address.
    const bool pinned =
        Ipv4Address::parse(host).has_value()
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str()) == 1
            : SSL_set_tlsext_host_name(ssl.get(), host.c_str()) == 1 && SSL_set1_host(ssl.get(), host.c_str()) == 1;
    if (!pinned) return fail(openssl_error("TLS: cannot check the name " + host));
    handshake();
  }

  void handshake() noexcept {
    arm();
    ERR_clear_error();
    errno = 0;
    const int r = SSL_connect(ssl.get());
    if (r == 1) {
      step = Step::sending;
      out = request_text();
      return send_some();
    }
    const Io io = tls_result(r, "TLS handshake");
    if (io.kind == Io::again) return watch(io.events);
    const long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK)
      return fail(std::string("TLS: the upstream's certificate: ") + X509_verify_cert_error_string(verify));
    fail(io.kind == Io::closed ? "TLS handshake: the upstream closed" : io.why);
  }

  // An OpenSSL call's outcome `r` as an Io (OpenSSL's error queue read and cleared); `what` names the call in
  // a failure's reason.
  Io tls_result(int r, const char* what) noexcept {
    const int saved_errno = errno;
    Io io;
    switch (SSL_get_error(ssl.get(), r)) {
      case SSL_ERROR_WANT_READ: io = Io{.kind = Io::again, .events = UV_READABLE}; break;
      case SSL_ERROR_WANT_WRITE: io = Io{.kind = Io::again, .events = UV_WRITABLE}; break;
      case SSL_ERROR_ZERO_RETURN: io = Io{.kind = Io::closed}; break;
      case SSL_ERROR_SYSCALL:
        // Nothing queued and no errno: the socket closed under the TLS session.
        if (ERR_peek_error() == 0 && saved_errno == 0)
          io = Io{.kind = Io::closed, .clean = false};
        else
          io.why = saved_errno != 0 ? std::string(what) + ": " + errno_text(saved_errno) : openssl_error(what);
        break;
      default:
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
          io = Io{.kind = Io::closed, .clean = false};
        else
          io.why = openssl_error(what);
        break;
    }
    ERR_clear_error();
    return io;
  }

  Io write_some(std::string_view bytes) noexcept {
    Io io;
    if (ssl) {
      ERR_clear_error();
      errno = 0;  // SSL_ERROR_SYSCALL is told apart by it
      const int n = SSL_write(ssl.get(), bytes.data(), static_cast<int>(bytes.size()));
      if (n > 0) return Io{.kind = Io::moved, .bytes = static_cast<std::size_t>(n)};
      return tls_result(n, "TLS write");
    }
    for (;;) {
      const ssize_t n = ::send(sock.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n >= 0) return Io{.kind = Io::moved, .bytes = static_cast<std::size_t>(n)};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Io{.kind = Io::again, .events = UV_WRITABLE};
      io.why = "send: " + errno_text(errno);
      return io;
    }
  }

  Io read_some(char* buf, std::size_t size) noexcept {
    Io io;
    if (ssl) {
      ERR_clear_error();
      errno = 0;  // SSL_ERROR_SYSCALL is told apart by it
      const int n = SSL_read(ssl.get(), buf, static_cast<int>(size));
      if (n > 0) return Io{.kind = Io::moved, .bytes = static_cast<std::size_t>(n)};
      return tls_result(n, "TLS read");
    }
    for (;;) {
      const ssize_t n = ::read(sock.get(), buf, size);
      if (n > 0) return Io{.kind = Io::moved, .bytes = static_cast<std::size_t>(n)};
      if (n == 0) return Io{.kind = Io::closed};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Io{.kind = Io::again, .events = UV_READABLE};
      io.why = "read: " + errno_text(errno);
      return io;
    }
  }

  std::string request_text() const {
    const auto& url = opt().url;
    std::string r = "GET " + upstream_target(url, request.relative) + " HTTP/1.0\r\nHost: " + url.host;
    if (url.port != (url.tls ? 443 : 80)) r += ":" + std::to_string(url.port);
    r += "\r\nUser-Agent: phoneboot-provisiond\r\nAccept: */*\r\n";
    if (!request.etag.empty()) r += "If-None-Match: " + request.etag + "\r\n";
    if (!request.last_modified.empty()) r += "If-Modified-Since: " + request.last_modified + "\r\n";
    return r + "\r\n";
  }

  void send_some() noexcept {
    arm();
    while (!out.empty()) {
      const Io io = write_some(out);
      if (io.kind == Io::again) return watch(io.events);
      if (io.kind != Io::moved) return fail(io.kind == Io::closed ? "the upstream closed" : io.why);
      out.erase(0, io.bytes);
    }
    step = Step::receiving;
    watch(UV_READABLE);
  }

  void receive_some() noexcept {
    arm();
    char buf[kReadChunk];
    // Bytes OpenSSL already decrypted are not on the socket: read them before waiting for it again.
    for (int round = 0; step == Step::receiving && (round < 16 || (ssl && SSL_pending(ssl.get()) > 0)); ++round) {
      const Io io = read_some(buf, sizeof buf);
      if (io.kind == Io::again) return watch(io.events);
      if (io.kind == Io::closed) return on_close(io.clean);
      if (io.kind == Io::failed) return fail(io.why);
      if (!head_done)
        on_head_bytes(std::string_view(buf, io.bytes));
      else
        on_body(std::string_view(buf, io.bytes));
    }
  }

  void on_head_bytes(std::string_view bytes) noexcept {
    head.append(bytes);
    std::string why;
    switch (parse_upstream_head(head, parsed, why)) {
      case HeadStatus::incomplete: return;
      case HeadStatus::error: return fail(why);
      case HeadStatus::complete: break;
    }
    head_done = true;
    FetchResult r;
    if (parsed.status == 304) {
      r.kind = FetchResult::Kind::not_modified;
      return end(std::move(r));
    }
    if (parsed.status == 404 || parsed.status == 410) {
      r.kind = FetchResult::Kind::not_found;
      return end(std::move(r));
    }
    if (parsed.status != 200) return fail(fmt::format("the upstream answered {}", parsed.status));
    if (parsed.content_length && *parsed.content_length > opt().max_file_bytes)
      return fail(fmt::format("{} bytes is over max_file_bytes", *parsed.content_length));
    file = UniqueFd(::open(request.body_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (!file) return fail("cannot write '" + request.body_path + "': " + errno_text(errno));
    std::string rest = head.substr(parsed.head_bytes);
    head.clear();
    head.shrink_to_fit();
    on_body(rest);
  }

  void on_body(std::string_view bytes) noexcept {
    if (parsed.content_length) bytes = bytes.substr(0, static_cast<std::size_t>(*parsed.content_length - body));
    if (body + bytes.size() > opt().max_file_bytes) return fail("the answer is over max_file_bytes");
    while (!bytes.empty()) {
      const ssize_t w = ::write(file.get(), bytes.data(), bytes.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return fail("cannot write '" + request.body_path + "': " + errno_text(errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(w));
      body += static_cast<std::uint64_t>(w);
    }
    if (parsed.content_length && body == *parsed.content_length) complete();
  }

  // `clean`: false when a TLS session ended without close_notify, which an attacker can forge: the body is then
  // complete only if a Content-Length says so.
  void on_close(bool clean) noexcept {
    if (!head_done) return fail("the upstream closed before its answer's head was complete");
    if (parsed.content_length && body < *parsed.content_length)
      return fail(fmt::format("the upstream closed after {} of {} bytes", body, *parsed.content_length));
    if (!clean && !parsed.content_length)
      return fail("the upstream closed its TLS session without close_notify or a Content-Length: the body may be cut");
    complete();
  }

  // A whole body: on disk for good before it replaces a kept copy.
  void complete() noexcept {
    if (::fdatasync(file.get()) != 0) return fail("cannot write '" + request.body_path + "': " + errno_text(errno));
    file.reset();
    FetchResult r;
    r.kind = FetchResult::Kind::fetched;
    r.etag = parsed.etag;
    r.last_modified = parsed.last_modified;
    r.bytes = body;
    end(std::move(r));
  }
};

UpstreamFetcher::UpstreamFetcher(uv_loop_t* loop, UpstreamOptions options)
    : loop_(loop),
      options_(std::move(options)),
      tls_(options_.url.tls ? make_client_context(options_) : nullptr),
      resolver_(loop, options_.resolver) {}

UpstreamFetcher::~UpstreamFetcher() { fetches_.clear(); }

void UpstreamFetcher::start(FetchRequest request, FetchDone done) {
  auto fetch = std::make_unique<Fetch>();
  Fetch* f = fetch.get();
  f->owner = this;
  f->request = std::move(request);
  f->done = std::move(done);
  f->timer = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
  f->timer->data = f;
  fetches_.push_front(std::move(fetch));
  f->self = fetches_.begin();
  f->arm();
  // The answer may come at once (an address, /etc/hosts): the fetch then connects now, and any end it
  // meets still reaches `done` from the timer, after start() returned.
  std::weak_ptr<int> token = f->token;
  resolver_.resolve_ipv4(options_.url.host, [token, f](const ares::Ipv4Answer& answer) {
    if (!token.expired()) f->resolved(answer);
  });
}

void UpstreamFetcher::finish(Fetch* fetch, FetchResult result) noexcept {
  FetchDone done = std::move(fetch->done);
  fetches_.erase(fetch->self);
  if (done) done(std::move(result));
}

}  // namespace pb::prov
