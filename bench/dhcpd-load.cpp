// dhcpd-load: a lean DHCPv4 load generator for bench/dhcp.sh, posing as a relay agent as perfdhcp does.
//
// perfdhcp (one packet per system call, a timer per exchange) runs out of its core near 8,500 exchanges a
// second on the development VM, below what either server can carry; this one sends and receives in batches
// (sendmmsg/recvmmsg) so the server, not the client, is the limit. Each exchange is a 4-way DORA: a DISCOVER
// from giaddr = --local (hops 1, source port 67), the OFFER's yiaddr and server identifier echoed in a
// REQUEST, counted done at its ACK. Clients are --clients distinct MACs taken in turn, re-leasing as
// perfdhcp -R does. Open loop: --rate new exchanges a second in 1 ms bursts for --seconds, then up to 0.5 s
// for stragglers. Bounded by --seconds (<= 60) and --max; runs only inside a namespace made with
// `ip netns add`, never in the host's, so it can never reach a real network's DHCP server.
// Prints one line: started, offers, acks, naks, lost, seconds, start_per_s, dora_per_s, loss_pct.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
constexpr std::size_t kPacket = 300;  // BOOTP's 236 bytes, the cookie and our few options
constexpr std::uint8_t kDiscover = 1, kOffer = 2, kRequest = 3, kAck = 5, kNak = 6;
using Clock = std::chrono::steady_clock;

// Per exchange: where it stands and what the OFFER said.
struct Exchange {
  enum class Stage : std::uint8_t { idle, discovered, requested, done } stage = Stage::idle;
  std::uint32_t client = 0;
  std::uint32_t offered = 0;    // yiaddr of the OFFER, network order
  std::uint32_t server_id = 0;  // option 54 of the OFFER, network order
};

// True when this process runs in a namespace made with `ip netns add` (bench/dhcp.sh makes two): those are
// bind-mounted under /run/netns. The host's own namespace never is.
bool in_lab_namespace() {
  struct stat self {};
  if (stat("/proc/self/ns/net", &self) != 0) return false;
  DIR* dir = opendir("/run/netns");
  if (dir == nullptr) return false;
  bool found = false;
  while (const dirent* entry = readdir(dir)) {
    struct stat ns {};
    const std::string path = std::string("/run/netns/") + entry->d_name;
    if (entry->d_name[0] != '.' && stat(path.c_str(), &ns) == 0 && ns.st_ino == self.st_ino && ns.st_dev == self.st_dev)
      found = true;
  }
  closedir(dir);
  return found;
}

// Writes a relayed DISCOVER or REQUEST for `client` into `p`; returns its length.
std::size_t build(std::uint8_t* p, std::uint8_t type, std::uint32_t xid, std::uint32_t client, std::uint16_t run,
                  std::uint32_t giaddr, const Exchange* offer) {
  std::memset(p, 0, kPacket);
  p[0] = 1;  // BOOTREQUEST
  p[1] = 1;  // Ethernet
  p[2] = 6;
  p[3] = 1;  // hops: one relay
  std::memcpy(p + 4, &xid, 4);
  std::memcpy(p + 24, &giaddr, 4);
  const std::uint8_t mac[6] = {0x02,
                               static_cast<std::uint8_t>(run >> 8),
                               static_cast<std::uint8_t>(run),
                               static_cast<std::uint8_t>(client >> 16),
                               static_cast<std::uint8_t>(client >> 8),
                               static_cast<std::uint8_t>(client)};
  std::memcpy(p + 28, mac, 6);
  std::size_t n = 236;
  const std::uint8_t cookie[4] = {99, 130, 83, 99};
  std::memcpy(p + n, cookie, 4);
  n += 4;
  p[n++] = 53, p[n++] = 1, p[n++] = type;
  if (offer != nullptr) {
    p[n++] = 50, p[n++] = 4;
    std::memcpy(p + n, &offer->offered, 4);
    n += 4;
    p[n++] = 54, p[n++] = 4;
    std::memcpy(p + n, &offer->server_id, 4);
    n += 4;
  }
  const std::uint8_t wanted[] = {55, 7, 1, 3, 6, 15, 42, 66, 67};
  std::memcpy(p + n, wanted, sizeof wanted);
  n += sizeof wanted;
  p[n++] = 255;
  return n;
}

