#pragma once
// The [dhcpd] section (or dhcpd.toml): keys of phoneboot-dhcpd. Owned by the dhcpd service.
//
// With no section at all the site gives a working server: one subnet around site.address, a pool in its
// upper part, options 6/15/42/4 pointing at the appliance, 2/100/101 from site.timezone, 160 = the
// provisioning URL, 66 = the appliance (TFTP recovery), and the built-in phone profiles (vendor classes).
//
// Option precedence (explicit, documented in dhcpd/README.md): reservation > class > subnet > global.
// The option catalogue and the typed encoding of option values live here because both the configuration
// check and the server need them; dhcpd/ uses encode_option() to compile options to wire bytes once.
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

// ---- option catalogue and typed values -------------------------------------------------------------------

enum class OptionType {
  ip,
  ip_list,
  string,
  int32,
  uint8,
  uint16,
  uint32,
  boolean,
  hex,
  domain_list,
  sub_options,
  vivso
};

struct CatalogueEntry {
  std::uint8_t code;
  const char* name;
  OptionType type;
};
// The known codes (1, 2, 3, 4, 6, 12, 15, 28, 42, 43, 51, 54, 58, 59, 60, 66, 67, 100, 101, 119, 125, 132,
// 150, 160, 242, ...). nullptr for a code the operator must define with a type.
const CatalogueEntry* catalogue_find(std::uint8_t code) noexcept;
std::optional<OptionType> parse_option_type(const std::string& name) noexcept;
std::string option_type_name(OptionType type);
// Codes the server itself sets (53, 54, 51, ...): an operator may not configure them.
bool option_is_protocol(std::uint8_t code) noexcept;

struct SubOption {
  std::int64_t code = 0;
  std::string type;  // one of the scalar types
  Value value;
  bool operator==(const SubOption&) const = default;
};

template <class V>
void describe(V& v, SubOption& s) {
  v.field("code", s.code, Key{.doc = "sub-option code", .required = true, .min = 1, .max = 254});
  v.field("type", s.type, Key{.doc = "ip, ip-list, string, int32, uint8, uint16, uint32, bool, hex", .required = true});
  v.field("value", s.value, Key{.doc = "the value, in the form its type takes", .required = true});
}

struct OptionConfig {
  std::int64_t code = 0;
  std::string type;  // empty: the catalogue's (or an option_def's) type
  std::optional<Value> value;
  std::optional<std::int64_t> enterprise;  // option 125: the IANA enterprise number
  std::vector<SubOption> suboption;        // 43 / 125 (type sub-options / vivso)
  bool operator==(const OptionConfig&) const = default;
};

template <class V>
void describe(V& v, OptionConfig& o) {
  v.field("code", o.code, Key{.doc = "option code", .required = true, .min = 1, .max = 254});
  v.field("type", o.type, Key{.doc = "type; default from the catalogue or option_def"});
  v.field("value", o.value,
          Key{.doc = "the value, in the form its type takes (\"10.0.0.1\", [\"a\", \"b\"], 42, \"0a:0b\")"});
  v.field("enterprise", o.enterprise, Key{.doc = "option 125: IANA enterprise number", .min = 0, .max = 4294967295});
  v.field("suboption", o.suboption, Key{.doc = "encapsulated sub-options (43, 125)"});
}

struct OptionDef {
  std::int64_t code = 0;
  std::string name;
  std::string type;
  bool operator==(const OptionDef&) const = default;
};

template <class V>
void describe(V& v, OptionDef& d) {
  v.field("code", d.code, Key{.doc = "option code", .required = true, .min = 1, .max = 254});
  v.field("name", d.name, Key{.doc = "a name for logs and docs"});
  v.field("type", d.type, Key{.doc = "the option's type", .required = true});
}

// Wire bytes of an option's value (without code and length), or an error message for `phoneboot check`.
// `type` is the resolved type. Values longer than 255 bytes are allowed (split on the wire, RFC 3396).
struct Encoded {
  std::vector<std::uint8_t> bytes;
  std::string error;
};
Encoded encode_option(const OptionConfig& option, OptionType type);
// The type an option has in this configuration: its own `type`, an option_def, or the catalogue.
std::optional<OptionType> resolve_option_type(const OptionConfig& option, const std::vector<OptionDef>& defs);

