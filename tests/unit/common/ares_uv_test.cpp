// c-ares on the libuv loop: names resolved through a fake DNS server on loopback driven by the same loop,
// timeouts that fire with no socket event, sockets released when idle.
#include "common/ares_uv.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <optional>

#include "common/udp.hpp"
#include "common/wire.hpp"

namespace pb::ares {
namespace {

// Answers every A query with 192.0.2.7 (or stays silent), on the loop under test.
class FakeDns {
 public:
  FakeDns(uv_loop_t* loop, bool answer)
      : socket_(udp::Options{.address = "127.0.0.1"}),
        answer_(answer),
        watcher_(loop, socket_.fd(), [this] { serve(); }) {}
  std::string server() const { return "127.0.0.1:" + std::to_string(socket_.local_port()); }
  int queries = 0;

 private:
  void serve() {
    std::array<std::uint8_t, 512> in{};
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    const ssize_t n = ::recvfrom(socket_.fd(), in.data(), in.size(), 0, reinterpret_cast<sockaddr*>(&peer), &len);
    if (n < 12) return;
    ++queries;
    if (!answer_) return;
    std::array<std::uint8_t, 512> out{};
    WireWriter w(out);
    w.bytes(std::span(in).first(2));                                       // ID copied
    w.u16(0x8180);                                                         // QR, RD, RA, NOERROR
    w.u16(1);                                                              // QDCOUNT
    w.u16(1);                                                              // ANCOUNT
    w.u16(0);                                                              // NSCOUNT
    w.u16(0);                                                              // ARCOUNT
    w.bytes(std::span(in).subspan(12, static_cast<std::size_t>(n) - 12));  // the question as asked
    w.u16(0xC00C);                                                         // name: pointer to the question's
    w.u16(1);                                                              // TYPE A
    w.u16(1);                                                              // CLASS IN
    w.u32(60);                                                             // TTL
    w.u16(4);                                                              // RDLENGTH
    w.u32(0xC0000207);                                                     // 192.0.2.7
    ::sendto(socket_.fd(), out.data(), w.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
  }

  udp::Socket socket_;
  bool answer_;
  udp::Watcher watcher_;
};

TEST(AresUv, ResolvesThroughServerOnSameLoop) {
  uv::Loop loop;
  {
    FakeDns dns(loop.get(), true);
    Resolver resolver(loop.get(), Options{.servers = {dns.server()}, .lookups = "b"});
    std::optional<Ipv4Answer> got;
    resolver.resolve_ipv4("time.phoneboot.test", [&](const Ipv4Answer& a) {
      got = a;
      uv_stop(loop.get());
    });
    EXPECT_GE(resolver.watched_sockets(), 1u);  // the query's socket is under a uv_poll_t
    uv_run(loop.get(), UV_RUN_DEFAULT);
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->ok()) << got->message();
    ASSERT_EQ(got->addresses.size(), 1u);
    EXPECT_EQ(got->addresses[0].str(), "192.0.2.7");
    EXPECT_EQ(dns.queries, 1);
  }
}

TEST(AresUv, TimeoutFiresWithoutSocketEvent) {
  uv::Loop loop;
  {
    FakeDns dns(loop.get(), false);
    Resolver resolver(
        loop.get(),
        Options{.servers = {dns.server()}, .lookups = "b", .timeout = std::chrono::milliseconds(100), .tries = 2});
    std::optional<Ipv4Answer> got;
    const auto start = uv_now(loop.get());
    resolver.resolve_ipv4("silent.phoneboot.test", [&](const Ipv4Answer& a) {
      got = a;
      uv_stop(loop.get());
    });
    uv_run(loop.get(), UV_RUN_DEFAULT);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, ARES_ETIMEOUT) << got->message();
    EXPECT_EQ(dns.queries, 2);  // the retry was driven by the timer alone
    EXPECT_LT(uv_now(loop.get()) - start, 2000u);
  }
}

TEST(AresUv, AddressNeedsNoServerAndRunsAtOnce) {
  uv::Loop loop;
  Resolver resolver(loop.get(), Options{.servers = {"127.0.0.1:9"}, .lookups = "b"});
  std::optional<Ipv4Answer> got;
  resolver.resolve_ipv4("10.1.2.3", [&](const Ipv4Answer& a) { got = a; });
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->ok());
  EXPECT_EQ(got->addresses[0].str(), "10.1.2.3");
}

TEST(AresUv, DestructionRunsPendingCallbacksAndReleasesSockets) {
  uv::Loop loop;
  std::optional<Ipv4Answer> got;
  {
    FakeDns dns(loop.get(), false);
    Resolver resolver(loop.get(), Options{.servers = {dns.server()}, .lookups = "b"});
    resolver.resolve_ipv4("pending.phoneboot.test", [&](const Ipv4Answer& a) { got = a; });
    uv_run(loop.get(), UV_RUN_NOWAIT);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, ARES_EDESTRUCTION);
  // uv::Loop's destructor runs the close callbacks: leak checkers see every poll handle freed.
}

TEST(AresUv, CancelRunsCallbacksWithCancelled) {
  uv::Loop loop;
  FakeDns dns(loop.get(), false);
  Resolver resolver(loop.get(), Options{.servers = {dns.server()}, .lookups = "b"});
  std::optional<Ipv4Answer> got;
  resolver.resolve_ipv4("cancel.phoneboot.test", [&](const Ipv4Answer& a) { got = a; });
  resolver.cancel();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, ARES_ECANCELLED);
}

TEST(AresUv, InvalidServerIsRefusedAtStart) {
  uv::Loop loop;
  EXPECT_THROW(Resolver(loop.get(), Options{.servers = {"not an address"}}), std::runtime_error);
}

}  // namespace
}  // namespace pb::ares
