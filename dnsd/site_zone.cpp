#include "dnsd/site_zone.hpp"

#include <cctype>
#include <filesystem>

#include "dnsd/name.hpp"
#include "dnsd/serial.hpp"
#include "dnsd/zone_file.hpp"

namespace pb::dns {
namespace {

constexpr std::uint32_t kRefresh = 3600, kRetry = 600, kExpire = 1209600;

std::string wire(const std::string& text) { return lowercase(name_from_text(text).value_or(std::string(1, '\0'))); }

// An A record's RDATA (4 bytes, checked by ldns) as a host-order address.
std::uint32_t address_of(const std::vector<std::uint8_t>& rd) {
  return (std::uint32_t{rd[0]} << 24) | (std::uint32_t{rd[1]} << 16) | (std::uint32_t{rd[2]} << 8) | rd[3];
}

// The reverse zone of the site's network, on an octet boundary: /24 -> c.b.a.in-addr.arpa, /16 -> b.a...
std::string site_reverse_zone(const Ipv4Prefix& p) {
  const int octets = p.length >= 24 ? 3 : p.length >= 16 ? 2 : 1;
  const std::uint32_t net = p.network().value;
  std::string text;
  for (int i = octets; i >= 1; --i) text += std::to_string((net >> (32 - 8 * i)) & 0xFF) + ".";
  return wire(text + "in-addr.arpa");
}

class SiteBuilder {
 public:
  SiteBuilder(const config::Model& m, std::uint32_t serial, BuildResult& out)
      : m_(m), serial_(serial), out_(out), b_(out.zones) {}

  void run(const std::vector<DynamicName>& dynamic) {
    const auto& s = m_.dnsd;
    domain_ = wire(m_.site.domain);
    host_ = wire(s.hostname + "." + m_.site.domain);
    add_generated_zone(domain_);
    add_generated_zone(site_reverse_zone(m_.site.address));
    add(host_, type::A, s.ttl, {rdata_a(m_.site.address.address.value)}, "dnsd.hostname");
    if (s.reverse_ptr) want_ptr(m_.site.address.address.value, host_, true);
    const std::string provision = wire("provision." + m_.site.domain);
    for (std::size_t i = 0; i < m_.site.call_server.size(); ++i) {
      const auto& cs = m_.site.call_server[i];
      const std::string name = wire(cs.name + "." + m_.site.domain);
      const std::string source = "site.call_server[" + std::to_string(i) + "]";
      out_.zones.members.push_back(cs.name);
      const int member = static_cast<int>(i);
      add(name, type::A, s.switchover_ttl, {rdata_a(cs.address.value), member}, source);
      if (s.reverse_ptr) want_ptr(cs.address.value, name, true);
      add(provision, type::A, s.switchover_ttl, {rdata_a(cs.address.value), member}, "site.call_server (provision)");
      struct Srv {
        const char* prefix;
        std::uint16_t port;
      };
      for (const Srv srv : {Srv{"_sip._udp.", m_.site.sip_port}, Srv{"_sip._tcp.", m_.site.sip_port},
                            Srv{"_sips._tcp.", m_.site.sips_port}})
        add(wire(srv.prefix + m_.site.domain), type::SRV, s.switchover_ttl, {rdata_srv(0, 0, srv.port, name), member},
            "site.call_server (SRV)");
    }
    for (std::size_t i = 0; i < s.record.size(); ++i) add_record(i);
    for (std::size_t i = 0; i < s.zone_file.size(); ++i) add_zone_file(i);
    for (const auto& d : dynamic) add_dynamic(d);
    // Reverse zones first (for the PTRs allowed to make one), then the PTRs in the order they were wanted.
    for (const auto& p : ptrs_)
      if (p.make_zone && out_.zones.zone_for(reverse_name(p.address)) == nullptr)
        add_generated_zone(std::string(parent(reverse_name(p.address))));
    for (const auto& p : ptrs_) add_ptr(p);
    b_.finish();
    if (!out_.errors.empty()) return;
    for (const auto& z : out_.zones.zones)
      if (z.soa() == nullptr) out_.errors.push_back("zone '" + name_to_text(z.apex) + "' has no SOA record");
  }