// ---- scopes, classes, reservations -------------------------------------------------------------------------

struct Pool {
  Ipv4Address start;
  Ipv4Address end;
  std::string client_class;  // empty: any client; otherwise only clients of that class
  bool operator==(const Pool&) const = default;
};

template <class V>
void describe(V& v, Pool& p) {
  v.field("start", p.start, Key{.doc = "first address of the pool", .required = true});
  v.field("end", p.end, Key{.doc = "last address of the pool", .required = true});
  v.field("class", p.client_class, Key{.doc = "only clients of this class draw from this pool"});
}

struct Subnet {
  Ipv4Prefix prefix;
  std::optional<Ipv4Address> router;
  std::optional<std::int64_t> lease_time;
  std::vector<Ipv4Address> relay;  // giaddr values that select this scope besides those inside it
  std::vector<Pool> pool;
  std::vector<OptionConfig> option;
  bool operator==(const Subnet&) const = default;
};

template <class V>
void describe(V& v, Subnet& s) {
  v.field("prefix", s.prefix, Key{.doc = "the subnet (\"10.250.0.0/24\")", .required = true});
  v.field("router", s.router, Key{.doc = "default gateway (option 3)"});
  v.field("lease_time", s.lease_time,
          Key{.doc = "lease time in seconds; default dhcpd.lease_time", .min = 60, .max = 31536000});
  v.field("relay", s.relay, Key{.doc = "relay agent addresses (giaddr) that select this subnet"});
  v.field("pool", s.pool, Key{.doc = "dynamic address ranges"});
  v.field("option", s.option, Key{.doc = "options for clients of this subnet"});
}

struct ClientClass {
  std::string name;
  std::string match = "vendor-class";  // vendor-class (60), user-class (77), mac, hostname (12)
  std::string exact, prefix, substring, regex;
  std::vector<OptionConfig> option;
  std::vector<std::int64_t> remove;  // option codes this class must not get
  std::int64_t max_leases = 0;       // 0: no cap
  bool echo_vendor_class = false;    // send the client's option 60 back (Avaya/Nortel 1100 SIP expect it)
  bool operator==(const ClientClass&) const = default;
};

std::string check_class_name(const std::string& name);

template <class V>
void describe(V& v, ClientClass& c) {
  v.field("name", c.name, Key{.doc = "class name; a built-in profile of the same name is replaced", .required = true},
          check_class_name);
  v.field(
      "match", c.match,
      Key{.doc = "what to match: vendor-class (option 60), user-class (77), mac (\"00:04:f2\" prefix), hostname (12)"});
  v.field("exact", c.exact, Key{.doc = "equal to this (a trailing NUL in the packet is ignored)"});
  v.field("prefix", c.prefix, Key{.doc = "starts with this"});
  v.field("substring", c.substring, Key{.doc = "contains this (raw bytes: works on Polycom's binary option 60)"});
  v.field("regex", c.regex, Key{.doc = "RE2 regular expression (linear time), searched in the value"});
  v.field("option", c.option, Key{.doc = "options this class sets (over subnet and global ones)"});
  v.field("remove", c.remove, Key{.doc = "option codes this class never gets (\"no 66 for Polycom\")"});
  v.field("max_leases", c.max_leases, Key{.doc = "cap on active leases of this class; 0 is no cap", .min = 0});
  v.field("echo_vendor_class", c.echo_vendor_class,
          Key{.doc = "send the client's option 60 back in the reply (Avaya/Nortel 1100 SIP expect it)"});
}

struct Reservation {
  std::string mac;        // "00:04:f2:aa:bb:cc" (also 0004F2AABBCC, 00-04-f2-...)
  std::string client_id;  // hex bytes of option 61
  Ipv4Address address;
  std::string hostname;
  std::vector<OptionConfig> option;
  bool operator==(const Reservation&) const = default;
};

template <class V>
void describe(V& v, Reservation& r) {
  v.field("mac", r.mac, Key{.doc = "hardware address of the phone"});
  v.field("client_id", r.client_id, Key{.doc = "client identifier (option 61) as hex bytes, instead of mac"});
  v.field("address", r.address, Key{.doc = "the fixed address", .required = true});
  v.field("hostname", r.hostname, Key{.doc = "host name sent in option 12"});
  v.field("option", r.option, Key{.doc = "options for this phone only (over everything else)"});
}

