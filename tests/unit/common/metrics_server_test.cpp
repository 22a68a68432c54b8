#include "common/metrics_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace pb::metrics {
namespace {

// A loopback port nobody holds right now (bound with port 0, then released).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// Runs the loop until `done` or a deadline; the test fails rather than hangs.
template <class Done>
void run_until(uv_loop_t* loop, Done done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < end) {
    uv_run(loop, UV_RUN_NOWAIT);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(done());
}

TEST(MetricsServer, AnswersAScrapeAndClosesIt) {
  uv::Loop loop;
  Registry registry;
  registry.counter("pb_test_total", "a test counter").inc(7);
  Server server(loop.get(), registry, free_port());
  const int fd = connect_to(server.port());
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  // Read until the server closes: the whole answer, then EOF.
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string reply;
  bool eof = false;
  run_until(loop.get(), [&] {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
    eof = n == 0;
    return eof;
  });
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("pb_test_total 7\n"), std::string::npos) << reply;
  ::close(fd);
}

// A client that connects and never sends must not keep a stopping daemon's loop alive: destroying the
// server closes its connection, and the loop then has nothing left to run.
TEST(MetricsServer, SilentClientIsClosedWithTheServer) {
  uv::Loop loop;
  Registry registry;
  auto server = std::make_unique<Server>(loop.get(), registry, free_port());
  const int fd = connect_to(server->port());
  run_until(loop.get(), [&] { return server->connections() == 1; });
  server.reset();
  const auto start = std::chrono::steady_clock::now();
  uv_run(loop.get(), UV_RUN_DEFAULT);  // returns only when no handle is left
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  char byte;
  EXPECT_EQ(::read(fd, &byte, 1), 0);  // the server side is closed
  ::close(fd);
}

}  // namespace
}  // namespace pb::metrics
