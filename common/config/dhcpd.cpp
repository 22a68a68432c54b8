#include "common/config/dhcpd.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <filesystem>

#include <re2/re2.h>

#include "common/config/model.hpp"
#include "common/inventory.hpp"
#include "common/wire.hpp"

namespace pb::config {
namespace {

constexpr CatalogueEntry kCatalogue[] = {
    {1, "subnet-mask", OptionType::ip},
    {2, "time-offset", OptionType::int32},
    {3, "routers", OptionType::ip_list},
    {4, "time-servers", OptionType::ip_list},
    {6, "domain-name-servers", OptionType::ip_list},
    {12, "host-name", OptionType::string},
    {15, "domain-name", OptionType::string},
    {26, "interface-mtu", OptionType::uint16},
    {28, "broadcast-address", OptionType::ip},
    {42, "ntp-servers", OptionType::ip_list},
    {43, "vendor-encapsulated-options", OptionType::sub_options},
    {44, "netbios-name-servers", OptionType::ip_list},
    {51, "lease-time", OptionType::uint32},
    {54, "server-identifier", OptionType::ip},
    {58, "renewal-time", OptionType::uint32},
    {59, "rebinding-time", OptionType::uint32},
    {60, "vendor-class-identifier", OptionType::string},
    {66, "tftp-server-name", OptionType::string},
    {67, "boot-file-name", OptionType::string},
    {100, "posix-timezone", OptionType::string},
    {101, "tzdb-timezone", OptionType::string},
    {119, "domain-search", OptionType::domain_list},
    {120, "sip-servers", OptionType::hex},
    {125, "vivso", OptionType::vivso},
    {132, "vlan-id", OptionType::string},
    {133, "l2-priority", OptionType::string},
    {150, "tftp-server-address", OptionType::ip_list},
    {160, "provisioning-url", OptionType::string},
    {176, "avaya-46xx", OptionType::string},
    {242, "avaya-sson", OptionType::string},
};

constexpr std::pair<const char*, OptionType> kTypeNames[] = {
    {"ip", OptionType::ip},
    {"ip-list", OptionType::ip_list},
    {"string", OptionType::string},
    {"int32", OptionType::int32},
    {"uint8", OptionType::uint8},
    {"uint16", OptionType::uint16},
    {"uint32", OptionType::uint32},
    {"bool", OptionType::boolean},
    {"hex", OptionType::hex},
    {"domain-list", OptionType::domain_list},
    {"sub-options", OptionType::sub_options},
    {"vivso", OptionType::vivso},
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const std::string* as_string(const Value& v) { return std::get_if<std::string>(&v.data); }

std::string describe_value(const Value& v) {
  if (auto s = as_string(v)) return "'" + *s + "'";
  if (auto i = std::get_if<std::int64_t>(&v.data)) return std::to_string(*i);
  if (std::holds_alternative<bool>(v.data)) return "a boolean";
  if (std::holds_alternative<Value::Array>(v.data)) return "an array";
  return "a number";
}

// Encodes one scalar-typed value. Appends to out; returns an error message or "".
std::string encode_scalar(const Value& value, OptionType type, std::vector<std::uint8_t>& out) {
  auto put32 = [&](std::uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(x >> s));
  };
  switch (type) {
    case OptionType::ip: {
      auto s = as_string(value);
      auto a = s ? Ipv4Address::parse(*s) : std::nullopt;
      if (!a) return describe_value(value) + " is not an IPv4 address";
      put32(a->value);
      return {};
    }
    case OptionType::ip_list: {
      if (auto arr = std::get_if<Value::Array>(&value.data)) {
        if (arr->empty()) return "an address list must not be empty";
        for (const auto& item : *arr)
          if (auto e = encode_scalar(item, OptionType::ip, out); !e.empty()) return e;
        return {};
      }
      return encode_scalar(value, OptionType::ip, out);
    }
    case OptionType::string: {
      auto s = as_string(value);
      if (!s) return "expected a string, got " + describe_value(value);
      if (s->empty()) return "a string option must not be empty";
      out.insert(out.end(), s->begin(), s->end());
      return {};
    }
    case OptionType::int32:
    case OptionType::uint8:
    case OptionType::uint16:
    case OptionType::uint32: {
      auto i = std::get_if<std::int64_t>(&value.data);
      if (!i) return "expected an integer, got " + describe_value(value);
      std::int64_t lo = 0, hi = 0;
      int bytes = 4;
      if (type == OptionType::int32)
        lo = INT32_MIN, hi = INT32_MAX;
      else if (type == OptionType::uint8)
        hi = 255, bytes = 1;
      else if (type == OptionType::uint16)
        hi = 65535, bytes = 2;
      else
        hi = UINT32_MAX;
      if (*i < lo || *i > hi) return std::to_string(*i) + " does not fit " + option_type_name(type);
      const auto u = static_cast<std::uint32_t>(*i);
      for (int s = (bytes - 1) * 8; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(u >> s));
      return {};
    }
    case OptionType::boolean: {
      auto b = std::get_if<bool>(&value.data);
      if (!b) return "expected a boolean, got " + describe_value(value);
      out.push_back(*b ? 1 : 0);
      return {};
    }
    case OptionType::hex: {
      auto s = as_string(value);
      auto bytes = s ? parse_hex_bytes(*s) : std::nullopt;
      if (!s || (!bytes && !s->empty()))
        return describe_value(value) + " is not hex bytes (\"0a:1b:2c\" or \"0a1b2c\")";
      if (bytes) out.insert(out.end(), bytes->begin(), bytes->end());
      if (out.empty()) return "hex value must not be empty";
      return {};
    }
    case OptionType::domain_list: {
      std::vector<std::string> names;
      if (auto s = as_string(value))
        names.push_back(*s);
      else if (auto arr = std::get_if<Value::Array>(&value.data)) {
        for (const auto& item : *arr) {
          auto n = as_string(item);
          if (!n) return "expected domain names in strings";
          names.push_back(*n);
        }
      } else {
        return "expected a domain name or a list of them";
      }
      for (const auto& n : names) {
        if (auto e = check_domain_name(n); !e.empty()) return e;
        std::size_t start = 0;
        while (start < n.size()) {  // RFC 1035 labels, no compression (RFC 3397 allows it, we need not)
          auto dot = n.find('.', start);
          if (dot == std::string::npos) dot = n.size();
          out.push_back(static_cast<std::uint8_t>(dot - start));
          out.insert(out.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(dot));
          start = dot + 1;
        }
        out.push_back(0);
      }
      return {};
    }
    case OptionType::sub_options:
    case OptionType::vivso: return "sub-options are written as [[...suboption]] tables";
  }
  return "unknown type";
}

std::string encode_suboptions(const std::vector<SubOption>& subs, std::vector<std::uint8_t>& out) {
  for (const auto& sub : subs) {
    auto type = parse_option_type(sub.type);
    if (!type || *type == OptionType::sub_options || *type == OptionType::vivso)
      return "sub-option " + std::to_string(sub.code) + ": '" + sub.type + "' is not a scalar option type";
    std::vector<std::uint8_t> value;
    if (auto e = encode_scalar(sub.value, *type, value); !e.empty())
      return "sub-option " + std::to_string(sub.code) + ": " + e;
    if (value.size() > 255) return "sub-option " + std::to_string(sub.code) + " is longer than 255 bytes";
    out.push_back(static_cast<std::uint8_t>(sub.code));
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  }
  return {};
}

std::string key_of(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

void check_options(const std::vector<OptionConfig>& options, const std::string& base,
                   const std::vector<OptionDef>& defs, Reporter& report) {
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < options.size(); ++i) {
    const auto& o = options[i];
    const std::string key = key_of(base, i);
    if (!seen.insert(o.code).second) {
      report.error(key + ".code", "option " + std::to_string(o.code) + " is set twice here");
      continue;
    }
    if (option_is_protocol(static_cast<std::uint8_t>(o.code))) {
      report.error(key + ".code", "option " + std::to_string(o.code) + " is set by the server itself");
      continue;
    }
    if (!o.type.empty() && !parse_option_type(o.type)) {
      report.error(key + ".type", "'" + o.type +
                                      "' is not an option type (ip, ip-list, string, int32, uint8, uint16, "
                                      "uint32, bool, hex, domain-list, sub-options, vivso)");
      continue;
    }
    auto type = resolve_option_type(o, defs);
    if (!type) {
      report.error(key + ".code", "option " + std::to_string(o.code) +
                                      " is not in the catalogue: give it a type here or in dhcpd.option_def");
      continue;
    }
    auto enc = encode_option(o, *type);
    if (!enc.error.empty()) report.error(key + (o.value ? ".value" : ".code"), enc.error);
  }
}

std::string url_host(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return {};
  std::string rest = url.substr(p + 3);
  auto end = rest.find_first_of(":/");
  return rest.substr(0, end);
}

}  // namespace

const CatalogueEntry* catalogue_find(std::uint8_t code) noexcept {
  for (const auto& e : kCatalogue)
    if (e.code == code) return &e;
  return nullptr;
}

std::optional<OptionType> parse_option_type(const std::string& name) noexcept {
  for (const auto& [n, t] : kTypeNames)
    if (name == n) return t;
  return std::nullopt;
}

std::string option_type_name(OptionType type) {
  for (const auto& [n, t] : kTypeNames)
    if (t == type) return n;
  return "?";
}

bool option_is_protocol(std::uint8_t code) noexcept {
  switch (code) {
    case 0:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 55:
    case 57:
    case 58:
    case 59:
    case 61:
    case 82:
    case 255: return true;
    default: return false;
  }
}

std::optional<std::vector<std::uint8_t>> parse_hex_bytes(const std::string& text) noexcept {
  std::vector<std::uint8_t> out;
  std::string digits;
  std::string s = text;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s = s.substr(2);
  bool separated = s.find_first_of(":-.") != std::string::npos;
  if (separated) {
    std::size_t start = 0;
    while (start <= s.size()) {
      auto sep = s.find_first_of(":-.", start);
      std::string part = s.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
      if (part.empty() || part.size() > 2) return std::nullopt;
      int v = 0;
      for (char c : part) {
        int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        v = v * 16 + d;
      }
      out.push_back(static_cast<std::uint8_t>(v));
      if (sep == std::string::npos) break;
      start = sep + 1;
    }
  } else {
    if (s.empty() || s.size() % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i < s.size(); i += 2) {
      int a = hex_digit(s[i]), b = hex_digit(s[i + 1]);
      if (a < 0 || b < 0) return std::nullopt;
      out.push_back(static_cast<std::uint8_t>(a * 16 + b));
    }
  }
  return out;
}

std::optional<OptionType> resolve_option_type(const OptionConfig& option, const std::vector<OptionDef>& defs) {
  if (!option.type.empty()) return parse_option_type(option.type);
  for (const auto& d : defs)
    if (d.code == option.code) return parse_option_type(d.type);
  if (auto e = catalogue_find(static_cast<std::uint8_t>(option.code))) {
    // 43 is raw hex unless sub-options are given; a value makes it the operator's bytes.
    if (e->type == OptionType::sub_options && option.suboption.empty()) return OptionType::hex;
    return e->type;
  }
  return std::nullopt;
}

Encoded encode_option(const OptionConfig& option, OptionType type) {
  Encoded out;
  if (type == OptionType::sub_options || type == OptionType::vivso) {
    if (option.value) {
      out.error = "option " + std::to_string(option.code) + " takes [[suboption]] tables, not a value";
      return out;
    }
    if (option.suboption.empty()) {
      out.error = "option " + std::to_string(option.code) + " needs at least one [[suboption]]";
      return out;
    }
    std::vector<std::uint8_t> subs;
    out.error = encode_suboptions(option.suboption, subs);
    if (!out.error.empty()) return out;
    if (type == OptionType::vivso) {
      if (!option.enterprise) {
        out.error = "option 125 needs an enterprise number";
        return out;
      }
      if (subs.size() > 255) {
        out.error = "option 125 data is longer than 255 bytes";
        return out;
      }
      for (int s = 24; s >= 0; s -= 8) out.bytes.push_back(static_cast<std::uint8_t>(*option.enterprise >> s));
      out.bytes.push_back(static_cast<std::uint8_t>(subs.size()));
    }
    out.bytes.insert(out.bytes.end(), subs.begin(), subs.end());
    return out;
  }
  if (!option.suboption.empty()) {
    out.error = "option " + std::to_string(option.code) + " of type " + option_type_name(type) + " has no sub-options";
    return out;
  }
  if (!option.value) {
    out.error = "option " + std::to_string(option.code) + " needs a value";
    return out;
  }
  out.error = encode_scalar(*option.value, type, out.bytes);
  if (out.error.empty() && out.bytes.size() > 1000) out.error = "value is longer than 1000 bytes";
  return out;
}

std::string check_class_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return "'" + name + "' must be 1 to 64 characters";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return "'" + name + "' may hold letters, digits, '-' and '_' only";
  return {};
}

