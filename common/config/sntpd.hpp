#pragma once
// The [sntpd] section (or sntpd.toml): keys of phoneboot-sntpd. Owned by the sntpd service.
//
// With no section at all the appliance serves its own clock at `local_stratum` on the site address, port
// 123: phones on an isolated voice VLAN still get a time they accept (DESIGN.md, reference dns-ntp.md 15).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"
#include "common/net.hpp"

namespace pb::config {

class Reporter;
struct Model;

std::string check_step_threshold(const double& seconds);

struct SntpdSection {
  ServiceCommon common{.metrics_port = 9123};
  std::uint16_t port = 123;
  std::optional<Ipv4Address> address;  // absent: the appliance's address from [site]
  // "host", "host:port", "a.b.c.d" or "a.b.c.d:port"; names are resolved with c-ares at start and reload.
  std::vector<std::string> upstream;
  std::int64_t poll = 6;             // log2 seconds between polls of an upstream once synchronised (64 s)
  bool local = true;                 // serve the host clock when no upstream is (or was recently) good
  std::int64_t local_stratum = 10;   // chrony's default; clients drop 15 and above (ntpsec sys_ceiling)
  std::int64_t holdover = 14400;     // seconds to keep the last upstream stratum after every upstream is lost
  bool kernel_sync = true;           // when no upstream is good, follow the kernel's sync state (another daemon's)
  std::int64_t kernel_stratum = 10;  // announced meanwhile: adjtimex does not tell the other daemon's stratum
  bool discipline = false;           // slew the system clock (needs CAP_SYS_TIME) instead of correcting replies
  double step_threshold = 1.0;       // seconds; a larger offset at start is stepped, never later
  std::int64_t rate_limit = 16;      // requests per second per client address, sustained; 0 turns it off
  std::int64_t rate_burst = 64;      // requests a client may send at once above the sustained rate
  bool kod = false;                  // answer rate-limited clients with a KoD RATE packet instead of silence
  bool operator==(const SntpdSection&) const = default;
};

template <class V>
void describe(V& v, SntpdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "NTP server port", .min = 1});
  v.field("address", s.address, Key{.doc = "IPv4 address to serve on; default the [site] address"});
  v.field("upstream", s.upstream,
          Key{.doc = "NTP servers to synchronise from: \"name\", \"name:port\", \"a.b.c.d\" or \"a.b.c.d:port\""});
  v.field("poll", s.poll, Key{.doc = "log2 of the upstream poll interval in seconds (6 = 64 s)", .min = 0, .max = 17});
  v.field("local", s.local, Key{.doc = "serve the host clock at local_stratum when no upstream is good"});
  v.field("local_stratum", s.local_stratum,
          Key{.doc = "stratum announced for the host clock (clients drop 15 and above)", .min = 1, .max = 14});
  v.field("holdover", s.holdover,
          Key{.doc = "seconds to keep serving the last upstream stratum after every upstream is lost",
              .min = 0,
              .max = 100000});
  v.field("kernel_sync", s.kernel_sync,
          Key{.doc = "when no upstream is good and the kernel clock is synchronised by another daemon, serve it "
                     "with the kernel's maximum error as dispersion"});
  v.field("kernel_stratum", s.kernel_stratum,
          Key{.doc = "stratum announced while serving the kernel clock another daemon keeps (adjtimex does not tell "
                     "that daemon's own stratum)",
              .min = 1,
              .max = 14});
  v.field("discipline", s.discipline, Key{.doc = "slew the system clock to the upstream (needs CAP_SYS_TIME)"});
  v.field("step_threshold", s.step_threshold,
          Key{.doc = "seconds; a larger offset found at start is stepped, smaller ones are slewed"},
          check_step_threshold);
  v.field("rate_limit", s.rate_limit,
          Key{.doc = "sustained requests per second allowed per client address; 0 turns limiting off",
              .min = 0,
              .max = 1000000});
  v.field("rate_burst", s.rate_burst, Key{.doc = "requests a client may send at once", .min = 1, .max = 1000000});
  v.field("kod", s.kod, Key{.doc = "answer rate-limited clients with a KoD RATE packet instead of silence"});
}

// One upstream entry split into host and port; nullopt when the text is neither a name nor an address.
struct UpstreamSpec {
  std::string host;
  std::uint16_t port = 123;
  bool is_address = false;
};
std::optional<UpstreamSpec> parse_upstream(const std::string& text);

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_sntpd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_sntpd(const Model& model);
// The address sntpd binds: `address`, or the appliance's address from [site].
Ipv4Address sntpd_bind_address(const Model& model);

}  // namespace pb::config