 private:
  void add_generated_zone(const std::string& apex) {
    if (out_.zones.find_zone(apex) != nullptr) return;
    b_.add_zone(apex, true);
    const auto& s = m_.dnsd;
    const std::string rname = wire(s.hostmaster + "." + m_.site.domain);
    add(apex, type::SOA, s.ttl, {rdata_soa(host_, rname, serial_, kRefresh, kRetry, kExpire, s.negative_ttl)},
        "the generated SOA");
    add(apex, type::NS, s.ttl, {rdata_name(host_)}, "the generated NS");
  }

  void add(const std::string& owner, std::uint16_t t, std::uint32_t ttl, Rdata rd, const std::string& source,
           bool replace = false) {
    if (auto e = b_.add(owner, t, ttl, std::move(rd), source, replace); !e.empty()) out_.errors.push_back(e);
  }

  // The PTR of an A record, wanted in this order: the appliance, the call servers, dnsd.record, zone files,
  // DHCP leases. `make_zone`: its /24 reverse zone is made if we serve none for it (the site's own names);
  // otherwise (zone files, which may name any address) it goes only into a reverse zone we already serve.
  struct WantedPtr {
    std::uint32_t address;
    std::string name;
    bool make_zone;
  };
  void want_ptr(std::uint32_t address, const std::string& name, bool make_zone) {
    if (name.size() > 1 && name[0] == 1 && name[1] == '*') return;  // a wildcard owns no address
    ptrs_.push_back({address, name, make_zone});
  }

  // True when `name` is at or below a delegation of its zone: glue, or data the child zone answers.
  bool delegated(const std::string& name) const {
    const Zone* z = out_.zones.zone_for(name);
    if (z == nullptr) return false;
    for (std::string_view n = name; n.size() > z->apex.size(); n = parent(n))
      if (auto it = z->nodes.find(std::string(n)); it != z->nodes.end() && it->second.find(type::NS) != nullptr)
        return true;
    return false;
  }

  // Generated PTRs come last, so explicit data at the reverse name (a PTR, or an RFC 2317 CNAME, from a record
  // or a zone file) wins without a conflict, and so does the first PTR wanted for an address: one name each.
  void add_ptr(const WantedPtr& p) {
    const std::string rev = reverse_name(p.address);
    Zone* z = out_.zones.zone_for(rev);
    if (z == nullptr || delegated(rev) || delegated(p.name)) return;
    if (auto it = z->nodes.find(rev);
        it != z->nodes.end() && (it->second.find(type::PTR) != nullptr || it->second.find(type::CNAME) != nullptr))
      return;
    add(rev, type::PTR, m_.dnsd.ttl, {rdata_name(p.name)}, "generated PTR");
  }

  void add_record(std::size_t i) {
    const auto& r = m_.dnsd.record[i];
    const std::string key = "dnsd.record[" + std::to_string(i) + "]";
    const std::string owner = config::absolute_dns_name(r.name, m_.site.domain);
    ParsedRr rr;
    const std::string line =
        owner + ". " + std::to_string(r.ttl.value_or(m_.dnsd.ttl)) + " IN " + r.type + " " + r.data;
    if (auto e = parse_rr_text(line, m_.site.domain, m_.dnsd.ttl, rr); !e.empty()) {
      out_.errors.push_back(key + ": " + e);
      return;
    }
    // Reverse names written by hand get their /24 zone on demand.
    if (out_.zones.zone_for(lowercase(rr.owner)) == nullptr && is_within(lowercase(rr.owner), wire("in-addr.arpa")) &&
        label_count(rr.owner) == 6)
      add_generated_zone(std::string(parent(lowercase(rr.owner))));
    if (auto e = b_.add(rr.owner, rr.type, rr.ttl, {rr.rdata}, "dnsd.record"); !e.empty()) {
      out_.errors.push_back(key + ": " + e);
      return;
    }
    if (rr.type == type::A && r.ptr.value_or(m_.dnsd.reverse_ptr))
      want_ptr(address_of(rr.rdata), lowercase(rr.owner), true);
  }