// Reads option 53 and option 54 of a reply; false when the datagram is not a well-formed BOOTREPLY.
bool read_reply(const std::uint8_t* p, std::size_t len, std::uint8_t& type, std::uint32_t& server_id) {
  if (len < 240 || p[0] != 2 || p[236] != 99 || p[237] != 130 || p[238] != 83 || p[239] != 99) return false;
  type = 0;
  for (std::size_t i = 240; i < len;) {
    const std::uint8_t code = p[i];
    if (code == 255) break;
    if (code == 0) {
      ++i;
      continue;
    }
    if (i + 1 >= len || i + 2 + p[i + 1] > len) return false;
    const std::uint8_t size = p[i + 1];
    if (code == 53 && size == 1) type = p[i + 2];
    if (code == 54 && size == 4) std::memcpy(&server_id, p + i + 2, 4);
    i += 2u + size;
  }
  return type != 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "10.0.0.2", local = "10.0.0.9";
  double seconds = 3, rate = 0;
  long clients = 150, max = 5000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--server")
      server = v;
    else if (k == "--local")
      local = v;
    else if (k == "--seconds")
      seconds = std::atof(v);
    else if (k == "--rate")
      rate = std::atof(v);
    else if (k == "--clients")
      clients = std::atol(v);
    else if (k == "--max")
      max = std::atol(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 64;
    }
  }
  if (rate <= 0 || seconds <= 0 || seconds > 60 || clients < 1 || clients > 0xFFFFFF || max < 1 || max > 20000000) {
    std::fprintf(stderr,
                 "usage: dhcpd-load --rate R [--seconds S<=60] [--clients N] [--max N] [--server IP] [--local IP]\n");
    return 64;
  }
  if (!in_lab_namespace()) {
    std::fprintf(stderr, "refusing to run outside a lab namespace: run it with ip netns exec\n");
    return 64;
  }
  sockaddr_in to{}, me{};
  to.sin_family = me.sin_family = AF_INET;
  to.sin_port = me.sin_port = htons(67);  // a relay talks from port 67 to port 67, and gets replies there
  if (inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1 || inet_pton(AF_INET, local.c_str(), &me.sin_addr) != 1) {
    std::fprintf(stderr, "bad --server or --local address\n");
    return 64;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int one = 1, buf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  if (bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    std::perror("bind/connect");
    return 1;
  }

  const auto run_tag = static_cast<std::uint16_t>(std::random_device{}());
  const std::uint32_t xid_base = std::random_device{}();
  std::vector<Exchange> exchanges(static_cast<std::size_t>(max));
  std::uint8_t out[kBatch][kPacket];
  iovec out_iov[kBatch];
  mmsghdr out_msg[kBatch]{};
  std::uint8_t in[kBatch][1500];
  iovec in_iov[kBatch];
  mmsghdr in_msg[kBatch]{};
  for (int i = 0; i < kBatch; ++i) {
    out_iov[i] = {out[i], 0};
    out_msg[i].msg_hdr.msg_iov = &out_iov[i];
    out_msg[i].msg_hdr.msg_iovlen = 1;
    in_iov[i] = {in[i], sizeof in[i]};
    in_msg[i].msg_hdr.msg_iov = &in_iov[i];
    in_msg[i].msg_hdr.msg_iovlen = 1;
  }

  long started = 0, offers = 0, acks = 0, naks = 0, stray = 0;
  int queued = 0;
  auto flush = [&] {
    for (int sent = 0; sent < queued;) {
      const int r = sendmmsg(fd, out_msg + sent, static_cast<unsigned>(queued - sent), 0);
      if (r <= 0) break;  // a full send buffer: those datagrams are lost, and counted so
      sent += r;
    }
    queued = 0;
  };
  auto queue = [&](std::uint8_t type, long index) {
    if (queued == kBatch) flush();
    const Exchange& e = exchanges[static_cast<std::size_t>(index)];
    out_iov[queued].iov_len = build(out[queued], type, xid_base + static_cast<std::uint32_t>(index), e.client, run_tag,
                                    me.sin_addr.s_addr, type == kRequest ? &e : nullptr);
    ++queued;
  };
  auto receive_all = [&] {
    for (;;) {
      const int r = recvmmsg(fd, in_msg, kBatch, MSG_DONTWAIT, nullptr);
      if (r <= 0) break;
      for (int i = 0; i < r; ++i) {
        const std::uint8_t* p = in[i];
        std::uint8_t type = 0;
        std::uint32_t server_id = 0, xid = 0;
        if (!read_reply(p, in_msg[i].msg_len, type, server_id)) {
          ++stray;
          continue;
        }
        std::memcpy(&xid, p + 4, 4);
        const long index = static_cast<long>(xid - xid_base);
        if (index < 0 || index >= started) {
          ++stray;
          continue;
        }
        Exchange& e = exchanges[static_cast<std::size_t>(index)];
        if (type == kOffer && e.stage == Exchange::Stage::discovered) {
          ++offers;
          std::memcpy(&e.offered, p + 16, 4);
          e.server_id = server_id != 0 ? server_id : to.sin_addr.s_addr;
          e.stage = Exchange::Stage::requested;
          queue(kRequest, index);
        } else if (type == kAck && e.stage == Exchange::Stage::requested) {
          ++acks;
          e.stage = Exchange::Stage::done;
        } else if (type == kNak && e.stage == Exchange::Stage::requested) {
          ++naks;
          e.stage = Exchange::Stage::done;
        } else {
          ++stray;
        }
      }
    }
    flush();
  };

  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  double due = 0;
  auto last = start;
  while (Clock::now() < stop && started < max) {
    const auto now = Clock::now();
    due += rate * std::chrono::duration<double>(now - last).count();
    last = now;
    // At most one batch between two receives, so our own socket never overflows while we send.
    if (due >= 1) {
      const long n = std::min<long>({static_cast<long>(due), kBatch, max - started});
      for (long i = 0; i < n; ++i) {
        Exchange& e = exchanges[static_cast<std::size_t>(started)];
        e.client = static_cast<std::uint32_t>(started % clients);
        e.stage = Exchange::Stage::discovered;
        queue(kDiscover, started++);
      }
      flush();
      due -= static_cast<double>(n);
    }
    // Fallen behind (descheduled): keep at most 2 ms of backlog rather than one burst no buffer can hold.
    due = std::min(due, rate * 0.002 + kBatch);
    receive_all();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const auto drain_end = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < drain_end && acks + naks < started) {
    pollfd pf{fd, POLLIN, 0};
    poll(&pf, 1, 10);
    receive_all();
  }
  const long lost = started - acks - naks;
  std::printf(
      "started=%ld offers=%ld acks=%ld naks=%ld stray=%ld lost=%ld seconds=%.3f start_per_s=%.0f dora_per_s=%.0f "
      "loss_pct=%.4f\n",
      started, offers, acks, naks, stray, lost, elapsed, static_cast<double>(started) / elapsed,
      static_cast<double>(acks) / elapsed,
      started ? 100.0 * static_cast<double>(lost) / static_cast<double>(started) : 0.0);
  close(fd);
  return 0;
}