void check_dhcpd(const Model& model, Reporter& report) {
  const auto& s = model.dhcpd;
  for (std::size_t i = 0; i < s.option_def.size(); ++i) {
    const auto& d = s.option_def[i];
    if (!parse_option_type(d.type))
      report.error(key_of("dhcpd.option_def", i) + ".type", "'" + d.type + "' is not an option type");
  }
  check_options(s.option, "dhcpd.option", s.option_def, report);

  // Subnets: no overlap; pools inside, ordered, disjoint across the whole server.
  struct Range {
    std::uint32_t lo, hi;
    std::string key;
  };
  std::vector<Range> pools;
  std::set<std::string> class_names;
  for (const auto& c : s.client_class) class_names.insert(c.name);
  if (s.builtin_profiles)
    for (const auto& b : builtin_profiles(model)) class_names.insert(b.name);
  for (std::size_t i = 0; i < s.subnet.size(); ++i) {
    const auto& sn = s.subnet[i];
    const std::string key = key_of("dhcpd.subnet", i);
    if (sn.prefix.address != sn.prefix.network())
      report.error(key + ".prefix", "'" + sn.prefix.str() + "' has host bits set (did you mean " +
                                        sn.prefix.network().str() + "/" + std::to_string(sn.prefix.length) + "?)");
    if (sn.prefix.length > 30 || sn.prefix.length < 8)
      report.error(key + ".prefix", "prefix length /" + std::to_string(sn.prefix.length) +
                                        " is not a usable DHCP subnet (use /8 to /30)");
    for (std::size_t j = 0; j < i; ++j) {
      const auto& other = s.subnet[j].prefix;
      if (other.contains(sn.prefix.network()) || sn.prefix.contains(other.network()))
        report.error(key + ".prefix", "'" + sn.prefix.str() + "' overlaps dhcpd.subnet[" + std::to_string(j) + "] '" +
                                          other.str() + "'");
    }
    if (sn.router && !sn.prefix.contains(*sn.router))
      report.error(key + ".router", sn.router->str() + " is not inside " + sn.prefix.str());
    for (std::size_t p = 0; p < sn.pool.size(); ++p) {
      const auto& pool = sn.pool[p];
      const std::string pk = key_of(key + ".pool", p);
      if (!sn.prefix.contains(pool.start)) {
        report.error(pk + ".start", pool.start.str() + " is outside the subnet " + sn.prefix.str());
        continue;
      }
      if (!sn.prefix.contains(pool.end)) {
        report.error(pk + ".end", pool.end.str() + " is outside the subnet " + sn.prefix.str());
        continue;
      }
      if (pool.end < pool.start) {
        report.error(pk + ".end", pool.end.str() + " is before the start " + pool.start.str());
        continue;
      }
      if (pool.start == sn.prefix.network() || pool.end == sn.prefix.broadcast())
        report.error(pk, "the pool includes the network or broadcast address of " + sn.prefix.str());
      if (!pool.client_class.empty() && class_names.count(pool.client_class) == 0)
        report.error(pk + ".class", "'" + pool.client_class + "' is not a class");
      for (const auto& r : pools)
        if (!(pool.end.value < r.lo || pool.start.value > r.hi))
          report.error(pk, pool.start.str() + "-" + pool.end.str() + " overlaps " + r.key);
      pools.push_back({pool.start.value, pool.end.value, pk});
    }
    check_options(sn.option, key + ".option", s.option_def, report);
  }

  std::set<std::string> names;
  for (std::size_t i = 0; i < s.client_class.size(); ++i) {
    const auto& c = s.client_class[i];
    const std::string key = key_of("dhcpd.class", i);
    if (!names.insert(c.name).second) report.error(key + ".name", "class '" + c.name + "' is declared twice");
    if (c.match != "vendor-class" && c.match != "user-class" && c.match != "mac" && c.match != "hostname")
      report.error(key + ".match", "'" + c.match + "' is not one of vendor-class, user-class, mac, hostname");
    const int patterns = !c.exact.empty() + !c.prefix.empty() + !c.substring.empty() + !c.regex.empty();
    if (patterns != 1) report.error(key, "give exactly one of exact, prefix, substring, regex");
    if (!c.regex.empty()) {
      // Compiled here as dhcpd compiles it (RE2: linear time, no backtracking), so a bad pattern is a
      // configuration error with its position instead of a daemon that refuses to start.
      const re2::RE2 pattern(c.regex, re2::RE2::Quiet);
      if (!pattern.ok())
        report.error(key + ".regex", "'" + c.regex + "' is not a regular expression (" + pattern.error() + ")");
    }
    if (c.match == "mac") {
      for (const auto* p : {&c.exact, &c.prefix, &c.substring})
        if (!p->empty() && !parse_hex_bytes(*p))
          report.error(key, "'" + *p + "' is not a MAC address or prefix (\"00:04:f2\")");
    }
    check_options(c.option, key + ".option", s.option_def, report);
    for (std::size_t r = 0; r < c.remove.size(); ++r)
      if (c.remove[r] < 1 || c.remove[r] > 254) report.error(key_of(key + ".remove", r), "option codes are 1 to 254");
  }

  std::map<std::vector<std::uint8_t>, std::size_t> macs;
  std::map<std::uint32_t, std::size_t> addresses;
  for (std::size_t i = 0; i < s.reservation.size(); ++i) {
    const auto& r = s.reservation[i];
    const std::string key = key_of("dhcpd.reservation", i);
    if (r.mac.empty() == r.client_id.empty()) {
      report.error(key, "give exactly one of mac and client_id");
    } else if (!r.mac.empty()) {
      auto b = parse_hex_bytes(r.mac);
      if (!b || b->size() != 6)
        report.error(key + ".mac", "'" + r.mac + "' is not a MAC address");
      else if (auto [it, fresh] = macs.emplace(*b, i); !fresh)
        report.error(key + ".mac",
                     "'" + r.mac + "' is already reserved by dhcpd.reservation[" + std::to_string(it->second) + "]");
    } else if (!parse_hex_bytes(r.client_id)) {
      report.error(key + ".client_id", "'" + r.client_id + "' is not hex bytes");
    }
    if (auto [it, fresh] = addresses.emplace(r.address.value, i); !fresh)
      report.error(key + ".address",
                   r.address.str() + " is already reserved by dhcpd.reservation[" + std::to_string(it->second) + "]");
    if (r.address == model.site.address.address)
      report.error(key + ".address", r.address.str() + " is the appliance's own address");
    if (!s.subnet.empty()) {
      bool inside = false;
      for (const auto& sn : s.subnet) inside = inside || sn.prefix.contains(r.address);
      if (!inside) report.error(key + ".address", r.address.str() + " is not inside any dhcpd.subnet");
    } else if (!model.site.address.contains(r.address)) {
      report.error(key + ".address", r.address.str() + " is not inside the site subnet " + model.site.address.str());
    }
    if (!r.hostname.empty())
      if (auto e = check_host_label(r.hostname); !e.empty()) report.error(key + ".hostname", e);
    check_options(r.option, key + ".option", s.option_def, report);
  }

  // Cross-service: 160's host must be an address or a name in our zone; 42/4 at us need sntpd;
  // 66 at us needs provisiond (its TFTP).
  auto check_cross = [&](const std::vector<OptionConfig>& options, const std::string& base) {
    for (std::size_t i = 0; i < options.size(); ++i) {
      const auto& o = options[i];
      if (!o.value) continue;
      const std::string key = key_of(base, i) + ".value";
      auto str = std::get_if<std::string>(&o.value->data);
      if (o.code == 160 && str) {
        const std::string host = url_host(*str);
        const std::string& domain = model.site.domain;
        const bool in_zone = host.size() > domain.size() &&
                             host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
                             host[host.size() - domain.size() - 1] == '.';
        if (host.empty())
          report.error(key, "'" + *str + "' is not a URL (scheme://host...)");
        else if (!Ipv4Address::parse(host) && !in_zone && host != domain)
          report.error(key, "host '" + host + "' is neither an address nor a name in the zone " + domain);
      }
      // A warning, not an error (issue 3): dhcpd sends the option as written, and another NTP server may run
      // on the host. "This appliance" is the site address, or the address sntpd would serve on.
      if ((o.code == 42 || o.code == 4) && !model.sntpd.common.enabled) {
        std::vector<std::string> addrs;
        if (str) addrs.push_back(*str);
        if (auto arr = std::get_if<Value::Array>(&o.value->data))
          for (const auto& v : *arr)
            if (auto s2 = std::get_if<std::string>(&v.data)) addrs.push_back(*s2);
        const Ipv4Address served = sntpd_bind_address(model);  // 0.0.0.0: every address, the site's included
        for (const auto& a : addrs) {
          const auto ip = Ipv4Address::parse(a);
          if (ip && (*ip == model.site.address.address || (served.value != 0 && *ip == served))) {
            report.warning(key, "points at this appliance (" + a +
                                    ") but sntpd is disabled: phones get no time there unless another NTP server "
                                    "runs on it");
            break;
          }
        }
      }
      if (o.code == 66 && str && *str == model.site.address.address.str() && !model.provisiond.common.enabled)
        report.error(key, "points at this appliance but provisiond (TFTP) is disabled");
    }
  };
  // The phone inventory: rows dhcpd cannot use are warnings (the rest is served); a missing file is the
  // site check's error.
  if (s.use_inventory && !model.site.inventory.empty()) {
    auto inv = inventory::load(inventory_path(model));
    for (const auto& p : inv.problems)
      if (p.line != 0)
        report.warning("site.inventory", model.site.inventory + ":" + std::to_string(p.line) + ": " + p.message);
  }
  check_cross(s.option, "dhcpd.option");
  for (std::size_t i = 0; i < s.subnet.size(); ++i)
    check_cross(s.subnet[i].option, key_of("dhcpd.subnet", i) + ".option");
  for (std::size_t i = 0; i < s.client_class.size(); ++i)
    check_cross(s.client_class[i].option, key_of("dhcpd.class", i) + ".option");
}

