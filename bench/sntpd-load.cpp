// sntpd-load: a bounded NTP load generator for bench/ntp.sh (loopback or a namespace only).
//
// Sends mode-3 requests from one socket with sendmmsg and counts valid replies with recvmmsg: mode 4, LI not
// 3, stratum 1-15, origin equal to a transmit timestamp we sent in this run (the run's random tag in the
// high 32 bits, a sequence number below it). Two ways to run, both bounded by --seconds and --max:
//   --window W  closed loop: keep at most W requests outstanding (capacity: replies/s with no overflow)
//   --rate R    open loop: R requests/s in 1 ms bursts (loss at a given rate)
// Prints one line: key=value pairs (sent, valid, invalid, lost, seconds, replies_per_s, loss_pct).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kBatch = 64;
using Clock = std::chrono::steady_clock;

std::uint64_t be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void put64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1";
  int port = 123;
  double seconds = 5, rate = 0;
  long window = 0, max = 50000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--server")
      server = v;
    else if (k == "--port")
      port = std::atoi(v);
    else if (k == "--seconds")
      seconds = std::atof(v);
    else if (k == "--rate")
      rate = std::atof(v);
    else if (k == "--window")
      window = std::atol(v);
    else if (k == "--max")
      max = std::atol(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 64;
    }
  }
  if ((rate <= 0) == (window <= 0) || seconds <= 0 || seconds > 120) {
    std::fprintf(stderr, "usage: sntpd-load --port N (--rate R | --window W) [--seconds S<=120] [--max N]\n");
    return 64;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1 || (ntohl(to.sin_addr.s_addr) >> 24) != 127) {
    std::fprintf(stderr, "refusing %s: loopback (127.0.0.0/8) only\n", server.c_str());
    return 64;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);

  // Connected: the kernel skips the route lookup on every send, so the generator (which pays for delivering
  // each request on loopback) is less often the bottleneck; only the server's replies get through.
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    std::perror("connect");
    return 1;
  }
  const std::uint64_t tag = std::uint64_t{std::random_device{}()} << 32;
  std::uint8_t out[kBatch][48]{};
  iovec out_iov[kBatch];
  mmsghdr out_msg[kBatch]{};
  for (int i = 0; i < kBatch; ++i) {
    out[i][0] = 0x23;  // LI 0, VN 4, mode 3
    out[i][2] = 6;
    out_iov[i] = {out[i], 48};
    out_msg[i].msg_hdr.msg_iov = &out_iov[i];
    out_msg[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint8_t in[kBatch][128];
  iovec in_iov[kBatch];
  mmsghdr in_msg[kBatch]{};
  for (int i = 0; i < kBatch; ++i) {
    in_iov[i] = {in[i], sizeof in[i]};
    in_msg[i].msg_hdr.msg_iov = &in_iov[i];
    in_msg[i].msg_hdr.msg_iovlen = 1;
  }

  long sent = 0, valid = 0, invalid = 0, abandoned = 0;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  auto send_some = [&](long n) {
    while (n > 0 && sent < max) {
      const int k = static_cast<int>(std::min<long>({n, kBatch, max - sent}));
      for (int i = 0; i < k; ++i) put64(out[i] + 40, tag | static_cast<std::uint64_t>(sent + i));
      const int r = sendmmsg(fd, out_msg, static_cast<unsigned>(k), 0);
      if (r <= 0) return;
      sent += r;
      n -= r;
    }
  };
  auto receive_all = [&] {
    for (;;) {
      const int r = recvmmsg(fd, in_msg, kBatch, MSG_DONTWAIT, nullptr);
      if (r <= 0) return;
      for (int i = 0; i < r; ++i) {
        const std::uint8_t* p = in[i];
        const std::uint64_t origin = be64(p + 24);
        const bool ok = in_msg[i].msg_len >= 48 && (p[0] & 7) == 4 && (p[0] >> 6) != 3 && p[1] >= 1 && p[1] <= 15 &&
                        (origin & 0xffffffff00000000u) == tag && static_cast<long>(origin & 0xffffffffu) < sent;
        ok ? ++valid : ++invalid;
      }
    }
  };

  if (window > 0) {
    while (Clock::now() < stop && sent < max) {
      const long outstanding = sent - valid - invalid - abandoned;
      if (outstanding < window) send_some(std::min<long>(window - outstanding, kBatch));
      receive_all();
      // A lost reply would hold a window slot forever: after a 20 ms stall, give the slots up (still lost).
      if (sent - valid - invalid - abandoned >= window) {
        pollfd pf{fd, POLLIN, 0};
        if (poll(&pf, 1, 20) == 0) abandoned = sent - valid - invalid;
      }
    }
  } else {
    double due = 0;
    auto last = start;
    while (Clock::now() < stop && sent < max) {
      const auto now = Clock::now();
      due += rate * std::chrono::duration<double>(now - last).count();
      last = now;
      // At most one batch between two receives, so our own socket never overflows while we send.
      if (due >= 1) {
        const long before = sent;
        send_some(std::min<long>(static_cast<long>(due), kBatch));
        due -= static_cast<double>(sent - before);
      }
      // A generator that fell behind (descheduled) must not catch up with one burst larger than any socket
      // buffer: keep at most 2 ms of backlog; the rate achieved is printed as send_per_s.
      due = std::min(due, rate * 0.002 + kBatch);
      receive_all();
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  // Late replies: wait up to 200 ms for the stragglers.
  const auto drain_end = Clock::now() + std::chrono::milliseconds(200);
  while (Clock::now() < drain_end && valid + invalid < sent) {
    pollfd pf{fd, POLLIN, 0};
    poll(&pf, 1, 10);
    receive_all();
  }
  const long lost = sent - valid - invalid;
  std::printf("sent=%ld valid=%ld invalid=%ld lost=%ld seconds=%.3f send_per_s=%.0f replies_per_s=%.0f loss_pct=%.4f\n",
              sent, valid, invalid, lost, elapsed, static_cast<double>(sent) / elapsed,
              static_cast<double>(valid) / elapsed,
              sent ? 100.0 * static_cast<double>(lost) / static_cast<double>(sent) : 0.0);
  close(fd);
  return 0;
}
