#pragma once
// The zone model: what we are authoritative for, as RRsets per owner name, before it is compiled into wire
// answers. Built at load time from the site model, dnsd.record and zone files (see site_zone.cpp).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pb::dns {

namespace type {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28, SRV = 33,
                               NAPTR = 35, OPT = 41, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255;
}
inline constexpr std::uint16_t kClassIn = 1;

std::string type_name(std::uint16_t t);

// One record of an RRset. `member` ties it to a call server whose health decides its place (-1: none).
struct Rdata {
  std::vector<std::uint8_t> bytes;  // uncompressed wire RDATA
  int member = -1;
  bool operator==(const Rdata& o) const { return bytes == o.bytes; }
};

struct RrSet {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::vector<Rdata> rdata;
  std::string source;  // where it was written, for conflict messages
};

struct Node {
  std::string name;  // lower-case wire form
  std::vector<RrSet> sets;
  RrSet* find(std::uint16_t t);
  const RrSet* find(std::uint16_t t) const;
};

struct Zone {
  std::string apex;                   // lower-case wire form
  std::map<std::string, Node> nodes;  // by lower-case wire name; the apex included
  bool generated = false;             // built from the site (SOA and apex NS may be replaced by a zone file)
  const RrSet* soa() const;
};

// Everything dnsd serves. `members` names the call servers (for health) in site order.
struct ZoneSet {
  std::vector<Zone> zones;
  std::vector<std::string> members;
  Zone* find_zone(const std::string& apex);
  // The deepest zone containing `name`, or null.
  const Zone* zone_for(const std::string& name) const;
  Zone* zone_for(const std::string& name);
};

// Adds records with the merge rules: the same owner and type from two sources is a conflict, as is a CNAME
// beside other data. `replace` lets a zone file's SOA and apex NS take over the generated ones.
class ZoneBuilder {
 public:
  explicit ZoneBuilder(ZoneSet& set) : set_(set) {}
  Zone& add_zone(const std::string& apex, bool generated);
  // Returns an error message (empty on success).
  std::string add(const std::string& owner, std::uint16_t type, std::uint32_t ttl, Rdata rdata,
                  const std::string& source, bool replace = false);
  // Adds the empty non-terminals between each owner and its zone's apex, so lookups tell NODATA from NXDOMAIN.
  void finish();

 private:
  ZoneSet& set_;
};

// Wire RDATA helpers used by the site builder and tests.
std::vector<std::uint8_t> rdata_a(std::uint32_t host_order);
std::vector<std::uint8_t> rdata_name(const std::string& wire);
std::vector<std::uint8_t> rdata_srv(std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                                    const std::string& target_wire);
std::vector<std::uint8_t> rdata_soa(const std::string& mname, const std::string& rname, std::uint32_t serial,
                                    std::uint32_t refresh, std::uint32_t retry, std::uint32_t expire,
                                    std::uint32_t minimum);
// "151.1.250.10.in-addr.arpa" for 10.250.1.151, wire form.
std::string reverse_name(std::uint32_t host_order);

}  // namespace pb::dns