  // As every configuration error reads: "bad.zone:4:1: dnsd.zone_file[0]: message" for a record of the file;
  // an error about the file as a whole ("bad.zone: cannot read the zone file") points at the key naming it.
  std::string place_error(std::size_t i, const std::string& file, const std::string& err) const {
    const std::string key = "dnsd.zone_file[" + std::to_string(i) + "]";
    const std::string prefix = file + ":";
    if (err.size() > prefix.size() && err.compare(0, prefix.size(), prefix) == 0 &&
        std::isdigit(static_cast<unsigned char>(err[prefix.size()]))) {
      const std::size_t end = err.find(": ", prefix.size());
      if (end != std::string::npos) return err.substr(0, end) + ": " + key + err.substr(end);
    }
    const config::SourcePos pos = m_.positions.find(key + ".file");
    return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + key + ".file: " + err;
  }

  void add_zone_file(std::size_t i) {
    const auto& zf = m_.dnsd.zone_file[i];
    const std::string origin_text = zf.origin.empty() ? m_.site.domain : zf.origin;
    const std::string origin = wire(origin_text);
    const std::filesystem::path path = std::filesystem::path(m_.directory) / zf.file;
    Zone* existing = out_.zones.find_zone(origin);
    const bool merging = existing != nullptr && existing->generated;
    // A file that makes a new zone must bring its SOA; one merged into a zone we already have need not.
    const bool own_zone = existing == nullptr;
    if (own_zone) b_.add_zone(origin, false);
    auto err = load_zone_file(
        path.string(), zf.file, origin_text, m_.dnsd.ttl,
        [&](const ParsedRr& rr) -> std::string {
          const std::string owner = lowercase(rr.owner);
          if (!is_within(owner, origin)) return "'" + name_to_text(owner) + "' is outside the origin " + origin_text;
          // Merged into a generated zone, the file's SOA and apex NS replace ours: the administrator's zone keeps
          // its identity. Every other collision is a conflict.
          const bool replace = merging && owner == origin && (rr.type == type::SOA || rr.type == type::NS);
          Rdata rd{rr.rdata};
          // Its serial, though, is never below the generated one: dnsd.record and DHCP names live in this zone
          // too, and the service raises the generated serial when they change (serial.hpp).
          if (replace && rr.type == type::SOA) set_soa_serial(rd.bytes, serial_max(soa_serial(rd.bytes), serial_));
          auto e = b_.add(rr.owner, rr.type, rr.ttl, std::move(rd), zf.file, replace);
          if (e.empty() && rr.type == type::A && m_.dnsd.reverse_ptr) want_ptr(address_of(rr.rdata), owner, false);
          return e;
        },
        own_zone);
    if (!err.empty()) out_.errors.push_back(place_error(i, zf.file, err));
  }

  void add_dynamic(const DynamicName& d) {
    const auto name = name_from_text(d.host + "." + m_.site.domain);
    if (!name || label_count(*name) != label_count(domain_) + 1) return;
    const std::string owner = lowercase(*name);
    Zone* z = out_.zones.zone_for(owner);
    if (z == nullptr) return;
    // A configured name always wins over a DHCP client's claim.
    if (auto it = z->nodes.find(owner); it != z->nodes.end() && !it->second.sets.empty()) return;
    add(owner, type::A, m_.dnsd.switchover_ttl, {rdata_a(d.address)}, "dhcp lease");
    if (m_.dnsd.reverse_ptr) want_ptr(d.address, owner, true);
  }

  const config::Model& m_;
  std::uint32_t serial_;
  BuildResult& out_;
  ZoneBuilder b_;
  std::string domain_, host_;
  std::vector<WantedPtr> ptrs_;
};

}  // namespace

BuildResult build_zones(const config::Model& model, std::uint32_t serial, const std::vector<DynamicName>& dynamic) {
  BuildResult out;
  SiteBuilder(model, serial, out).run(dynamic);
  return out;
}

}  // namespace pb::dns
