#include "common/config/provisiond.hpp"

#include <re2/re2.h>

#include <filesystem>
#include <fstream>

#include "common/config/model.hpp"
#include "common/phone_template.hpp"
#include "common/upstream_url.hpp"

namespace pb::config {
namespace {

namespace fs = std::filesystem;

std::string resolve(const Model& model, const std::string& path, const std::string& fallback) {
  if (path.empty()) return (fs::path(model.site.state_dir) / fallback).string();
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(model.directory) / path).lexically_normal().string();
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

// "/srv/x/" and "/srv/x" (and "/srv/./x") are one folder.
bool same_dir(const std::string& a, const std::string& b) {
  auto norm = [](const std::string& p) {
    fs::path n = fs::path(p).lexically_normal();
    return n.has_filename() ? n : n.parent_path();
  };
  return norm(a) == norm(b);
}

}  // namespace

std::string check_verify_client(const std::string& mode) {
  if (mode == "none" || mode == "optional" || mode == "require") return {};
  return "'" + mode + "' is not one of none, optional, require";
}

std::string check_mac_files(const std::string& mode) {
  if (mode == "lease" || mode == "any" || mode == "auto") return {};
  return "'" + mode + "' is not one of lease, any, auto";
}

std::string check_template_escape(const std::string& mode) {
  if (mode == "xml" || mode == "none" || mode == "auto") return {};
  return "'" + mode + "' is not one of xml, none, auto";
}

// The name a phone asks for, once [MACADDRESS] is filled in: the same rules as a request's path
// (provisiond/path.hpp), so every rendered file can be asked for.
std::string check_template_file(const std::string& pattern) {
  const auto& placeholder = phone_template::mac_placeholder;
  const auto at = pattern.find(placeholder);
  if (at == std::string::npos) return "'" + pattern + "' has no [MACADDRESS]: every phone would get the same name";
  if (pattern.find(placeholder, at + 1) != std::string::npos) return "[MACADDRESS] may appear once";
  if (pattern.size() > 200) return "longer than 200 characters";
  std::string_view rest(pattern);
  rest.remove_prefix(std::min(rest.find_first_not_of('/'), rest.size()));
  if (rest.empty() || rest.back() == '/') return "'" + pattern + "' names a folder, not a file";
  for (char c : rest)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\' || c == '%')
      return "'" + pattern + "' has a control character, '\\' or '%'";
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto end = std::min(rest.find('/', start), rest.size());
    const std::string_view part = rest.substr(start, end - start);
    if (part.empty() || part.front() == '.')
      return "'" + pattern + "' has an empty or hidden ('.') folder or file name, which is never served";
    start = end + 1;
  }
  return {};
}

std::string check_proxy_upstream(const std::string& url) {
  if (url.empty()) return {};
  std::string why;
  if (!parse_upstream_url(url, why)) return "'" + url + "': " + why;
  return {};
}

bool provisiond_mac_files_leased(const Model& model) {
  const std::string& mode = model.provisiond.mac_files;
  return mode == "lease" || (mode == "auto" && model.dhcpd.common.enabled);
}

std::string provisiond_root(const Model& model) { return resolve(model, model.provisiond.root, "files"); }
std::string provisiond_upload_dir(const Model& model) {
  return resolve(model, model.provisiond.upload.directory, "uploads");
}
std::string provisiond_proxy_dir(const Model& model) {
  return resolve(model, model.provisiond.proxy.directory, "proxy-cache");
}
std::string provisiond_file(const Model& model, const std::string& path) {
  return path.empty() ? std::string{} : resolve(model, path, "");
}
std::string provisiond_tls_dir(const Model& model) { return (fs::path(model.site.state_dir) / "tls").string(); }

namespace {

// Renders every template for every phone, so a template that will not compile or fill stops the set here.
void check_templates(const Model& model, Reporter& report) {
  if (model.provisiond.templates.empty()) return;
  const auto rendered = phone_template::render_all(model);
  for (const auto& p : rendered.problems) {
    if (p.error)
      report.error(p.key, p.message);
    else
      report.warning(p.key, p.message);
  }
  // A file of the same name in the root is never served: say so, once per template.
  const fs::path root = provisiond_root(model);
  std::vector<bool> warned(model.provisiond.templates.size());
  for (const auto& f : rendered.files) {
    std::error_code ec;
    if (warned[f.template_index] || !fs::exists(root / f.name, ec)) continue;
    warned[f.template_index] = true;
    report.warning("provisiond.templates[" + std::to_string(f.template_index) + "].file",
                   "'" + (root / f.name).string() + "' is not served: the file rendered for inventory line " +
                       std::to_string(f.phone_line) + " takes its place");
  }
}

}  // namespace

