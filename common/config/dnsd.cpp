#include "common/config/dnsd.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/ascii.hpp"
#include "common/config/model.hpp"

namespace pb::config {
namespace {

const char* const kTypes[] = {"A", "AAAA", "CNAME", "PTR", "SRV", "NAPTR", "TXT", "MX", "NS"};

// Splits presentation RDATA into fields; a quoted string is one field (quotes kept so callers can tell).
bool tokenize(const std::string& data, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < data.size()) {
    if (std::isspace(static_cast<unsigned char>(data[i]))) {
      ++i;
      continue;
    }
    std::string token;
    if (data[i] == '"') {
      token += '"';
      ++i;
      bool closed = false;
      while (i < data.size()) {
        if (data[i] == '\\' && i + 1 < data.size()) {
          token += data[i + 1];
          i += 2;
          continue;
        }
        if (data[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        token += data[i++];
      }
      if (!closed) return false;
    } else {
      while (i < data.size() && !std::isspace(static_cast<unsigned char>(data[i]))) token += data[i++];
    }
    out.push_back(std::move(token));
  }
  return true;
}

// A name inside RDATA: relative or absolute, "." for the root; labels of letters, digits, '-' and '_'.
bool is_rdata_name(const std::string& name) {
  if (name == "." || name == "@") return true;
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || n.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = n.find('.', start);
    const std::string label = n.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool is_u16(const std::string& s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return std::stoul(s) <= 65535;
}

bool is_quoted(const std::string& s) { return !s.empty() && s.front() == '"'; }

// Owner names of the records the site alone generates, by type, for the conflict check.
std::map<std::pair<std::string, std::string>, std::string> generated_names(const Model& m) {
  const std::string& d = m.site.domain;
  std::map<std::pair<std::string, std::string>, std::string> g;
  const std::string apex = ascii_lower(d);
  g[{apex, "SOA"}] = "the zone's SOA";
  g[{apex, "NS"}] = "the zone's NS";
  g[{ascii_lower(m.dnsd.hostname + "." + d), "A"}] = "dnsd.hostname";
  for (std::size_t i = 0; i < m.site.call_server.size(); ++i)
    g[{ascii_lower(m.site.call_server[i].name + "." + d), "A"}] = "site.call_server[" + std::to_string(i) + "]";
  if (!m.site.call_server.empty()) {
    g[{ascii_lower("provision." + d), "A"}] = "the provision record of site.call_server";
    for (const char* srv : {"_sip._udp.", "_sip._tcp.", "_sips._tcp."})
      g[{ascii_lower(srv + d), "SRV"}] = "the SRV records of site.call_server";
  }
  return g;
}

bool ends_with_name(const std::string& name, const std::string& suffix) {
  return name == suffix ||
         (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          name[name.size() - suffix.size() - 1] == '.');
}

}  // namespace

std::string check_dns_record_type(const std::string& type) {
  for (const char* t : kTypes)
    if (type == t) return {};
  return "'" + type +
         "' is not a record type dnsd serves from configuration (A, AAAA, CNAME, PTR, SRV, NAPTR, TXT, MX, NS)";
}

std::string check_health_check_kind(const std::string& kind) {
  if (kind == "none" || kind == "sip-udp" || kind == "sip-tcp" || kind == "tcp" || kind == "http") return {};
  return "'" + kind + "' is not one of none, sip-udp, sip-tcp, tcp, http";
}

std::string absolute_dns_name(const std::string& name, const std::string& domain) {
  if (name == "@" || name.empty()) return ascii_lower(domain);
  if (name.back() == '.') return ascii_lower(name.substr(0, name.size() - 1));
  return ascii_lower(name + "." + domain);
}

std::string check_dns_rdata(const std::string& type, const std::string& data) {
  std::vector<std::string> f;
  if (!tokenize(data, f)) return "'" + data + "' has an unterminated quoted string";
  auto want = [&](std::size_t n, const char* form) -> std::string {
    if (f.size() != n) return "'" + data + "' is not " + form;
    return {};
  };
  if (type == "A") {
    if (f.size() != 1 || !Ipv4Address::parse(f[0])) return "'" + data + "' is not an IPv4 address";
  } else if (type == "AAAA") {
    in6_addr a{};
    if (f.size() != 1 || ::inet_pton(AF_INET6, f[0].c_str(), &a) != 1) return "'" + data + "' is not an IPv6 address";
  } else if (type == "CNAME" || type == "PTR" || type == "NS") {
    if (f.size() != 1 || !is_rdata_name(f[0])) return "'" + data + "' is not a domain name";
  } else if (type == "MX") {
    if (auto e = want(2, "'preference exchange'"); !e.empty()) return e;
    if (!is_u16(f[0]) || !is_rdata_name(f[1])) return "'" + data + "' is not 'preference exchange'";
  } else if (type == "SRV") {
    if (auto e = want(4, "'priority weight port target'"); !e.empty()) return e;
    if (!is_u16(f[0]) || !is_u16(f[1]) || !is_u16(f[2]) || !is_rdata_name(f[3]))
      return "'" + data + "' is not 'priority weight port target'";
  } else if (type == "TXT") {
    if (f.empty()) return "TXT data must not be empty";
    for (const auto& s : f)
      if (s.size() - (is_quoted(s) ? 1 : 0) > 255) return "a TXT string is longer than 255 bytes";
  } else if (type == "NAPTR") {
    const char* form = "'order preference \"flags\" \"services\" \"regexp\" replacement'";
    if (auto e = want(6, form); !e.empty()) return e;
    if (!is_u16(f[0]) || !is_u16(f[1]) || !is_quoted(f[2]) || !is_quoted(f[3]) || !is_quoted(f[4]) ||
        !is_rdata_name(f[5]))
      return "'" + data + "' is not " + form;
  }
  return {};
}

void check_dnsd(const Model& model, Reporter& report) {
  const auto& s = model.dnsd;
  const std::string domain = ascii_lower(model.site.domain);
  for (const auto& cs : model.site.call_server)
    if (ascii_lower(cs.name) == ascii_lower(s.hostname))
      report.error("dnsd.hostname", "'" + s.hostname + "' is also the name of a call server");
  if (ascii_lower(s.hostname) == "provision" && !model.site.call_server.empty())
    report.error("dnsd.hostname", "'provision' is the name of the provisioning record");

  // Zones we serve: the site's, the reverse tree, and every zone file's origin.
  std::vector<std::string> zones{domain, "in-addr.arpa"};
  for (std::size_t i = 0; i < s.zone_file.size(); ++i) {
    const auto& z = s.zone_file[i];
    const std::string key = "dnsd.zone_file[" + std::to_string(i) + "]";
    if (!z.origin.empty()) {
      std::string o = z.origin;
      if (o.back() == '.') o.pop_back();
      if (auto e = check_domain_name(o); !e.empty()) {
        report.error(key + ".origin", e);
        continue;
      }
      zones.push_back(ascii_lower(o));
    }
    std::ifstream f(std::filesystem::path(model.directory) / z.file);
    if (!f) report.error(key + ".file", "cannot read '" + z.file + "'");
  }

  const auto generated = generated_names(model);
  std::map<std::string, std::set<std::string>> types_at;  // owner -> types written in dnsd.record
  for (std::size_t i = 0; i < s.record.size(); ++i) {
    const auto& r = s.record[i];
    const std::string key = "dnsd.record[" + std::to_string(i) + "]";
    std::string relative = r.name;
    if (!relative.empty() && relative.back() == '.') relative.pop_back();
    if (relative.rfind("*.", 0) == 0) relative = relative.substr(2);  // a wildcard: the whole first label only
    if (r.name != "@" && !is_rdata_name(relative)) {
      report.error(key + ".name", "'" + r.name + "' is not a domain name");
      continue;
    }
    const std::string owner = absolute_dns_name(r.name, model.site.domain);
    if (std::none_of(zones.begin(), zones.end(), [&](const std::string& z) { return ends_with_name(owner, z); }))
      report.error(key + ".name", "'" + owner + "' is outside every zone dnsd serves");
    if (auto e = check_dns_rdata(r.type, r.data); !e.empty()) report.error(key + ".data", e);
    if (r.ptr && r.type != "A") report.error(key + ".ptr", "only A records have a generated PTR");
    if (r.type == "CNAME" && owner == domain) report.error(key + ".type", "the zone apex cannot be a CNAME");
    if (auto g = generated.find({owner, r.type}); g != generated.end())
      report.error(key + ".name", "'" + owner + "' " + r.type + " conflicts with " + g->second);
    if (r.type == "CNAME") {
      for (const auto& [k, what] : generated)
        if (k.first == owner) {
          report.error(key + ".type", "a CNAME at '" + owner + "' conflicts with " + what);
          break;
        }
    }
    types_at[owner].insert(r.type);
  }
  for (std::size_t i = 0; i < s.record.size(); ++i) {
    const auto& r = s.record[i];
    const std::string owner = absolute_dns_name(r.name, model.site.domain);
    if (r.type == "CNAME" && types_at[owner].size() > 1)
      report.error("dnsd.record[" + std::to_string(i) + "].type",
                   "a CNAME at '" + owner + "' cannot have other records beside it");
  }
  if (s.health.check != "none" && model.site.call_server.empty())
    report.warning("dnsd.health.check", "health checks are configured but site.call_server is empty");
  if (s.health.timeout_ms >= s.health.interval_ms)
    report.error("dnsd.health.timeout_ms",
                 "must be shorter than interval_ms (" + std::to_string(s.health.interval_ms) + ")");
}

std::string summary_dnsd(const Model& model) {
  const auto& s = model.dnsd;
  if (!s.common.enabled) return "dnsd: disabled";
  std::string out = "dnsd: zone " + model.site.domain + ", port " + std::to_string(s.port) + ", " +
                    std::to_string(s.record.size()) + " extra records, " + std::to_string(s.zone_file.size()) +
                    " zone files";
  if (s.health.check != "none") out += ", health " + s.health.check;
  if (!s.forward.upstream.empty()) out += ", forwarding";
  if (!s.secondaries.empty()) out += ", " + std::to_string(s.secondaries.size()) + " secondaries";
  return out;
}

}  // namespace pb::config
