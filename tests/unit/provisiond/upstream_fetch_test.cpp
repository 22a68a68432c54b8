#include "provisiond/upstream_fetch.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

// A listening TCP socket on a loopback port the kernel picks.
int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  ::listen(fd, 4);
  return fd;
}

// With TLS, the server's certificate and key, and whether it ends its session with close_notify.
struct ServerTls {
  std::string certificate, key;
  bool close_notify = true;
};

// A one-connection HTTP(S) server on loopback, in a thread: it reads the request head, then sends `answer`
// (and closes, unless `hold`: then it keeps the connection silent until the test ends).
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer, bool hold = false, std::optional<ServerTls> tls = std::nullopt)
      : answer_(std::move(answer)), hold_(hold), tls_(std::move(tls)) {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    if (client_ >= 0) ::shutdown(client_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    if (client_ >= 0) ::close(client_);
  }
  std::uint16_t port() const { return port_; }
  std::string request() {
    thread_done_.wait(false);
    return request_;
  }

 private:
  void serve() {
    client_ = ::accept(fd_, nullptr, nullptr);
    if (client_ >= 0) {
      if (tls_)
        serve_tls();
      else
        serve_plain();
      if (!hold_) ::shutdown(client_, SHUT_WR);
    }
    thread_done_ = true;
    thread_done_.notify_all();
  }

  void serve_plain() {
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(client_, buf, sizeof buf);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    if (!answer_.empty()) (void)!::write(client_, answer_.data(), answer_.size());
  }

  // A handshake the client refuses ends here, with no request.
  void serve_tls() {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate_chain_file(ctx.get(), tls_->certificate.c_str());
    SSL_CTX_use_PrivateKey_file(ctx.get(), tls_->key.c_str(), SSL_FILETYPE_PEM);
    SslPtr ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), client_);
    if (SSL_accept(ssl.get()) != 1) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    if (!answer_.empty()) SSL_write(ssl.get(), answer_.data(), static_cast<int>(answer_.size()));
    if (tls_->close_notify && !hold_) SSL_shutdown(ssl.get());
  }

  std::string answer_;
  bool hold_;
  std::optional<ServerTls> tls_;
  int fd_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::atomic<bool> thread_done_{false};
  std::thread thread_;
};

class UpstreamFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    body_ = fs::temp_directory_path() / ("pb-upstream-fetch-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    fetcher_.reset();
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
    fs::remove(body_);
    fs::remove_all(body_.string() + "-tls");
  }

  // Fetches `relative` from host:port and runs the loop until the fetch ended.
  FetchResult fetch(const std::string& host, std::uint16_t port, std::string relative = "polycom/sip.ld",
                    std::string etag = "", std::uint64_t max_bytes = 1 << 20) {
    UpstreamOptions o;
    o.url.host = host;
    o.url.port = port;
    o.url.base_path = "/prov";
    o.url.tls = !ca_file_.empty();
    o.ca_file = ca_file_;
    o.timeout_ms = 300;
    o.max_file_bytes = max_bytes;
    // Names are looked up in /etc/hosts, then at a port of loopback where nothing listens: no query leaves.
    o.resolver.servers = {"127.0.0.1:9"};
    o.resolver.timeout = std::chrono::milliseconds(200);
    o.resolver.tries = 1;
    fetcher_ = std::make_unique<UpstreamFetcher>(&loop_, o);
    std::optional<FetchResult> got;
    FetchRequest r;
    r.relative = std::move(relative);
    r.etag = std::move(etag);
    r.body_path = body_.string();
    fetcher_->start(std::move(r), [&](FetchResult result) { got = std::move(result); });
    EXPECT_FALSE(got) << "done ran inside start()";
    while (!got && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
    EXPECT_TRUE(got);
    return got.value_or(FetchResult{});
  }
  std::string body() {
    std::ifstream in(body_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // A self-signed certificate for `name` (and its key): "<dir>/<name>.pem", "<dir>/<name>.key".
  ServerTls certificate(const std::string& name) {
    const std::string base = (fs::path(body_.string() + "-tls") / name).string();
    fs::create_directories(fs::path(base).parent_path());
    generate_self_signed(base + ".pem", base + ".key", name);
    return ServerTls{.certificate = base + ".pem", .key = base + ".key"};
  }

  uv_loop_t loop_{};
  fs::path body_;
  std::string ca_file_;  // set: fetch over https://, trusting this file
  std::unique_ptr<UpstreamFetcher> fetcher_;
};

TEST_F(UpstreamFetch, A200WritesTheBodyAndKeepsTheValidators) {
  OneShotServer server(
      "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nETag: \"v1\"\r\nLast-Modified: Tue, 14 Nov 2023 "
      "22:13:20 GMT\r\n\r\nhello and what a broken server adds");
  auto r = fetch("127.0.0.1", server.port(), "a b.cfg", "\"v0\"");
  EXPECT_EQ(r.kind, FetchResult::Kind::fetched) << r.error;
  EXPECT_EQ(r.bytes, 5u);
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(r.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(body(), "hello");
  EXPECT_EQ(server.request(),
            "GET /prov/a%20b.cfg HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                "\r\nUser-Agent: phoneboot-provisiond\r\nAccept: */*\r\nIf-None-Match: \"v0\"\r\n\r\n");
}

TEST_F(UpstreamFetch, ABodyWithoutLengthEndsWhenTheServerCloses) {
  OneShotServer server("HTTP/1.0 200 OK\r\n\r\n" + std::string(200000, 'x'));
  auto r = fetch("localhost", server.port());  // /etc/hosts, through c-ares
  EXPECT_EQ(r.kind, FetchResult::Kind::fetched) << r.error;
  EXPECT_EQ(body(), std::string(200000, 'x'));
}

TEST_F(UpstreamFetch, NotModifiedAndNotFoundAreAnswersNotFailures) {
  {
    OneShotServer server("HTTP/1.1 304 Not Modified\r\n\r\n");
    EXPECT_EQ(fetch("127.0.0.1", server.port()).kind, FetchResult::Kind::not_modified);
  }
  {
    OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    EXPECT_EQ(fetch("127.0.0.1", server.port()).kind, FetchResult::Kind::not_found);
  }
  {
    OneShotServer server("HTTP/1.1 410 Gone\r\n\r\n");
    EXPECT_EQ(fetch("127.0.0.1", server.port()).kind, FetchResult::Kind::not_found);
  }
}

TEST_F(UpstreamFetch, EveryOtherEndIsAFailureThatSaysWhy) {
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/1.0 503 Busy\r\n\r\n", "the upstream answered 503"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort", "the upstream closed after 5 of 10 bytes"},
      {"HTTP/1.0 200 OK\r\nContent-Le", "the upstream closed before its answer's head was complete"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       "a Transfer-Encoding (chunked) in an answer to HTTP/1.0"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 2000000\r\n\r\n", "2000000 bytes is over max_file_bytes"},
      {"HTTP/1.0 200 OK\r\n\r\n" + std::string(1100000, 'x'), "the answer is over max_file_bytes"},
  };
  for (const auto& [answer, why] : cases) {
    OneShotServer server(answer);
    auto r = fetch("127.0.0.1", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::failed) << why;
    EXPECT_EQ(r.error, why);
  }
}

TEST_F(UpstreamFetch, ASilentOrAbsentUpstreamEndsTheFetch) {
  {
    OneShotServer server("", true);  // accepts, reads the request, never answers
    auto r = fetch("127.0.0.1", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::failed);
    EXPECT_EQ(r.error, "no progress for 300 ms while receiving the answer");
  }
  std::uint16_t closed_port = 0;
  {
    OneShotServer gone("HTTP/1.0 200 OK\r\n\r\n");
    closed_port = gone.port();
    fetch("127.0.0.1", closed_port);  // its one connection used: nothing listens there now
  }
  auto refused = fetch("127.0.0.1", closed_port);
  EXPECT_EQ(refused.kind, FetchResult::Kind::failed);
  EXPECT_NE(refused.error.find("Connection refused"), std::string::npos) << refused.error;
  auto unknown = fetch("no-such-host.invalid", 80);
  EXPECT_EQ(unknown.kind, FetchResult::Kind::failed);
  EXPECT_EQ(unknown.error.rfind("cannot resolve no-such-host.invalid: ", 0), 0u) << unknown.error;
}

TEST_F(UpstreamFetch, HttpsFetchesFromAServerWhoseCertificateChainsToCaFileAndNamesTheHost) {
  const ServerTls tls = certificate("localhost");
  OneShotServer server("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, tls);
  ca_file_ = tls.certificate;
  auto r = fetch("localhost", server.port());
  EXPECT_EQ(r.kind, FetchResult::Kind::fetched) << r.error;
  EXPECT_EQ(body(), "hello");
  EXPECT_EQ(server.request().rfind("GET /prov/polycom/sip.ld HTTP/1.0\r\nHost: localhost:", 0), 0u);
}

TEST_F(UpstreamFetch, HttpsRefusesAnUntrustedCertificateOrOneForAnotherName) {
  const ServerTls tls = certificate("localhost");
  {
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\nsecret", false, tls);
    ca_file_ = certificate("other-ca").certificate;  // not the server's
    auto r = fetch("localhost", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::failed);
    EXPECT_EQ(r.error.rfind("TLS: the upstream's certificate: ", 0), 0u) << r.error;
  }
  {
    const ServerTls other = certificate("central.example");  // trusted, but names another host
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\nsecret", false, other);
    ca_file_ = other.certificate;
    auto r = fetch("localhost", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::failed);
    EXPECT_EQ(r.error, "TLS: the upstream's certificate: hostname mismatch");
  }
  {
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\nsecret", false, tls);
    ca_file_ = tls.certificate;
    auto r = fetch("127.0.0.1", server.port());  // an address: the certificate names no address
    EXPECT_EQ(r.kind, FetchResult::Kind::failed);
    EXPECT_EQ(r.error, "TLS: the upstream's certificate: IP address mismatch");
  }
  EXPECT_FALSE(fs::exists(body_)) << "nothing written from a refused upstream";
}

// Without close_notify, the end of the connection proves nothing: only a Content-Length can say the body is whole.
TEST_F(UpstreamFetch, HttpsWithoutCloseNotifyNeedsAContentLength) {
  ServerTls tls = certificate("localhost");
  tls.close_notify = false;
  ca_file_ = tls.certificate;
  {
    OneShotServer server("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, tls);
    auto r = fetch("localhost", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::fetched) << r.error;
  }
  {
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\nhello, or is it", false, tls);
    auto r = fetch("localhost", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::failed);
    EXPECT_EQ(r.error,
              "the upstream closed its TLS session without close_notify or a Content-Length: the body may be cut");
  }
  tls.close_notify = true;
  {
    OneShotServer server("HTTP/1.0 200 OK\r\n\r\n" + std::string(100000, 'x'), false, tls);
    auto r = fetch("localhost", server.port());
    EXPECT_EQ(r.kind, FetchResult::Kind::fetched) << r.error;
    EXPECT_EQ(body(), std::string(100000, 'x'));
  }
}

TEST_F(UpstreamFetch, AnUpstreamThatNeverAnswersTheHandshakeEndsTheFetch) {
  ca_file_ = certificate("localhost").certificate;
  OneShotServer server("", true);  // plain TCP: it reads the ClientHello and says nothing
  auto r = fetch("localhost", server.port());
  EXPECT_EQ(r.kind, FetchResult::Kind::failed);
  EXPECT_EQ(r.error, "no progress for 300 ms while in the TLS handshake");
}

TEST_F(UpstreamFetch, APlainHttpServerIsNotMistakenForHttps) {
  ca_file_ = certificate("localhost").certificate;
  // It answers in plain text as soon as it accepts: the client reads that as a TLS record.
  std::uint16_t port = 0;
  const int listener = listen_on_loopback(port);
  std::thread plain([listener] {
    const int c = ::accept(listener, nullptr, nullptr);
    const std::string answer = "HTTP/1.0 200 OK\r\n\r\nnot tls";
    (void)!::write(c, answer.data(), answer.size());
    ::shutdown(c, SHUT_WR);
    char sink[4096];
    while (::read(c, sink, sizeof sink) > 0) {
    }
    ::close(c);
  });
  auto r = fetch("localhost", port);
  plain.join();
  ::close(listener);
  EXPECT_EQ(r.kind, FetchResult::Kind::failed);
  EXPECT_EQ(r.error.rfind("TLS handshake (", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("wrong version number"), std::string::npos) << r.error;
  EXPECT_FALSE(fs::exists(body_));
}

TEST_F(UpstreamFetch, AnUnreadableCaFileStopsTheStart) {
  UpstreamOptions o;
  o.url.host = "localhost";
  o.url.tls = true;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(UpstreamFetcher(&loop_, o), std::runtime_error);
}

}  // namespace
}  // namespace pb::prov