void check_provisiond(const Model& model, Reporter& report) {
  const auto& s = model.provisiond;
  if (!s.root.empty()) {
    std::error_code ec;
    if (!fs::is_directory(provisiond_root(model), ec))
      report.error("provisiond.root", "'" + s.root + "' is not a directory");
  }
  if (s.upload.enabled && same_dir(provisiond_upload_dir(model), provisiond_root(model)))
    report.error("provisiond.upload.directory", "the upload directory cannot be the root of the served files");
  if (s.http && s.https.enabled && s.port == s.https.port)
    report.error("provisiond.https.port", "HTTP and HTTPS cannot share port " + std::to_string(s.port));
  if (s.common.metrics_port != 0 && (s.common.metrics_port == s.port || s.common.metrics_port == s.https.port))
    report.error("provisiond.metrics_port", "port " + std::to_string(s.common.metrics_port) + " is already HTTP(S)");
  // Another DHCP server's leases are not in our journal: every phone's own file would be refused.
  if (s.mac_files == "lease" && !model.dhcpd.common.enabled)
    report.warning("provisiond.mac_files",
                   "\"lease\" with dhcpd disabled: no lease is ever found, so every file named after a MAC is refused");

  check_templates(model, report);
  if (!s.proxy.upstream.empty()) {
    const std::string dir = provisiond_proxy_dir(model);
    if (same_dir(dir, provisiond_root(model)) || (s.upload.enabled && same_dir(dir, provisiond_upload_dir(model))))
      report.error("provisiond.proxy.directory", "the proxy's folder cannot be the root or the upload directory");
    if (!s.proxy.ca_file.empty() && !readable(provisiond_file(model, s.proxy.ca_file)))
      report.error("provisiond.proxy.ca_file", "cannot read '" + s.proxy.ca_file + "'");
    std::string ignored;
    const auto upstream = parse_upstream_url(s.proxy.upstream, ignored);
    if (!s.proxy.ca_file.empty() && upstream && !upstream->tls)
      report.warning("provisiond.proxy.ca_file", "not used: the upstream is plain http://");
    // provision.<domain> is the call servers' name (dnsd): phones sent there never reach this proxy.
    std::string why;
    const auto url = parse_upstream_url(model.site.effective_provision_url(), why);
    if (url && url->host == "provision." + model.site.domain)
      report.warning("provisiond.proxy.upstream", "phones are sent to " + url->host +
                                                      ", the call servers' name, and never reach this proxy: set "
                                                      "site.provision_url to this appliance (http://" +
                                                      model.site.address.address.str() + ":" + std::to_string(s.port) +
                                                      ")");
  }

  const auto& tls = s.https;
  if (tls.certificate.empty() != tls.key.empty())
    report.error(tls.certificate.empty() ? "provisiond.https.key" : "provisiond.https.certificate",
                 "certificate and key are set together (or neither, for a generated self-signed pair)");
  if (!tls.certificate.empty() && !readable(provisiond_file(model, tls.certificate)))
    report.error("provisiond.https.certificate", "cannot read '" + tls.certificate + "'");
  if (!tls.key.empty() && !readable(provisiond_file(model, tls.key)))
    report.error("provisiond.https.key", "cannot read '" + tls.key + "'");
  for (std::size_t i = 0; i < tls.client_ca.size(); ++i)
    if (!readable(provisiond_file(model, tls.client_ca[i])))
      report.error("provisiond.https.client_ca[" + std::to_string(i) + "]", "cannot read '" + tls.client_ca[i] + "'");
  if (tls.verify_client != "none" && tls.client_ca.empty())
    report.error("provisiond.https.verify_client", "verifying client certificates needs at least one client_ca bundle");

  const auto& tftp = s.tftp;
  if (tftp.max_timeout_ms < tftp.timeout_ms)
    report.error("provisiond.tftp.max_timeout_ms",
                 "must not be below timeout_ms (" + std::to_string(tftp.timeout_ms) + ")");
  if (tftp.write && !s.upload.enabled)
    report.error("provisiond.tftp.write", "TFTP writes go to the upload directory: enable provisiond.upload first");
  for (std::size_t i = 0; i < tftp.rename.size(); ++i) {
    const std::string key = "provisiond.tftp.rename[" + std::to_string(i) + "]";
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(tftp.rename[i].pattern, options);
    if (!re.ok()) {
      report.error(key + ".pattern",
                   "'" + tftp.rename[i].pattern + "' is not a regular expression (" + re.error() + ")");
      continue;
    }
    std::string why;
    if (!re.CheckRewriteString(tftp.rename[i].replacement, &why))
      report.error(key + ".replacement", "'" + tftp.rename[i].replacement + "' does not fit the pattern (" + why + ")");
  }
}

std::string summary_provisiond(const Model& model) {
  const auto& s = model.provisiond;
  if (!s.common.enabled) return "provisiond: disabled";
  std::string out = "provisiond: " + provisiond_root(model);
  if (s.http) out += ", HTTP " + std::to_string(s.port);
  if (s.https.enabled) out += ", HTTPS " + std::to_string(s.https.port);
  if (s.tftp.enabled) out += ", TFTP " + std::to_string(s.tftp.port);
  if (s.upload.enabled) out += ", uploads to " + provisiond_upload_dir(model);
  if (provisiond_mac_files_leased(model)) out += ", files named after a MAC only to its lease";
  if (!s.proxy.upstream.empty())
    out += ", other names from " + s.proxy.upstream + " (kept in " + provisiond_proxy_dir(model) + ")";
  if (!s.templates.empty()) {
    const auto rendered = phone_template::render_all(model);
    out += ", " + std::to_string(rendered.files.size()) + " files rendered from " + std::to_string(s.templates.size()) +
           (s.templates.size() == 1 ? " template" : " templates");
  }
  return out;
}

}  // namespace pb::config
