#include "tools/phoneboot-sim/boot.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "tools/phoneboot-sim/address.hpp"
#include "tools/phoneboot-sim/dhcp_client.hpp"
#include "tools/phoneboot-sim/probes.hpp"

namespace pb::sim {
namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;
constexpr std::uint16_t kTypeA = 1, kTypeSrv = 33;

Bytes text_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Polycom's option 60: enterprise 13885, then sub-options 1 "Polycom", 2 model, 3 part number, 4 application.
Bytes polycom_vendor_class() {
  Bytes subs;
  for (const auto& [code, value] : {std::pair<std::uint8_t, std::string>{1, "Polycom"},
                                    {2, "SoundPointIP-SPIP_550"},
                                    {3, "2345-12500-001,1"},
                                    {4, "SIP/4.0.1.0000/01-Jan-20 00:00"}}) {
    subs.push_back(code);
    subs.push_back(static_cast<std::uint8_t>(value.size()));
    subs.insert(subs.end(), value.begin(), value.end());
  }
  Bytes out(5 + subs.size());
  out[2] = 0x36;  // 13885, big-endian
  out[3] = 0x3d;
  out[4] = static_cast<std::uint8_t>(subs.size());
  std::copy(subs.begin(), subs.end(), out.begin() + 5);
  return out;
}

std::string mac_text(const std::array<std::uint8_t, 6>& mac, const char* separator) {
  std::string out;
  char b[3];
  for (std::size_t i = 0; i < 6; ++i) {
    std::snprintf(b, sizeof b, "%02x", mac[i]);
    if (i > 0) out += separator;
    out += b;
  }
  return out;
}

std::string ms_text(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", ms);
  return b;
}

std::string ip_list_text(const Bytes& v) {
  std::string out;
  for (std::size_t i = 0; i + 4 <= v.size(); i += 4)
    out += (out.empty() ? "" : " ") + Ipv4Address{(std::uint32_t{v[i]} << 24) | (std::uint32_t{v[i + 1]} << 16) |
                                                  (std::uint32_t{v[i + 2]} << 8) | v[i + 3]}
                                          .str();
  return out;
}

std::optional<Ipv4Address> first_ip(const Bytes& v) {
  if (v.size() < 4) return std::nullopt;
  return Ipv4Address{(std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) | (std::uint32_t{v[2]} << 8) | v[3]};
}

// The family's files, in the order the phone asks for them; `needed` ones it cannot boot without.
struct Wanted {
  std::string path;
  bool needed;
  std::uint64_t range = 0;  // only the first bytes (a firmware header check)
};

class Boot {
 public:
  Boot(const Family& f, const std::array<std::uint8_t, 6>& mac, const BootOptions& o)
      : family_(f), mac_(mac), options_(o), request_ms_(std::max(1000, o.timeout_ms / 4)) {
    report_.mac = mac_text(mac, ":");
  }

  BootReport run() {
    if (dhcp() && address() && time() && find_server() && fetch_files()) registration();
    report_.provisioned = report_.diagnosis.empty();
    report_.address = std::move(address_);
    return std::move(report_);
  }

