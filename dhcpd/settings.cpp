#include "dhcpd/settings.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/inventory.hpp"

namespace pb::dhcp {
namespace {

Bytes u32_bytes(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}
Bytes text_bytes(const std::string& s) { return {s.begin(), s.end()}; }

OptionSet compile_options(const std::vector<config::OptionConfig>& options,
                          const std::vector<config::OptionDef>& defs) {
  OptionSet set;
  for (const auto& o : options) {
    auto type = config::resolve_option_type(o, defs);
    if (!type) continue;  // the configuration check reported it
    auto enc = config::encode_option(o, *type);
    if (enc.error.empty()) set.set(static_cast<std::uint8_t>(o.code), std::move(enc.bytes));
  }
  return set;
}

CompiledClass compile_class(const config::ClientClass& c, const std::vector<config::OptionDef>& defs, bool builtin) {
  CompiledClass out;
  out.name = c.name;
  out.builtin = builtin;
  if (c.match == "user-class")
    out.field = CompiledClass::Field::user_class;
  else if (c.match == "mac")
    out.field = CompiledClass::Field::mac;
  else if (c.match == "hostname")
    out.field = CompiledClass::Field::hostname;
  const std::string* pattern = &c.exact;
  if (!c.prefix.empty())
    out.how = CompiledClass::How::prefix, pattern = &c.prefix;
  else if (!c.substring.empty())
    out.how = CompiledClass::How::substring, pattern = &c.substring;
  else if (!c.regex.empty())
    out.how = CompiledClass::How::regex, pattern = &c.regex;
  if (out.how == CompiledClass::How::regex) {
    RE2::Options opt;
    opt.set_encoding(RE2::Options::EncodingLatin1);  // option 60 is bytes, not UTF-8 (Polycom)
    opt.set_log_errors(false);
    out.regex = std::make_unique<re2::RE2>(*pattern, opt);
    if (!out.regex->ok())
      throw std::runtime_error("class '" + c.name + "': regex '" + *pattern + "' is invalid (" + out.regex->error() +
                               ")");
  } else if (out.field == CompiledClass::Field::mac) {
    out.pattern = config::parse_hex_bytes(*pattern).value_or(Bytes{});
  } else {
    out.pattern = text_bytes(*pattern);
  }
  out.options = compile_options(c.option, defs);
  for (auto code : c.remove)
    if (code >= 1 && code <= 254) out.remove.set(static_cast<std::size_t>(code));
  out.max_leases = c.max_leases;
  out.echo_vendor_class = c.echo_vendor_class;
  return out;
}

std::string sanitize_label(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  return out;
}

bool bytes_contain(std::span<const std::uint8_t> hay, const Bytes& needle) noexcept {
  if (needle.empty()) return true;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace

void OptionSet::set(std::uint8_t code, Bytes value) {
  for (auto& [c, v] : items)
    if (c == code) {
      v = std::move(value);
      return;
    }
  items.emplace_back(code, std::move(value));
}

const Bytes* OptionSet::find(std::uint8_t code) const noexcept {
  for (const auto& [c, v] : items)
    if (c == code) return &v;
  return nullptr;
}

std::string mac_key(std::span<const std::uint8_t> mac, std::uint8_t htype) {
  std::string k = "h";
  k += static_cast<char>(htype);
  k.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  return k;
}

std::string client_key(const Packet& p) {
  auto id = p.option(61);
  if (!id.empty()) {
    std::string k = "i";
    k.append(reinterpret_cast<const char*>(id.data()), id.size());
    return k;
  }
  return mac_key(p.hwaddr(), p.htype);
}

std::string posix_tz_string(const std::string& zone) {
  std::ifstream f("/usr/share/zoneinfo/" + zone, std::ios::binary);
  if (!f) return {};
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // TZif v2+ ends with "\n<POSIX TZ>\n".
  if (data.size() < 3 || data.back() != '\n') return {};
  const auto start = data.rfind('\n', data.size() - 2);
  if (start == std::string::npos) return {};
  return data.substr(start + 1, data.size() - start - 2);
}

bool CompiledClass::matches(const Packet& p) const noexcept {
  std::span<const std::uint8_t> value;
  switch (field) {
    case Field::vendor_class: value = p.option(60); break;
    case Field::user_class: value = p.option(77); break;
    case Field::hostname: value = p.option(12); break;
    case Field::mac: value = p.hwaddr(); break;
  }
  if (field != Field::mac) {
    if (!p.has(field == Field::vendor_class ? 60 : field == Field::user_class ? 77 : 12)) return false;
    // Cisco and Avaya/Nortel NUL-terminate option 60: one trailing NUL is not part of the value.
    if (!value.empty() && value.back() == 0) value = value.first(value.size() - 1);
  }
  switch (how) {
    case How::exact: return value.size() == pattern.size() && std::equal(value.begin(), value.end(), pattern.begin());
    case How::prefix:
      return value.size() >= pattern.size() && std::equal(pattern.begin(), pattern.end(), value.begin());
    case How::substring: return bytes_contain(value, pattern);
    case How::regex: {
      if (field == Field::mac) {
        char text[16 * 3];
        std::size_t n = 0;
        static constexpr char d[] = "0123456789abcdef";
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (i) text[n++] = ':';
          text[n++] = d[value[i] >> 4];
          text[n++] = d[value[i] & 15];
        }
        return RE2::PartialMatch(re2::StringPiece(text, n), *regex);
      }
      return RE2::PartialMatch(re2::StringPiece(reinterpret_cast<const char*>(value.data()), value.size()), *regex);
    }
  }
  return false;
}

std::shared_ptr<const Settings> Settings::build(const config::Model& model) {
  const auto& cfg = model.dhcpd;
  const auto& defs = cfg.option_def;
  auto s = std::make_shared<Settings>();
  s->server = model.site.address.address;
  s->lease_time = cfg.lease_time;
  s->decline_probation = cfg.decline_probation;
  s->offer_hold = cfg.offer_hold;
  s->send_unrequested = cfg.send_unrequested;
  s->authoritative = cfg.authoritative;
  s->rate_limit = cfg.rate_limit;
  s->relay_rate_limit = cfg.relay_rate_limit;
  s->ping_check = cfg.ping_check;
  s->ping_timeout_ms = cfg.ping_timeout_ms;

  // Classes first: pools refer to them by name.
  std::unordered_set<std::string> configured;
  for (const auto& c : cfg.client_class) {
    s->classes.push_back(compile_class(c, defs, false));
    configured.insert(c.name);
  }
  if (cfg.builtin_profiles)
    for (const auto& c : config::builtin_profiles(model))
      if (configured.count(c.name) == 0) s->classes.push_back(compile_class(c, defs, true));
  auto class_index = [&](const std::string& name) {
    for (std::size_t i = 0; i < s->classes.size(); ++i)
      if (s->classes[i].name == name) return static_cast<int>(i);
    return -1;
  };

  // Subnets: the configured ones, or the site's own with a pool in its upper three quarters.
  std::vector<config::Subnet> subnets = cfg.subnet;
  if (subnets.empty()) {
    config::Subnet sn;
    sn.prefix = Ipv4Prefix{model.site.address.network(), model.site.address.length};
    const std::uint32_t size = ~sn.prefix.mask() + 1u;
    config::Pool pool;
    pool.start = Ipv4Address{sn.prefix.network().value + (size >= 64 ? size / 4 : 1)};
    pool.end = Ipv4Address{sn.prefix.broadcast().value - 1};
    sn.pool.push_back(pool);
    subnets.push_back(sn);
  }
  for (const auto& sn : subnets) {
    CompiledSubnet c;
    c.prefix = Ipv4Prefix{sn.prefix.network(), sn.prefix.length};
    for (auto r : sn.relay) c.relays.push_back(r.value);
    for (const auto& p : sn.pool)
      c.pools.push_back({p.start.value, p.end.value, p.client_class.empty() ? -1 : class_index(p.client_class)});
    c.lease_time = sn.lease_time.value_or(cfg.lease_time);
    c.options.set(1, u32_bytes(c.prefix.mask()));
    if (sn.router) c.options.set(3, u32_bytes(sn.router->value));
    for (auto& [code, bytes] : compile_options(sn.option, defs).items) c.options.set(code, std::move(bytes));
    if (c.prefix.contains(model.site.address.address)) s->local_subnet = static_cast<int>(s->subnets.size());
    s->subnets.push_back(std::move(c));
  }

  // Global options derived from the site, then the operator's global options over them. Each points at the
  // address its service answers on: the one it is bound to, or the appliance's when it listens on every one.
  const auto served_at = [&](Ipv4Address bound) { return bound.value != 0 ? bound : s->server; };
  if (model.dnsd.common.enabled) s->global.set(6, u32_bytes(served_at(model.dnsd.address).value));
  s->global.set(15, text_bytes(model.site.domain));
  if (model.sntpd.common.enabled) {
    const Bytes ntp = u32_bytes(served_at(config::sntpd_bind_address(model)).value);
    s->global.set(42, ntp);
    s->global.set(4, ntp);
  }
  if (model.provisiond.common.enabled) s->global.set(66, text_bytes(served_at(model.provisiond.listen).str()));
  s->global.set(160, text_bytes(model.site.effective_provision_url()));
  if (auto posix = posix_tz_string(model.site.timezone); !posix.empty()) s->global.set(100, text_bytes(posix));
  s->global.set(101, text_bytes(model.site.timezone));
  for (auto& [code, bytes] : compile_options(cfg.option, defs).items) {
    if (code == 2) s->time_offset_dynamic = false;
    s->global.set(code, std::move(bytes));
  }

  s->excluded.insert(s->server.value);
  for (const auto& cs : model.site.call_server) s->excluded.insert(cs.address.value);
  for (std::size_t i = 0; i < cfg.reservation.size(); ++i) {
    const auto& r = cfg.reservation[i];
    CompiledReservation c{r.address, r.hostname, compile_options(r.option, defs),
                          "dhcpd.reservation[" + std::to_string(i) + "]"};
    std::string key;
    if (!r.mac.empty())
      key = mac_key(config::parse_hex_bytes(r.mac).value_or(Bytes{}));
    else {
      auto id = config::parse_hex_bytes(r.client_id).value_or(Bytes{});
      key = "i" + std::string(id.begin(), id.end());
    }
    s->excluded.insert(r.address.value);
    s->reservations.emplace(std::move(key), std::move(c));
  }

  // The phone inventory: names for every phone with a MAC; a reservation where it gives an IP address.
  if (cfg.use_inventory && !model.site.inventory.empty()) {
    auto inv = inventory::load(config::inventory_path(model));
    for (const auto& p : inv.problems)
      s->warnings.push_back(model.site.inventory + ":" + std::to_string(p.line) + ": " + p.message);
    for (const auto& phone : inv.phones) {
      if (!phone.mac) continue;
      const std::string key = mac_key(*phone.mac);
      const std::string host = sanitize_label(phone.name);
      if (!host.empty()) s->hostnames.emplace(key, host);
      // The `IP Address` column says "reserve this"; an Identification Address only says where the phone
      // registered from, which may be another site: used when it falls in one of our subnets, else ignored.
      const std::optional<Ipv4Address> ip = phone.ip ? phone.ip : phone.registered_ip;
      if (!ip) continue;
      const std::string where = model.site.inventory + ":" + std::to_string(phone.line);
      bool inside = false;
      for (const auto& sn : s->subnets) inside = inside || sn.prefix.contains(*ip);
      if (!inside || *ip == s->server) {
        if (phone.ip)
          s->warnings.push_back(where + ": " + ip->str() + " is not a usable address of any subnet; not reserved");
        continue;
      }
      if (s->reservations.count(key) != 0 || s->excluded.count(ip->value) != 0) {
        s->warnings.push_back(where + ": " + phone.name +
                              " is already reserved by the configuration; the inventory row is ignored");
        continue;
      }
      s->excluded.insert(ip->value);
      s->reservations.emplace(key, CompiledReservation{*ip, host, {}, "inventory line " + std::to_string(phone.line)});
    }
  }
  return s;
}

int Settings::select_subnet(const Packet& p) const noexcept {
  if (p.giaddr.value != 0) {
    for (std::size_t i = 0; i < subnets.size(); ++i)
      for (auto r : subnets[i].relays)
        if (r == p.giaddr.value) return static_cast<int>(i);
    for (std::size_t i = 0; i < subnets.size(); ++i)
      if (subnets[i].prefix.contains(p.giaddr)) return static_cast<int>(i);
    return -1;
  }
  if (p.ciaddr.value != 0) {
    for (std::size_t i = 0; i < subnets.size(); ++i)
      if (subnets[i].prefix.contains(p.ciaddr)) return static_cast<int>(i);
    return -1;
  }
  return local_subnet;
}

int Settings::match_class(const Packet& p) const noexcept {
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (classes[i].matches(p)) return static_cast<int>(i);
  return -1;
}

const CompiledReservation* Settings::reservation_for(const Packet& p) const noexcept {
  if (reservations.empty()) return nullptr;
  try {
    if (p.has(61)) {
      auto it = reservations.find(client_key(p));
      if (it != reservations.end()) return &it->second;
    }
    auto it = reservations.find(mac_key(p.hwaddr(), p.htype));
    return it == reservations.end() ? nullptr : &it->second;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace pb::dhcp
