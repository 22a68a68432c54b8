#include "common/config/site.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include "common/ascii.hpp"
#include "common/config/model.hpp"

namespace pb::config {
namespace {

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

std::string check_host_label(const std::string& label) {
  if (label.empty()) return "must not be empty";
  if (label.size() > 63) return "'" + label + "' is longer than 63 characters";
  for (char c : label)
    if (!is_label_char(c)) return "'" + label + "' is not a host name (letters, digits and '-' only)";
  if (label.front() == '-' || label.back() == '-') return "'" + label + "' must not start or end with '-'";
  return {};
}

std::string check_domain_name(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) return "'" + name + "' is longer than 253 characters";
  std::size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty()) return "'" + name + "' has an empty label";
    if (auto e = check_host_label(label); !e.empty())
      return "'" + name + "' is not a domain name (label '" + label + "')";
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return {};
}

std::string check_timezone(const std::string& name) {
  // IANA names only ("America/New_York", "UTC"); no paths out of the database.
  bool plain = !name.empty() && name.front() != '/' && name.find("..") == std::string::npos;
  for (char c : name)
    if (!(is_label_char(c) || c == '/' || c == '_' || c == '+')) plain = false;
  if (plain) {
    std::ifstream f("/usr/share/zoneinfo/" + name, std::ios::binary);
    char magic[4] = {};
    if (f.read(magic, 4) && std::string_view(magic, 4) == "TZif") return {};
  }
  return "'" + name + "' is not a time zone of the tz database";
}

std::string check_interface_name(const std::string& name) {
  // Linux IFNAMSIZ is 16 including the NUL.
  if (name.empty() || name.size() > 15 || name.find('/') != std::string::npos ||
      name.find_first_of(" \t") != std::string::npos)
    return "'" + name + "' is not a network interface name";
  return {};
}

std::string check_log_level(const std::string& level) {
  if (level == "debug" || level == "info" || level == "warning" || level == "error") return {};
  return "'" + level + "' is not one of debug, info, warning, error";
}

std::string SiteSection::effective_provision_url() const {
  return provision_url.empty() ? "http://provision." + domain + ":8088" : provision_url;
}

void check_site(const Model& model, Reporter& report) {
  const auto& site = model.site;
  if (site.address.length < 8 || site.address.length > 30)
    report.error("site.address", "prefix length /" + std::to_string(site.address.length) +
                                     " leaves no room for phones (use /8 to /30)");
  else if (site.address.address == site.address.network() || site.address.address == site.address.broadcast())
    report.error("site.address", site.address.str() + " is the network or broadcast address, not a host");
  std::set<std::string> names;
  for (std::size_t i = 0; i < site.call_server.size(); ++i) {
    const auto& cs = site.call_server[i];
    const std::string key = "site.call_server[" + std::to_string(i) + "]";
    const std::string lower = ascii_lower(cs.name);
    if (!names.insert(lower).second) report.error(key + ".name", "'" + cs.name + "' is declared twice");
    if (lower == "provision") report.error(key + ".name", "'provision' is the name of the provisioning record");
  }
  if (!site.provision_url.empty() && site.provision_url.rfind("http://", 0) != 0 &&
      site.provision_url.rfind("https://", 0) != 0 && site.provision_url.rfind("tftp://", 0) != 0)
    report.error("site.provision_url", "'" + site.provision_url + "' is not an http://, https:// or tftp:// URL");
  if (site.sip_port == site.sips_port)
    report.error("site.sips_port", "SIP and SIP over TLS cannot share port " + std::to_string(site.sip_port));
  if (!site.inventory.empty()) {
    std::ifstream f(inventory_path(model));
    if (!f) report.error("site.inventory", "cannot read '" + site.inventory + "'");
  }
}

}  // namespace pb::config
