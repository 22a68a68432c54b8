#include "common/udp.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace pb::udp {
namespace {

TEST(Udp, BatchRoundTripOnLoopbackWithPacketInfoAndTimestamp) {
  Socket server({.address = "127.0.0.1", .port = 0, .packet_info = true, .timestamps = true});
  Socket client({.address = "127.0.0.1", .port = 0});
  const sockaddr_in to = make_address(INADDR_LOOPBACK, server.local_port());

  SendBatch out(4, 64);
  for (int i = 0; i < 3; ++i) {
    auto buf = out.next();
    buf[0] = static_cast<std::uint8_t>('a' + i);
    out.commit(1, to);
  }
  EXPECT_EQ(out.flush(client.fd()), 3u);

  ReceiveBatch in(8, 64);
  std::size_t got = 0;
  for (int tries = 0; tries < 100 && got < 3; ++tries) {
    const std::size_t n = in.receive(server.fd());
    for (std::size_t i = 0; i < n; ++i) {
      Datagram d = in.at(i);
      ASSERT_EQ(d.data.size(), 1u);
      EXPECT_EQ(d.data[0], 'a' + got);
      EXPECT_EQ(ntohs(d.peer.sin_port), client.local_port());
      EXPECT_EQ(ntohl(d.local.s_addr), INADDR_LOOPBACK) << "IP_PKTINFO gives the destination address";
      EXPECT_GT(d.ifindex, 0);
      EXPECT_TRUE(d.has_timestamp) << "SO_TIMESTAMPNS gives the kernel receive time";
      ++got;
    }
    if (n == 0) usleep(1000);
  }
  EXPECT_EQ(got, 3u);
}

TEST(Udp, OversizedDatagramIsCutToTheBuffer) {
  Socket server({.address = "127.0.0.1"});
  Socket client({.address = "127.0.0.1"});
  const sockaddr_in to = make_address(INADDR_LOOPBACK, server.local_port());
  char big[100];
  std::memset(big, 'x', sizeof big);
  ASSERT_EQ(::sendto(client.fd(), big, sizeof big, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 100);
  ReceiveBatch in(1, 16);
  std::size_t n = 0;
  for (int tries = 0; tries < 100 && n == 0; ++tries) {
    n = in.receive(server.fd());
    if (n == 0) usleep(1000);
  }
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(in.at(0).data.size(), 16u);
}

TEST(Udp, SecondSocketOnTheSamePortFailsLoudly) {
  Socket first({.address = "127.0.0.1"});
  EXPECT_THROW(Socket({.address = "127.0.0.1", .port = first.local_port()}), std::runtime_error)
      << "a stray second daemon must not share the port";
}

TEST(Udp, BindFailureThrowsWithReason) { EXPECT_THROW(Socket({.address = "not-an-address"}), std::runtime_error); }

}  // namespace
}  // namespace pb::udp
