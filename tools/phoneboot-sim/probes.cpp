#include "tools/phoneboot-sim/probes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "dnsd/message.hpp"

namespace pb::sim {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in address_of(Ipv4Address a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a.value);
  return s;
}

// A socket of `type` bound to `source` (port chosen by the kernel); -1 on failure.
int bound_socket(int type, Ipv4Address source) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in me = address_of(source, 0);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&me), sizeof me) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits until `fd` is readable or the deadline passes.
bool wait_readable(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

ProbeResult failed(std::string why) {
  ProbeResult r;
  r.detail = std::move(why);
  return r;
}

std::vector<std::string> lines_of(const std::string& body) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < body.size() && out.size() < 1000) {
    auto end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<ServerUrl> parse_server_url(const std::string& text) {
  ServerUrl u;
  std::string rest = text;
  while (!rest.empty() && (rest.back() == '\0' || rest.back() == ' ')) rest.pop_back();
  if (auto p = rest.find("://"); p != std::string::npos) {
    u.scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
    u.port = u.scheme == "http" ? 80 : u.scheme == "https" ? 443 : u.scheme == "ftp" ? 21 : 69;
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    const std::string digits = authority.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    const int port = std::stoi(digits);
    if (port < 1 || port > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return std::nullopt;
  u.host = authority;
  return u;
}

ProbeResult dns_query(Ipv4Address source, Ipv4Address server, const std::string& name, std::uint16_t qtype,
                      int timeout_ms) {
  Fd s{bound_socket(SOCK_DGRAM, source)};
  if (s.fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
  const auto id = static_cast<std::uint16_t>(std::random_device{}());
  const auto query = dns::make_query(name, qtype, id);
  const sockaddr_in to = address_of(server, 53);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (::sendto(s.fd, query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    return failed(std::string("send: ") + std::strerror(errno));
  std::uint8_t buf[4096];
  while (wait_readable(s.fd, deadline)) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    auto m = dns::parse_message({buf, static_cast<std::size_t>(n)});
    if (!m || m->id != id) continue;  // not ours: a real phone ignores it too
    ProbeResult r;
    r.status = m->rcode();
    for (const auto& a : m->answer)
      if (a.type == qtype) r.records.push_back(a.data);
    r.ok = r.status == 0 && !r.records.empty();
    static const char* const kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    if (r.ok) {
      for (const auto& rec : r.records) r.detail += (r.detail.empty() ? "" : ", ") + rec;
    } else {
      r.detail = r.status < 6 ? kRcodes[r.status] : "rcode " + std::to_string(r.status);
      if (r.status == 0) r.detail += " with no answer (NODATA)";
    }
    return r;
  }
  return failed("no answer from " + server.str() + " in " + std::to_string(timeout_ms) + " ms");
}

ProbeResult sntp_query(Ipv4Address source, Ipv4Address server, int timeout_ms) {
  Fd s{bound_socket(SOCK_DGRAM, source)};
  if (s.fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
  constexpr std::uint64_t kEpochOffset = 2208988800u;  // 1900 to 1970
  auto ntp_now = [] {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return ((static_cast<std::uint64_t>(t.tv_sec) + kEpochOffset) << 32) |
           ((static_cast<std::uint64_t>(t.tv_nsec) << 32) / 1000000000u);
  };
  auto to_seconds = [](std::uint64_t ts) {
    return static_cast<double>(ts >> 32) + static_cast<double>(ts & 0xffffffffu) / 4294967296.0;
  };
  auto read64 = [](const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
  };
  std::uint8_t req[48] = {0x23};  // LI 0, version 4, mode 3 (client)
  const std::uint64_t t1 = ntp_now();
  for (int i = 0; i < 8; ++i) req[40 + i] = static_cast<std::uint8_t>(t1 >> (56 - 8 * i));
  const sockaddr_in to = address_of(server, 123);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (::sendto(s.fd, req, sizeof req, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    return failed(std::string("send: ") + std::strerror(errno));
  std::uint8_t buf[512];
  while (wait_readable(s.fd, deadline)) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    const std::uint64_t t4 = ntp_now();
    if (n < 48 || (buf[0] & 7) != 4 || read64(buf + 24) != t1) continue;  // mode 4 answering our request
    const int leap = buf[0] >> 6, stratum = buf[1];
    if (leap == 3 || stratum == 0 || stratum > 15) {
      char why[64];
      std::snprintf(why, sizeof why, "unsynchronised server (leap %d, stratum %d)", leap, stratum);
      return failed(why);
    }
    const double offset =
        ((to_seconds(read64(buf + 32)) - to_seconds(t1)) + (to_seconds(read64(buf + 40)) - to_seconds(t4))) / 2;
    ProbeResult r;
    r.ok = true;
    r.status = stratum;
    char text[96];
    std::snprintf(text, sizeof text, "stratum %d, offset %+.1f ms", stratum, offset * 1000);
    r.detail = text;
    return r;
  }
  return failed("no answer from " + server.str() + " in " + std::to_string(timeout_ms) + " ms");
}

ProbeResult http_get(Ipv4Address source, Ipv4Address server, std::uint16_t port, const std::string& host,
                     const std::string& path, int timeout_ms, std::uint64_t range_bytes) {
  Fd s{bound_socket(SOCK_STREAM, source)};
  if (s.fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
  const timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const sockaddr_in to = address_of(server, port);
  if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    return failed("connect to " + server.str() + ":" + std::to_string(port) + ": " + std::strerror(errno));
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: phoneboot-sim\r\n";
  if (range_bytes > 0) request += "Range: bytes=0-" + std::to_string(range_bytes - 1) + "\r\n";
  request += "Connection: close\r\n\r\n";
  if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return failed(std::string("send: ") + std::strerror(errno));
  std::string response;
  char buf[16384];
  ssize_t n = 0;
  while ((n = ::recv(s.fd, buf, sizeof buf, 0)) > 0 && response.size() < (64u << 20))
    response.append(buf, static_cast<std::size_t>(n));
  const auto head_end = response.find("\r\n\r\n");
  int status = 0;
  if (head_end == std::string::npos || std::sscanf(response.c_str(), "HTTP/1.%*d %d", &status) != 1)
    return failed(n < 0 ? std::string("no answer: ") + std::strerror(errno) : "no HTTP answer");
  ProbeResult r;
  r.status = status;
  r.ok = status == 200 || status == 206;
  const std::string body = response.substr(head_end + 4);
  r.bytes = body.size();
  if (r.ok) {
    r.records = lines_of(body);
    r.detail = std::to_string(status) + ", " + std::to_string(body.size()) + " bytes";
  } else {
    r.detail = std::to_string(status);
  }
  return r;
}

ProbeResult tftp_get(Ipv4Address source, Ipv4Address server, const std::string& file, int timeout_ms,
                     std::uint16_t port) {
  Fd s{bound_socket(SOCK_DGRAM, source)};
  if (s.fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
  std::string rrq("\0\1", 2);
  rrq += file;
  rrq += '\0';
  rrq += "octet";
  rrq += '\0';
  sockaddr_in to = address_of(server, port);
  if (::sendto(s.fd, rrq.data(), rrq.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    return failed(std::string("send: ") + std::strerror(errno));
  std::string body;
  std::uint16_t expected = 1;
  bool have_tid = false;
  std::uint8_t buf[600];
  for (;;) {
    // Lock-step, 512-byte blocks: the oldest phones' way, and every server's fallback.
    if (!wait_readable(s.fd, Clock::now() + std::chrono::milliseconds(timeout_ms)))
      return failed("no DATA " + std::to_string(expected) + " from " + server.str() + " in " +
                    std::to_string(timeout_ms) + " ms");
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(s.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 4 || from.sin_addr.s_addr != to.sin_addr.s_addr) continue;
    if (have_tid && from.sin_port != to.sin_port) continue;  // another transfer's packet (RFC 1350 TIDs)
    const int opcode = (buf[0] << 8) | buf[1];
    const int block = (buf[2] << 8) | buf[3];
    if (opcode == 5) {
      ProbeResult r;
      r.status = block;  // the error code
      r.detail = "TFTP error " + std::to_string(block) + " (" +
                 std::string(reinterpret_cast<const char*>(buf + 4),
                             strnlen(reinterpret_cast<const char*>(buf + 4), static_cast<std::size_t>(n - 4))) +
                 ")";
      return r;
    }
    if (opcode != 3) continue;
    to.sin_port = from.sin_port;
    have_tid = true;
    if (block == expected) {
      body.append(reinterpret_cast<const char*>(buf + 4), static_cast<std::size_t>(n - 4));
      ++expected;
    }
    const std::uint8_t ack[4] = {0, 4, buf[2], buf[3]};
    ::sendto(s.fd, ack, sizeof ack, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (block == static_cast<std::uint16_t>(expected - 1) && n - 4 < 512) break;
    if (body.size() > (64u << 20)) return failed("over 64 MiB");
  }
  ProbeResult r;
  r.ok = true;
  r.bytes = body.size();
  r.records = lines_of(body);
  r.detail = std::to_string(body.size()) + " bytes";
  return r;
}

}  // namespace pb::sim
