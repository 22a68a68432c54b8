#pragma once
// The [site] section: what the administrator states once and every service derives from.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/schema.hpp"
#include "common/net.hpp"

namespace pb::config {

class Reporter;
struct Model;

std::string check_domain_name(const std::string& name);
std::string check_host_label(const std::string& name);
std::string check_timezone(const std::string& name);
std::string check_interface_name(const std::string& name);

struct CallServer {
  std::string name;  // host label inside the site domain: "vm40ic1"
  Ipv4Address address;
  bool operator==(const CallServer&) const = default;
};

template <class V>
void describe(V& v, CallServer& s) {
  v.field("name", s.name, Key{.doc = "host name of the call server inside the site domain", .required = true},
          check_host_label);
  v.field("address", s.address, Key{.doc = "IPv4 address of the call server", .required = true});
}

struct SiteSection {
  std::string domain;
  Ipv4Prefix address;
  std::string interface;
  std::string timezone = "UTC";
  std::optional<std::int64_t> vlan;
  std::string user = "phoneboot";
  std::string state_dir = "/var/lib/phoneboot";
  std::string inventory;      // CSV phone list (seeds/001 layouts), relative to the configuration folder
  std::string provision_url;  // empty: http://provision.<domain>:8088
  std::uint16_t sip_port = 8060;
  std::uint16_t sips_port = 8061;
  std::vector<CallServer> call_server;

  bool operator==(const SiteSection&) const = default;
  // The provisioning URL phones get in option 160: provision_url, or the default derived from the domain.
  std::string effective_provision_url() const;
};

template <class V>
void describe(V& v, SiteSection& s) {
  v.field("domain", s.domain, Key{.doc = "DNS zone of the voice VLAN (\"lab.voip\")", .required = true},
          check_domain_name);
  v.field("address", s.address,
          Key{.doc = "the appliance's address and prefix on the voice VLAN (\"10.250.0.2/24\")", .required = true});
  v.field("interface", s.interface, Key{.doc = "network interface on the voice VLAN", .required = true},
          check_interface_name);
  v.field("timezone", s.timezone, Key{.doc = "IANA time zone of the site; gives DHCP option 2 (and 100/101)"},
          check_timezone);
  v.field("vlan", s.vlan,
          Key{.doc = "voice VLAN id, for documentation and option 43/125 profiles", .min = 1, .max = 4094});
  v.field("user", s.user, Key{.doc = "unprivileged user the services run as after binding (\"root\" keeps root)"});
  v.field("state_dir", s.state_dir, Key{.doc = "directory for leases and generated keys"});
  v.field("inventory", s.inventory, Key{.doc = "phone inventory CSV, relative to the configuration folder"});
  v.field("provision_url", s.provision_url,
          Key{.doc = "provisioning URL for option 160; default http://provision.<domain>:8088"});
  v.field("sip_port", s.sip_port, Key{.doc = "SIP port of the call servers (UDP and TCP SRV records)", .min = 1});
  v.field("sips_port", s.sips_port, Key{.doc = "SIP over TLS port of the call servers (_sips._tcp SRV)", .min = 1});
  v.field("call_server", s.call_server, Key{.doc = "the switchover pair of call servers"});
}

void check_site(const Model& model, Reporter& report);

}  // namespace pb::config