struct DhcpdSection {
  ServiceCommon common{.metrics_port = 9167};
  std::uint16_t port = 67;
  std::int64_t lease_time = 86400;
  std::int64_t decline_probation = 86400;
  std::int64_t offer_hold = 30;
  bool send_unrequested = true;
  bool authoritative = true;
  bool builtin_profiles = true;
  bool use_inventory = true;
  std::int64_t rate_limit = 20;       // packets per second per MAC
  std::int64_t relay_rate_limit = 0;  // packets per second per relay (giaddr)
  std::int64_t compact_after = 100000;
  bool ping_check = false;
  std::int64_t ping_timeout_ms = 100;
  std::vector<OptionDef> option_def;
  std::vector<OptionConfig> option;
  std::vector<Subnet> subnet;
  std::vector<ClientClass> client_class;
  std::vector<Reservation> reservation;
  bool operator==(const DhcpdSection&) const = default;
};

template <class V>
void describe(V& v, DhcpdSection& s) {
  describe_common(v, s.common);
  v.field("port", s.port, Key{.doc = "DHCPv4 server port"});
  v.field("lease_time", s.lease_time, Key{.doc = "lease time in seconds", .min = 60, .max = 31536000});
  v.field("decline_probation", s.decline_probation,
          Key{.doc = "seconds a DECLINEd address stays quarantined", .min = 0, .max = 31536000});
  v.field("offer_hold", s.offer_hold,
          Key{.doc = "seconds an OFFERed address is held for its client", .min = 1, .max = 3600});
  v.field(
      "send_unrequested", s.send_unrequested,
      Key{.doc = "send every configured option even when the client's option 55 omits it (phones omit what they use)"});
  v.field("authoritative", s.authoritative, Key{.doc = "NAK requests for addresses this server does not give"});
  v.field("builtin_profiles", s.builtin_profiles, Key{.doc = "use the built-in phone vendor classes"});
  v.field("use_inventory", s.use_inventory, Key{.doc = "host names and reservations from site.inventory"});
  v.field("rate_limit", s.rate_limit,
          Key{.doc = "packets per second accepted from one MAC; 0 is no limit", .min = 0, .max = 100000});
  v.field(
      "relay_rate_limit", s.relay_rate_limit,
      Key{.doc = "packets per second accepted from one relay agent (giaddr); 0 is no limit", .min = 0, .max = 1000000});
  v.field("compact_after", s.compact_after,
          Key{.doc = "journal records between compactions", .min = 100, .max = 100000000});
  v.field("ping_check", s.ping_check,
          Key{.doc = "ICMP echo check of a new address before its OFFER (asynchronous; needs CAP_NET_RAW)"});
  v.field("ping_timeout_ms", s.ping_timeout_ms,
          Key{.doc = "how long an OFFER waits for an echo reply", .min = 10, .max = 1000});
  v.field("option_def", s.option_def, Key{.doc = "types of option codes the catalogue does not know"});
  v.field("option", s.option, Key{.doc = "global options (lowest precedence)"});
  v.field("subnet", s.subnet, Key{.doc = "subnets; default: the site's own subnet"});
  v.field("class", s.client_class, Key{.doc = "client classes, tried in order before the built-in profiles"});
  v.field("reservation", s.reservation, Key{.doc = "fixed addresses by MAC or client id"});
}

// The built-in phone profiles (seeds/001 families plus Cisco, Avaya, Yealink, Mitel), derived from the site.
// A configured class of the same name replaces one; builtin_profiles = false drops them all.
std::vector<ClientClass> builtin_profiles(const Model& model);

// "00:04:f2:aa:bb:cc", "0004F2AABBCC", "00-04-f2-aa-bb-cc", "00.04.f2..." -> bytes; prefixes too (1..16 bytes).
std::optional<std::vector<std::uint8_t>> parse_hex_bytes(const std::string& text) noexcept;

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_dhcpd(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_dhcpd(const Model& model);
// <site.state_dir>/dhcpd: dhcpd's state, its lease journal (common/lease_journal.hpp) among it, which dnsd and
// `phoneboot leases` follow read-only.
std::string dhcpd_state_dir(const Model& model);
// site.inventory resolved against the configuration folder; empty when no inventory is set.
std::string inventory_path(const Model& model);

}  // namespace pb::config
