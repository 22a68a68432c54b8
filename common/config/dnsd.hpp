#pragma once
// The [dnsd] section (or dnsd.toml): keys of phoneboot-dnsd. Owned by the dnsd service.
//
// With no section at all the site alone gives a working zone: SOA, NS, the appliance's A, each call server's
// A and PTR, `provision` with every call server's address and the _sip._udp/_sip._tcp/_sips._tcp SRV RRsets.
// Everything here adds to that (records, zone files) or tunes how it is served.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"
#include "common/config/site.hpp"
#include "common/net.hpp"

namespace pb::config {

class Reporter;
struct Model;

std::string check_dns_record_type(const std::string& type);
std::string check_health_check_kind(const std::string& kind);

// One record written in TOML: `name` relative to the site domain ("@" is the apex, a trailing dot makes it
// absolute), `data` in RFC 1035 presentation form ("10 0 8060 vm40ic1" for SRV).
struct DnsRecord {
  std::string name;
  std::string type;
  std::string data;
  std::optional<std::uint32_t> ttl;  // unset: dnsd.ttl
  std::optional<bool> ptr;           // A records only; unset: dnsd.reverse_ptr
  bool operator==(const DnsRecord&) const = default;
};

template <class V>
void describe(V& v, DnsRecord& r) {
  v.field("name", r.name,
          Key{.doc = "owner, relative to the site domain; \"@\" is the apex; a trailing dot is absolute",
              .required = true});
  v.field("type", r.type, Key{.doc = "A, AAAA, CNAME, PTR, SRV, NAPTR, TXT, MX or NS", .required = true},
          check_dns_record_type);
  v.field("data", r.data, Key{.doc = "RDATA in zone-file presentation form", .required = true});
  v.field("ttl", r.ttl, Key{.doc = "TTL in seconds; default dnsd.ttl", .max = 2147483647});
  v.field("ptr", r.ptr, Key{.doc = "generate the reverse PTR of an A record; default dnsd.reverse_ptr"});
}

// An RFC 1035 master file (ldns; no $INCLUDE). Its origin's records merge with the generated zone of the same
// name; a file for another origin brings a whole zone of its own, SOA included.
struct DnsZoneFile {
  std::string file;    // relative to the configuration folder
  std::string origin;  // empty: the site domain
  bool operator==(const DnsZoneFile&) const = default;
};

template <class V>
void describe(V& v, DnsZoneFile& z) {
  v.field("file", z.file, Key{.doc = "zone file, relative to the configuration folder", .required = true});
  v.field("origin", z.origin, Key{.doc = "zone origin; default the site domain"});
}

// Health checks of the call-server group (site.call_server): what `provision`, the call servers' A records and
// the SRV RRsets list first (or only).
struct DnsHealth {
  std::string check = "none";  // none, sip-udp, sip-tcp, tcp, http
  std::uint16_t port = 0;      // 0: site.sip_port for the SIP and TCP checks, 80 for http
  std::string path = "/";      // http only
  std::uint32_t interval_ms = 5000;
  std::uint32_t timeout_ms = 2000;
  std::uint32_t rise = 2;  // consecutive successes that bring a down member up
  std::uint32_t fall = 3;  // consecutive failures that take an up member down
  bool only_live = false;  // true: leave dead members out; false: list them after the live ones
  bool operator==(const DnsHealth&) const = default;
};

template <class V>
void describe(V& v, DnsHealth& h) {
  v.field("check", h.check, Key{.doc = "none, sip-udp, sip-tcp (SIP OPTIONS), tcp (connect) or http (GET)"},
          check_health_check_kind);
  v.field("port", h.port, Key{.doc = "port to check; 0: site.sip_port (80 for http)"});
  v.field("path", h.path, Key{.doc = "HTTP path for the http check"});
  v.field("interval_ms", h.interval_ms, Key{.doc = "time between checks of one member", .min = 100, .max = 3600000});
  v.field("timeout_ms", h.timeout_ms, Key{.doc = "a check not answered within this failed", .min = 50, .max = 60000});
  v.field("rise", h.rise, Key{.doc = "successes in a row that mark a member up", .min = 1, .max = 100});
  v.field("fall", h.fall, Key{.doc = "failures in a row that mark a member down", .min = 1, .max = 100});
  v.field("only_live", h.only_live, Key{.doc = "answer with live members only (all of them if none is live)"});
}

// Response rate limiting per source network (UDP only). The site's own network is exempt by default: the
// phones of a voice VLAN share one /24 and boot together.
struct DnsRrl {
  std::uint32_t rate = 200;  // responses per second per source network; 0 turns RRL off
  std::uint32_t slip = 2;    // every slip-th limited response goes out truncated (TC=1); 0 drops them all
  std::uint8_t prefix = 24;  // source network size
  bool exempt_site = true;   // the site's network is never limited
  std::vector<Ipv4Prefix> exempt;
  bool operator==(const DnsRrl&) const = default;
};

template <class V>
void describe(V& v, DnsRrl& r) {
  v.field("rate", r.rate, Key{.doc = "responses per second per source network; 0 is off", .max = 10000000});
  v.field("slip", r.slip, Key{.doc = "every n-th limited response is sent truncated; 0 drops all", .max = 100});
  v.field("prefix", r.prefix, Key{.doc = "IPv4 prefix length that groups sources", .min = 8, .max = 32});
  v.field("exempt_site", r.exempt_site, Key{.doc = "never limit the site's own network"});
  v.field("exempt", r.exempt, Key{.doc = "further networks never limited"});
}

// Forwarding of names outside our zones (off while upstream is empty); never an open resolver.
struct DnsForward {
  std::vector<Ipv4Address> upstream;
  std::uint16_t upstream_port = 53;
  std::vector<Ipv4Prefix> clients;  // empty: the site's network
  std::uint32_t timeout_ms = 2000;
  std::uint32_t cache_max_ttl = 60;  // c-ares cache cap in seconds; 0 turns it off
  bool operator==(const DnsForward&) const = default;
};

template <class V>
void describe(V& v, DnsForward& f) {
  v.field("upstream", f.upstream, Key{.doc = "resolvers to forward to; empty turns forwarding off"});
  v.field("upstream_port", f.upstream_port, Key{.doc = "port of the upstream resolvers", .min = 1});
  v.field("clients", f.clients, Key{.doc = "networks allowed to use forwarding; default the site's network"});
  v.field("timeout_ms", f.timeout_ms, Key{.doc = "upstream query timeout", .min = 100, .max = 30000});
  v.field("cache_max_ttl", f.cache_max_ttl,
          Key{.doc = "cap of the forwarder's cache in seconds; 0 is off", .max = 86400});
}

struct DnsdSection {
  ServiceCommon common{.metrics_port = 9153};
  std::uint16_t port = 53;
  Ipv4Address address{};  // 0.0.0.0
  std::uint32_t workers = 1;
  std::string hostname = "phoneboot";  // the appliance's own name in the zone: SOA MNAME and NS
  std::string hostmaster = "hostmaster";
  std::uint32_t ttl = 3600;
  std::uint32_t switchover_ttl = 30;  // provision, call servers and SRV: short, they follow health
  std::uint32_t negative_ttl = 60;
  std::uint32_t edns_payload = 1232;
  std::uint32_t tcp_idle_timeout_ms = 10000;
  std::uint32_t tcp_max_connections = 128;
  bool reverse_ptr = true;
  std::vector<DnsRecord> record;
  std::vector<DnsZoneFile> zone_file;
  DnsHealth health;
  DnsRrl rrl;
  std::vector<Ipv4Address> secondaries;  // AXFR allowed to these, NOTIFY sent to them
  bool notify = true;
  std::uint16_t notify_port = 53;
  DnsForward forward;
  bool dynamic_names = true;  // publish DHCP clients' host names from dhcpd's lease journal
  std::string lease_dir;      // empty: <state_dir>/dhcpd (common/lease_journal.hpp)
  bool operator==(const DnsdSection&) const = default;
};

template <class V>
void describe(V& v, DnsdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "DNS port (UDP and TCP)"});
  v.field("address", s.address, Key{.doc = "IPv4 address to listen on; 0.0.0.0 is every address"});
  v.field("workers", s.workers, Key{.doc = "UDP worker threads, one SO_REUSEPORT socket each", .min = 1, .max = 64});
  v.field("hostname", s.hostname, Key{.doc = "the appliance's own host name in the zone (SOA MNAME, NS, A)"},
          check_host_label);
  v.field("hostmaster", s.hostmaster, Key{.doc = "mailbox label of the SOA RNAME"}, check_host_label);
  v.field("ttl", s.ttl, Key{.doc = "TTL of records without their own", .max = 2147483647});
  v.field("switchover_ttl", s.switchover_ttl,
          Key{.doc = "TTL of provision, call-server A and SRV records", .max = 86400});
  v.field("negative_ttl", s.negative_ttl,
          Key{.doc = "SOA MINIMUM: how long NXDOMAIN and NODATA are cached", .max = 86400});
  v.field("edns_payload", s.edns_payload, Key{.doc = "largest UDP answer to EDNS clients", .min = 512, .max = 4096});
  v.field("tcp_idle_timeout_ms", s.tcp_idle_timeout_ms,
          Key{.doc = "close idle TCP connections after this", .min = 100, .max = 600000});
  v.field("tcp_max_connections", s.tcp_max_connections,
          Key{.doc = "TCP connections served at once", .min = 1, .max = 65536});
  v.field("reverse_ptr", s.reverse_ptr, Key{.doc = "generate PTR records for A records"});
  v.field("record", s.record, Key{.doc = "records added to the zones"});
  v.field("zone_file", s.zone_file, Key{.doc = "RFC 1035 zone files loaded at start and reload"});
  v.field("health", s.health, Key{.doc = "health checks of the call servers"});
  v.field("rrl", s.rrl, Key{.doc = "response rate limiting"});
  v.field("secondaries", s.secondaries, Key{.doc = "addresses allowed to AXFR; NOTIFY goes to them on change"});
  v.field("notify", s.notify, Key{.doc = "send NOTIFY to the secondaries when the zone changes"});
  v.field("notify_port", s.notify_port, Key{.doc = "port the secondaries listen on for NOTIFY", .min = 1});
  v.field("forward", s.forward, Key{.doc = "forwarding of names outside our zones (off by default)"});
  v.field("dynamic_names", s.dynamic_names, Key{.doc = "publish DHCP clients' host names from dhcpd's lease journal"});
  v.field("lease_dir", s.lease_dir, Key{.doc = "folder of dhcpd's lease journal; default <state_dir>/dhcpd"});
}

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_dnsd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_dnsd(const Model& model);

// Owner name of a record written in dnsd.record, made absolute (lower case, no trailing dot).
std::string absolute_dns_name(const std::string& name, const std::string& domain);
// Checks a record's presentation RDATA for its type; an empty string when it is fine.
std::string check_dns_rdata(const std::string& type, const std::string& data);

}  // namespace pb::config
