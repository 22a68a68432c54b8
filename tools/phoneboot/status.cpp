#include "tools/phoneboot/status.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "common/metrics_text.hpp"

namespace pb::tools {
namespace {

constexpr std::size_t kMaxScrape = 8 << 20;

// One scrape of 127.0.0.1:port/metrics with 2 s timeouts; the body, or nullopt when nothing answered.
std::optional<std::string> scrape(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[16384];
    ssize_t n = 0;
    while (response.size() < kMaxScrape && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || response.find(" 200 ") > body || body == std::string::npos)
    return std::nullopt;
  return response.substr(body + 4);
}

// A counter (`_total`) a daemon has not counted yet is not exported at all: that is zero. A missing gauge
// is unknown.
std::string count(const std::vector<metrics::Sample>& s, std::string_view name) {
  const auto v = metrics::sum(s, name);
  if (!v) return name.ends_with("_total") ? "0" : "?";
  return fmt::format("{:.0f}", *v);
}

// The value of `name` whose `key` label is `value`, or "?".
std::string labelled(const std::vector<metrics::Sample>& s, std::string_view name, std::string_view key,
                     std::string_view value) {
  for (const auto& x : s)
    if (x.name == name && metrics::label(x.labels, key) == value) return fmt::format("{:.0f}", x.value);
  return "?";
}

// What matters to an administrator at a glance, per service.
std::string summary(const std::string& service, const std::vector<metrics::Sample>& s) {
  if (service == "dhcpd")
    return fmt::format("leases bound {}, ACKs {}, NAKs {}, dropped {}", count(s, "dhcpd_leases_bound"),
                       labelled(s, "dhcpd_sent_total", "type", "ACK"), labelled(s, "dhcpd_sent_total", "type", "NAK"),
                       count(s, "dhcpd_drops_total"));
  if (service == "dnsd") {
    std::size_t members = 0, live = 0;
    for (const auto& x : s)
      if (x.name == "dnsd_member_up") ++members, live += x.value > 0 ? 1 : 0;
    std::string health = members == 0 ? "no health checks" : fmt::format("call servers live {} of {}", live, members);
    return fmt::format("queries {}, dropped {}, {}", count(s, "dnsd_queries_total"), count(s, "dnsd_drops_total"),
                       health);
  }
  if (service == "sntpd") {
    std::string source = "?";
    for (const auto& x : s)
      if (x.name == "sntpd_source_state" && x.value > 0) source = metrics::label(x.labels, "state").value_or("?");
    return fmt::format("stratum {}, source {}, replies {}", count(s, "sntpd_stratum"), source,
                       count(s, "sntpd_replies_total"));
  }
  std::string line = fmt::format("requests {}, open {}, uploaded bytes {}", count(s, "provisiond_requests_total"),
                                 count(s, "provisiond_active"), count(s, "provisiond_received_bytes_total"));
  // The caching proxy, when there is one: how much the upstream was asked, and how often it failed.
  const bool proxy = std::any_of(s.begin(), s.end(), [](const auto& x) { return x.name == "provisiond_proxy_total"; });
  if (proxy) {
    const auto n = [&](std::string_view result) { return labelled(s, "provisiond_proxy_total", "result", result); };
    line += fmt::format(", proxy fetched {}, unchanged {}, kept served {}, upstream failures {}", n("fetched"),
                        n("not-modified"), n("stale"), n("failed"));
  }
  return line;
}

}  // namespace

int print_status(const config::Model& model) {
  struct Entry {
    const char* name;
    const config::ServiceCommon& common;
  };
  const Entry entries[] = {{"dhcpd", model.dhcpd.common},
                           {"dnsd", model.dnsd.common},
                           {"sntpd", model.sntpd.common},
                           {"provisiond", model.provisiond.common}};
  int rc = 0;
  for (const auto& e : entries) {
    std::string line;
    if (!e.common.enabled) {
      line = "disabled";
    } else if (e.common.metrics_port == 0) {
      line = "unknown   metrics_port = 0: nothing to ask";
    } else if (auto body = scrape(e.common.metrics_port)) {
      line = "up        " + summary(e.name, metrics::parse_text(*body));
    } else {
      line = fmt::format("down      nothing answers on 127.0.0.1:{}", e.common.metrics_port);
      rc = 3;
    }
    std::printf("%-11s %s\n", e.name, line.c_str());
  }
  return rc;
}

}  // namespace pb::tools