std::vector<ClientClass> builtin_profiles(const Model& model) {
  const std::string me = model.site.address.address.str();
  auto text = [](std::int64_t code, std::string v) {
    OptionConfig o;
    o.code = code;
    o.value = Value{std::move(v)};
    return o;
  };
  auto cls = [](std::string name, std::string match, std::string how, std::string pattern) {
    ClientClass c;
    c.name = std::move(name);
    c.match = std::move(match);
    if (how == "exact")
      c.exact = std::move(pattern);
    else if (how == "prefix")
      c.prefix = std::move(pattern);
    else if (how == "substring")
      c.substring = std::move(pattern);
    else
      c.regex = std::move(pattern);
    return c;
  };
  std::vector<ClientClass> out;
  // Interaction SIP Station I/II and AudioCodes/Genesys: option 67 per model for recovery mode (seeds/001
  // "Configure DHCP Records for Multiple Phone Model Recovery"); the vendor class is the model name.
  for (const auto& [name, vc, file] : std::initializer_list<std::tuple<const char*, const char*, const char*>>{
           {"sip100", "SIP100", "sip100.img"},
           {"sip200", "SIP200", "sip200.img"},
           {"audiocodes-405", "405", "405.img"},
           {"audiocodes-405hd", "405HD", "405hd.img"},
           {"audiocodes-420hd", "420HD", "420hd.img"},
           {"audiocodes-430hd", "430HD", "430hd.img"},
           {"audiocodes-440hd", "440HD", "440hd.img"}}) {
    auto c = cls(name, "vendor-class", "exact", vc);
    c.option.push_back(text(67, file));
    out.push_back(std::move(c));
  }
  // Polycom: binary option 60 (enterprise 13885) carrying "Polycom"; 160 only, no 66 (seeds/001).
  auto poly = cls("polycom", "vendor-class", "substring", "Polycom");
  poly.remove = {66};
  out.push_back(poly);
  auto poly_mac = cls("polycom-mac", "mac", "regex", "^(00:04:f2|64:16:7f|48:25:67)");
  poly_mac.remove = {66};
  out.push_back(poly_mac);
  // SIP Soft Phone: a Windows PC; option 160 (global) is all it needs.
  out.push_back(cls("sip-soft-phone", "vendor-class", "prefix", "MSFT"));
  // Cisco: NUL-terminated "Cisco Systems, Inc. IP Phone CP-...", wants option 150 (TFTP address list).
  auto cisco = cls("cisco", "vendor-class", "prefix", "Cisco Systems, Inc. IP Phone");
  OptionConfig o150;
  o150.code = 150;
  o150.value = Value{Value::Array{Value{me}}};
  cisco.option.push_back(o150);
  out.push_back(cisco);
  // Avaya 96xx/J1xx (and Nortel 1100/1200 SIP): option 242 "NAME=value,..." pointing at our HTTP server.
  auto avaya = cls("avaya", "vendor-class", "regex", "(?i)(avaya|nortel)");
  avaya.echo_vendor_class = true;  // 1100/1200 SIP phones require their Nortel-SIP-Phone-A echoed
  avaya.option.push_back(text(242, "HTTPSRVR=" + me + ",HTTPPORT=" + std::to_string(model.provisiond.port)));
  out.push_back(avaya);
  // Yealink: custom option > 66 > 43; 66 carries the provisioning URL.
  auto yealink = cls("yealink", "vendor-class", "regex", "(?i)^yealink");
  yealink.option.push_back(text(66, model.site.effective_provision_url()));
  out.push_back(yealink);
  // Mitel/Aastra: option 125, enterprise 1027, the "id:ipphone.mitel.com;..." tag string.
  auto mitel = cls("mitel", "vendor-class", "regex", "^(Aastra|Mitel|Aamadeus|MITEL)");
  OptionConfig o125;
  o125.code = 125;
  o125.enterprise = 1027;
  std::string tags = "id:ipphone.mitel.com;sw_tftp=" + me;
  if (!model.site.call_server.empty()) {
    tags += ";call_srv=";
    for (std::size_t i = 0; i < model.site.call_server.size(); ++i)
      tags += (i ? "," : "") + model.site.call_server[i].address.str();
  }
  if (model.site.vlan) tags += ";vlan=" + std::to_string(*model.site.vlan);
  o125.suboption.push_back(SubOption{.code = 2, .type = "string", .value = Value{tags}});
  mitel.option.push_back(o125);
  out.push_back(mitel);
  return out;
}

std::string dhcpd_state_dir(const Model& model) { return model.site.state_dir + "/dhcpd"; }

std::string inventory_path(const Model& model) {
  if (model.site.inventory.empty()) return {};
  return (std::filesystem::path(model.directory) / model.site.inventory).string();
}

std::string summary_dhcpd(const Model& model) {
  const auto& s = model.dhcpd;
  if (!s.common.enabled) return "dhcpd: disabled";
  std::string line = "dhcpd: port " + std::to_string(s.port) + ", ";
  line += s.subnet.empty() ? "subnet " + model.site.address.network().str() + "/" +
                                 std::to_string(model.site.address.length) + " (from the site)"
                           : std::to_string(s.subnet.size()) + " subnet(s)";
  line += ", " + std::to_string(s.client_class.size()) + " class(es)" +
          (s.builtin_profiles ? " + built-in phone profiles" : "");
  line += ", " + std::to_string(s.reservation.size()) + " reservation(s)";
  return line;
}

}  // namespace pb::config
