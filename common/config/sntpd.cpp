#include "common/config/sntpd.hpp"

#include <cmath>

#include "common/config/model.hpp"

namespace pb::config {

std::string check_step_threshold(const double& seconds) {
  if (!std::isfinite(seconds) || seconds < 0.001 || seconds > 86400.0) return "must be between 0.001 and 86400 seconds";
  return {};
}

std::optional<UpstreamSpec> parse_upstream(const std::string& text) {
  UpstreamSpec spec;
  spec.host = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    const std::string port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return {};
    const long value = std::stol(port);
    if (value < 1 || value > 65535) return {};
    spec.port = static_cast<std::uint16_t>(value);
    spec.host = text.substr(0, colon);
  }
  if (Ipv4Address::parse(spec.host)) {
    spec.is_address = true;
    return spec;
  }
  // A dotted quad that failed to parse is a typo, not a host name.
  if (spec.host.find_first_not_of("0123456789.") == std::string::npos) return {};
  if (!check_domain_name(spec.host).empty()) return {};
  return spec;
}

void check_sntpd(const Model& model, Reporter& report) {
  const auto& s = model.sntpd;
  for (std::size_t i = 0; i < s.upstream.size(); ++i) {
    if (!parse_upstream(s.upstream[i]))
      report.error("sntpd.upstream[" + std::to_string(i) + "]",
                   "'" + s.upstream[i] + "' is not a host name or IPv4 address with an optional :port");
  }
  // With kernel_sync, another daemon's synchronised kernel is a source even with no upstream and no local.
  if (s.common.enabled && s.upstream.empty() && !s.local && !s.kernel_sync)
    report.error("sntpd.local",
                 "with no upstream, local = false and kernel_sync = false, sntpd could only ever "
                 "answer 'unsynchronised'");
  if (s.rate_limit > 0 && s.rate_burst < s.rate_limit)
    report.error("sntpd.rate_burst", "must be at least rate_limit (" + std::to_string(s.rate_limit) + ")");
  if (s.common.enabled && s.common.metrics_port != 0 && s.common.metrics_port == s.port)
    report.error("sntpd.metrics_port", "cannot share port " + std::to_string(s.port) + " with NTP");
  // With sntpd off, dhcpd leaves options 4/42 out (an explicit 4/42 at the appliance gets its own warning from
  // the dhcpd check), so phones get no time server from this site unless the administrator names one: say so.
  if (!s.common.enabled && model.dhcpd.common.enabled)
    report.warning("sntpd.enabled",
                   "sntpd is disabled: dhcpd will not offer this appliance as time server (options 4/42); "
                   "phones need another time source");
}

Ipv4Address sntpd_bind_address(const Model& model) {
  return model.sntpd.address ? *model.sntpd.address : model.site.address.address;
}

std::string summary_sntpd(const Model& model) {
  const auto& s = model.sntpd;
  if (!s.common.enabled) return "sntpd: disabled";
  std::string line = "sntpd: " + sntpd_bind_address(model).str() + ":" + std::to_string(s.port);
  if (s.upstream.empty()) {
    line += ", host clock at stratum " + std::to_string(s.local_stratum);
  } else {
    line += ", " + std::to_string(s.upstream.size()) + " upstream";
    if (s.local)
      line +=
          ", local stratum " + std::to_string(s.local_stratum) + " after " + std::to_string(s.holdover) + " s holdover";
  }
  return line;
}

}  // namespace pb::config