 private:
  double now_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start_).count(); }

  // Records a step; a needed step that failed ends the boot with its text as the diagnosis.
  bool step(bool ok, bool needed, std::string text) {
    report_.steps.push_back({now_ms(), ok, needed, text});
    if (needed && ok) report_.provisioned_ms = now_ms();
    if (needed && !ok && report_.diagnosis.empty()) report_.diagnosis = std::move(text);
    return ok || !needed;
  }

  const Bytes* option(std::uint8_t code) const {
    const auto it = lease_.options.find(code);
    return it == lease_.options.end() || it->second.empty() ? nullptr : &it->second;
  }
  std::string option_string(std::uint8_t code) const {
    const Bytes* v = option(code);
    return v == nullptr ? "" : std::string(v->begin(), v->end());
  }

  bool dhcp() {
    DhcpRequestShape shape;
    shape.mac = mac_;
    shape.vendor_class = family_.vendor_class;
    shape.parameters = family_.parameters;
    shape.hostname = "SEP" + mac_text(mac_, "");
    start_ = Clock::now();
    lease_ = dhcp_exchange(options_.interface, shape, options_.timeout_ms);
    if (!lease_.ok) return step(false, true, "DHCP: " + lease_.error);
    std::string codes;
    for (const auto& [code, value] : lease_.options) codes += " " + std::to_string(code);
    step(true, true,
         "DHCP: " + lease_.address.str() + " from " + lease_.server.str() + " (OFFER at " + ms_text(lease_.offer_ms) +
             " ms), options" + codes);
    // seeds/001: DHCP must return the mask and DNS servers, should return the domain.
    if (!step(option(1) != nullptr, true, "option 1 (subnet mask)" + std::string(option(1) ? "" : " missing")))
      return false;
    const auto dns = option(6) ? first_ip(*option(6)) : std::nullopt;
    if (!step(dns.has_value(), true,
              dns ? "option 6 (DNS): " + ip_list_text(*option(6)) : "option 6 (DNS servers) missing or malformed"))
      return false;
    dns_ = *dns;
    step(option(15) != nullptr, false,
         option(15) ? "option 15 (domain): " + option_string(15) : "option 15 (domain) missing: short names fail");
    return true;
  }

  bool address() {
    int prefix = 24;
    if (const Bytes* mask = option(1); mask && mask->size() == 4)
      prefix = __builtin_popcount((std::uint32_t{(*mask)[0]} << 24) | (std::uint32_t{(*mask)[1]} << 16) |
                                  (std::uint32_t{(*mask)[2]} << 8) | (*mask)[3]);
    address_ = std::make_shared<LeasedAddress>(options_.interface, lease_.address, prefix);
    if (options_.keep_address) address_->keep();
    return step(address_->ok(), true,
                address_->ok() ? "address " + lease_.address.str() + "/" + std::to_string(prefix)
                               : "address: " + address_->error());
  }

  bool time() {
    const Bytes* servers = option(42) ? option(42) : option(4);
    const auto server = servers ? first_ip(*servers) : std::nullopt;
    if (!server) return step(false, false, "no time server (42/4): the phone keeps its own clock");
    const auto r = sntp_query(lease_.address, *server, request_ms_);
    return step(r.ok, false, "SNTP " + server->str() + ": " + r.detail);
  }

  // Resolves `host` through option 6 (a short name gets option 15's domain, as phones do).
  std::optional<Ipv4Address> resolve(const std::string& host) {
    if (auto ip = Ipv4Address::parse(host)) return ip;
    std::string name = host;
    if (name.find('.') == std::string::npos && option(15)) name += "." + option_string(15);
    const auto r = dns_query(lease_.address, dns_, name, kTypeA, request_ms_);
    step(r.ok, true, "DNS " + name + " A: " + r.detail);
    if (!r.ok) return std::nullopt;
    return Ipv4Address::parse(r.records.front());
  }

  bool find_server() {
    std::string source, value;
    switch (family_.sequence) {
      case Sequence::polycom:  // 160 first, then 66 (seeds/001 "Polycom boot sequence")
        source = option(160) ? "160" : option(66) ? "66" : "";
        break;
      case Sequence::sip_station: source = option(160) ? "160" : ""; break;
      case Sequence::yealink: source = option(66) ? "66" : ""; break;
      case Sequence::cisco:
        if (const auto tftp = option(150) ? first_ip(*option(150)) : std::nullopt) {
          source = "150";
          value = tftp->str();
        } else if (option(66)) {
          source = "66";
        }
        break;
      case Sequence::avaya: {
        const std::string tags = option_string(242);  // "HTTPSRVR=10.250.0.2,HTTPPORT=8088"
        auto tag = [&](const std::string& key) {
          const auto at = tags.find(key + "=");
          if (at == std::string::npos) return std::string();
          const auto end = tags.find(',', at);
          return tags.substr(at + key.size() + 1,
                             end == std::string::npos ? std::string::npos : end - at - key.size() - 1);
        };
        if (!tag("HTTPSRVR").empty()) {
          source = "242";
          value = "http://" + tag("HTTPSRVR") + (tag("HTTPPORT").empty() ? "" : ":" + tag("HTTPPORT"));
        }
        break;
      }
    }
    if (source.empty())
      return step(false, true,
                  "no provisioning server in DHCP (the " + family_.name + " looks in option " + looks_in() +
                      "): it boots with its old configuration");
    if (value.empty()) value = option_string(static_cast<std::uint8_t>(std::stoi(source)));
    auto url = parse_server_url(value);
    if (!url) return step(false, true, "option " + source + " '" + value + "' is not a server or URL");
    if (url->scheme != "http" && url->scheme != "tftp")
      return step(false, true, "option " + source + " '" + value + "': " + url->scheme + " is not simulated");
    step(true, true, "provisioning server from option " + source + ": " + value);
    url_ = *url;
    auto ip = resolve(url_.host);
    if (!ip) return false;
    server_ = *ip;
    return true;
  }

  std::string looks_in() const {
    switch (family_.sequence) {
      case Sequence::polycom: return "160, then 66";
      case Sequence::sip_station: return "160";
      case Sequence::yealink: return "66";
      case Sequence::cisco: return "150, then 66";
      case Sequence::avaya: return "242";
    }
    return "?";
  }

  ProbeResult get(const Wanted& w) {
    if (url_.scheme == "http")
      return http_get(lease_.address, server_, url_.port, url_.host, url_.path + "/" + w.path, request_ms_, w.range);
    return tftp_get(lease_.address, server_, (url_.path.empty() ? "" : url_.path.substr(1) + "/") + w.path, request_ms_,
                    url_.port);
  }

  bool fetch(const Wanted& w, ProbeResult* out = nullptr) {
    const auto r = get(w);
    const std::string how = url_.scheme == "http" ? "HTTP GET /" : "TFTP RRQ ";
    std::string text =
        how + w.path + (w.range ? " (first " + std::to_string(w.range) + " bytes)" : "") + ": " + r.detail;
    if (!r.ok && w.needed && (r.status == 404 || r.status == 1))
      text += " (no such file on " + server_.str() + ": put it under the served root)";
    if (out) *out = r;
    return step(r.ok, w.needed, text);
  }

  bool fetch_files() {
    const std::string mac = mac_text(mac_, "");
    switch (family_.sequence) {
      case Sequence::polycom: {
        // seeds/001: bootrom.ld and sip.ld are checked for new versions (absent is fine), <MAC>.cfg lists the
        // configuration files, which follow in order.
        if (!fetch({family_.model + ".bootrom.ld", false})) return false;
        ProbeResult master;
        if (!fetch({mac + ".cfg", true}, &master)) return false;
        if (!fetch({family_.model + ".sip.ld", false})) return false;
        for (const auto& line : master.records) {
          const auto at = line.find("CONFIG_FILES=\"");
          if (at == std::string::npos) continue;
          const auto end = line.find('"', at + 14);
          std::string list = line.substr(at + 14, end == std::string::npos ? std::string::npos : end - at - 14);
          for (std::size_t start = 0; start < list.size();) {
            auto comma = list.find(',', start);
            if (comma == std::string::npos) comma = list.size();
            std::string file = list.substr(start, comma - start);
            while (!file.empty() && file.front() == ' ') file.erase(0, 1);
            while (!file.empty() && file.back() == ' ') file.pop_back();
            if (!file.empty() && !fetch({file, true})) return false;
            start = comma + 1;
          }
        }
        return true;
      }
      case Sequence::sip_station: {
        // seeds/001: the boot file (option 67) is checked by its first bytes, then <MAC>.cfg.
        const std::string bootfile = option_string(67);
        if (bootfile.empty()) step(false, false, "option 67 (boot file) missing: firmware is never checked");
        if (!bootfile.empty() && !fetch({bootfile, false, 1024})) return false;
        return fetch({mac + ".cfg", true});
      }
      case Sequence::cisco:  // seeds/003: its own file, else the default one
        if (fetch({"SEP" + mac_upper(mac) + ".cnf.xml", false})) {
          if (report_.steps.back().ok) return true;
        }
        return fetch({"XMLDefault.cnf.xml", true});
      case Sequence::avaya:  // seeds/004: the upgrade script, then the settings file
        if (!fetch({"96xxupgrade.txt", false})) return false;
        return fetch({"46xxsettings.txt", true});
      case Sequence::yealink:
        if (!fetch({"y000000000000.cfg", false})) return false;
        return fetch({mac + ".cfg", true});
    }
    return true;
  }

  static std::string mac_upper(std::string mac) {
    for (char& c : mac) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return mac;
  }

  // The switchover pair by SRV (seeds/001 Appendix B), shown; registering is beyond a boot.
  void registration() {
    if (!option(15)) return;
    const std::string name = "_sip._udp." + option_string(15);
    const auto r = dns_query(lease_.address, dns_, name, kTypeSrv, request_ms_);
    step(r.ok, false, "DNS " + name + " SRV: " + r.detail);
  }

  const Family& family_;
  std::array<std::uint8_t, 6> mac_;
  BootOptions options_;
  int request_ms_;
  Clock::time_point start_ = Clock::now();
  DhcpResult lease_;
  Ipv4Address dns_;  // option 6's first server
  std::shared_ptr<LeasedAddress> address_;
  ServerUrl url_;
  Ipv4Address server_;
  BootReport report_;
};

}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = [] {
    const Bytes sip_parameters{1, 3, 6, 15, 42, 2, 66, 67, 160};
    return std::vector<Family>{
        {"polycom",
         "Polycom SoundPoint IP 550 (binary option 60, enterprise 13885)",
         polycom_vendor_class(),
         {1, 3, 6, 15, 42, 2, 66, 160},
         Sequence::polycom,
         "2345-12500-001"},
        {"sip100", "Interaction SIP Station I", text_bytes("SIP100"), sip_parameters, Sequence::sip_station, "SIP100"},
        {"sip200", "Interaction SIP Station II", text_bytes("SIP200"), sip_parameters, Sequence::sip_station, "SIP200"},
        {"audiocodes-420hd", "AudioCodes/Genesys 420HD", text_bytes("420HD"), sip_parameters, Sequence::sip_station,
         "420HD"},
        {"cisco",
         "Cisco CP-7841 (NUL-terminated option 60)",
         [] {
           auto b = text_bytes("Cisco Systems, Inc. IP Phone CP-7841");
           b.push_back(0);
           return b;
         }(),
         {1, 3, 6, 15, 42, 66, 150},
         Sequence::cisco,
         "CP-7841"},
        {"avaya", "Avaya 9608", text_bytes("ccp.avaya.com"), {1, 3, 6, 15, 42, 242}, Sequence::avaya, "9608"},
        {"yealink", "Yealink T46U", text_bytes("yealink T46U"), {1, 3, 6, 15, 42, 43, 66}, Sequence::yealink, "T46U"},
    };
  }();
  return kFamilies;
}

const Family* find_family(const std::string& name) {
  for (const auto& f : families())
    if (f.name == name) return &f;
  return nullptr;
}

BootReport boot_phone(const Family& family, const std::array<std::uint8_t, 6>& mac, const BootOptions& options) {
  BootReport report = Boot(family, mac, options).run();
  return report;
}

}  // namespace pb::sim
