// The client side's pure part: four timestamps -> offset, delay, and which replies are not worth a sample.
// Then Upstreams on a loop against a fake upstream on loopback (port 0), answering when the test says.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <functional>

#include "sntpd/system_clock.hpp"
#include "sntpd/timestamp.hpp"
#include "sntpd/upstream.hpp"

namespace pb::ntp {
namespace {

Packet reply_at(std::uint64_t t2, std::uint64_t t3) {
  Packet p;
  p.version = 4;
  p.mode = Mode::server;
  p.stratum = 2;
  p.precision = -20;
  p.root_delay = to_short(0.010);
  p.root_dispersion = to_short(0.020);
  p.receive = t2;
  p.transmit = t3;
  return p;
}

TEST(Measure, OffsetAndDelayFromFourTimestamps) {
  // Upstream 0.5 s ahead; 20 ms each way; 1 ms in the upstream.
  const std::uint64_t t1 = to_ntp(1700000000, 0);
  const std::uint64_t t2 = add_seconds(t1, 0.5 + 0.020);
  const std::uint64_t t3 = add_seconds(t2, 0.001);
  const std::uint64_t t4 = add_seconds(t1, 0.041);
  auto s = measure(reply_at(t2, t3), t1, t4, -20, 100);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset, 0.5, 1e-6);
  EXPECT_NEAR(s->delay, 0.040, 1e-6);
  EXPECT_EQ(s->stratum, 2);
  EXPECT_NEAR(s->root_dispersion, 0.020, 1e-4);
  EXPECT_DOUBLE_EQ(s->time, 100);
}

TEST(Measure, WorksAcrossThe2036Rollover) {
  const std::uint64_t t1 = to_ntp(2085978496 - 1, 500000000);  // half a second before era 1
  const std::uint64_t t2 = add_seconds(t1, 1.0);               // upstream 1 s ahead, already in era 1
  const std::uint64_t t3 = t2;
  const std::uint64_t t4 = t1;
  auto s = measure(reply_at(t2, t3), t1, t4, -20, 0);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset, 1.0, 1e-6);
}

TEST(Measure, RefusesUnsynchronisedKissAndFarServers) {
  const std::uint64_t t1 = to_ntp(1700000000, 0);
  auto p = reply_at(t1, t1);
  p.leap = 3;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.stratum = 0;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p.stratum = 16;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(0, t1);
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.root_dispersion = to_short(2.0);  // beyond the 1.5 s clients accept
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
  p = reply_at(t1, t1);
  p.mode = Mode::client;
  EXPECT_FALSE(measure(p, t1, t1, -20, 0));
}

// Receives requests on 127.0.0.1 and answers the last one, only when asked to.
class FakeUpstream {
 public:
  std::uint16_t port() const { return socket_.local_port(); }
  bool receive() {
    std::array<std::uint8_t, 128> in{};
    socklen_t len = sizeof from_;
    const ssize_t n =
        ::recvfrom(socket_.fd(), in.data(), in.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from_), &len);
    if (n < static_cast<ssize_t>(kHeaderSize)) return false;
    auto request = parse(std::span(in).first(static_cast<std::size_t>(n)));
    if (!request) return false;
    origin_ = request->transmit;
    return true;
  }
  void answer() {
    Packet p = reply_at(to_ntp(realtime()), to_ntp(realtime()));
    p.origin = origin_;
    std::array<std::uint8_t, kHeaderSize> out{};
    write(p, out);
    ::sendto(socket_.fd(), out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&from_), sizeof from_);
  }

 private:
  udp::Socket socket_{udp::Options{.address = "127.0.0.1"}};
  sockaddr_in from_{};
  std::uint64_t origin_ = 0;
};

// Runs the loop until `done`, at most 5 s.
bool run_until(uv_loop_t* loop, const std::function<bool()>& done) {
  const double end = monotonic() + 5;
  while (!done()) {
    if (monotonic() > end) return false;
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  return true;
}

// The clock was stepped while a request was in flight: its send time is on the old clock, so its reply would
// measure the step itself. It counts for reachability only; the next exchange gives a sample again.
TEST(Upstreams, ReplyToARequestSentBeforeAStepGivesNoSample) {
  uv::Loop loop;
  metrics::Registry registry;
  FakeUpstream upstream;
  int changes = 0;
  Upstreams u(loop.get(), {config::UpstreamSpec{.host = "127.0.0.1", .port = upstream.port(), .is_address = true}}, 0,
              -20, registry, [&] { ++changes; });
  ASSERT_TRUE(run_until(loop.get(), [&] { return upstream.receive(); })) << "the first iburst request";
  u.clear_samples();  // what the service does after a step
  upstream.answer();
  ASSERT_TRUE(run_until(loop.get(), [&] { return upstream.receive(); })) << "the next request, 1 s later (poll 0)";
  EXPECT_EQ(changes, 0) << "the reply gave no sample";
  EXPECT_FALSE(u.select(monotonic()));
  EXPECT_TRUE(u.any_reachable()) << "but the upstream did answer";
  upstream.answer();
  ASSERT_TRUE(run_until(loop.get(), [&] { return changes == 1; })) << "a request sent after the step";
  auto selected = u.select(monotonic());
  ASSERT_TRUE(selected);
  EXPECT_NEAR(selected->latest.offset, 0, 0.1);
}

}  // namespace
}  // namespace pb::ntp
