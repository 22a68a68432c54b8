#pragma once
// The [provisiond] section (or provisiond.toml): keys of phoneboot-provisiond. Owned by the provisiond service.
//
// Everything has a default derived from [site], so a site.toml without this section serves
// <site.state_dir>/files over HTTP 8088, HTTPS 8089 (self-signed pair kept in the state dir) and TFTP 69,
// and accepts phone uploads into <site.state_dir>/uploads.
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/schema.hpp"
#include "common/config/service.hpp"
#include "common/net.hpp"

namespace pb::config {

class Reporter;
struct Model;

std::string check_verify_client(const std::string& mode);
std::string check_mac_files(const std::string& mode);
std::string check_template_escape(const std::string& mode);
std::string check_template_file(const std::string& pattern);

struct ProvisiondHttps {
  bool enabled = true;
  std::uint16_t port = 8089;
  std::string certificate;             // PEM chain; empty: a self-signed pair generated once under the state dir
  std::string key;                     // PEM private key; set together with certificate
  std::vector<std::string> client_ca;  // PEM bundles of vendor device CAs, for client certificates
  std::string verify_client = "none";  // none, optional, require
  bool allow_expired_client = false;   // factory device certificates outlive their validity
  bool operator==(const ProvisiondHttps&) const = default;
};

template <class V>
void describe(V& v, ProvisiondHttps& s) {
  v.field("enabled", s.enabled, Key{.doc = "serve HTTPS"});
  v.field("port", s.port, Key{.doc = "HTTPS port", .min = 1});
  v.field("certificate", s.certificate,
          Key{.doc = "PEM certificate chain; empty: a self-signed pair generated at first start and kept"});
  v.field("key", s.key, Key{.doc = "PEM private key of the certificate"});
  v.field("client_ca", s.client_ca, Key{.doc = "PEM bundles of the vendors' device CAs (client certificates)"});
  v.field("verify_client", s.verify_client, Key{.doc = "client certificates: none, optional or require"},
          check_verify_client);
  v.field("allow_expired_client", s.allow_expired_client,
          Key{.doc = "accept expired (but otherwise valid) phone factory certificates"});
}

// A tftpd-hpa style rename rule: the first match of `pattern` (RE2 syntax) in the requested name is
// replaced by `replacement` (\0 the whole match, \1..\9 groups). Rules apply in order.
struct ProvisiondRename {
  std::string pattern;
  std::string replacement;
  bool operator==(const ProvisiondRename&) const = default;
};

template <class V>
void describe(V& v, ProvisiondRename& s) {
  v.field("pattern", s.pattern,
          Key{.doc = "RE2 regular expression matched against the requested name", .required = true});
  v.field("replacement", s.replacement, Key{.doc = "replacement text; \\0..\\9 insert the match and its groups"});
}

struct ProvisiondTftp {
  bool enabled = true;
  std::uint16_t port = 69;
  std::uint16_t max_blksize = 1468;  // MTU 1500 minus headers: no IP fragments for fragile clients
  std::uint16_t max_windowsize = 64;
  std::uint32_t timeout_ms = 1000;  // first retransmission; doubles up to max_timeout_ms
  std::uint32_t max_timeout_ms = 8000;
  std::uint32_t give_up_s = 60;  // AudioCodes stall while flashing: be generous
  std::uint32_t max_transfers = 1000;
  std::uint16_t rollover = 0;  // block number after 65535 (0, as tftp-hpa, U-Boot and OTP do)
  bool write = false;          // WRQ into the upload directory
  std::vector<ProvisiondRename> rename;
  bool operator==(const ProvisiondTftp&) const = default;
};

template <class V>
void describe(V& v, ProvisiondTftp& s) {
  v.field("enabled", s.enabled, Key{.doc = "serve TFTP"});
  v.field("port", s.port, Key{.doc = "TFTP port", .min = 1});
  v.field("max_blksize", s.max_blksize, Key{.doc = "largest blksize granted (RFC 2348)", .min = 512, .max = 65464});
  v.field("max_windowsize", s.max_windowsize,
          Key{.doc = "largest windowsize granted (RFC 7440)", .min = 1, .max = 65535});
  v.field("timeout_ms", s.timeout_ms, Key{.doc = "first retransmission timeout", .min = 10, .max = 255000});
  v.field("max_timeout_ms", s.max_timeout_ms, Key{.doc = "retransmission backoff ceiling", .min = 10, .max = 255000});
  v.field("give_up_s", s.give_up_s,
          Key{.doc = "abandon a transfer after this long without progress", .min = 1, .max = 3600});
  v.field("max_transfers", s.max_transfers, Key{.doc = "concurrent transfers", .min = 1, .max = 100000});
  v.field("rollover", s.rollover, Key{.doc = "block number following 65535 (0 or 1)", .min = 0, .max = 1});
  v.field("write", s.write, Key{.doc = "accept WRQ into the upload directory (needs upload.enabled)"});
  v.field("rename", s.rename, Key{.doc = "rename rules for requested names, applied in order"});
}

struct ProvisiondUpload {
  bool enabled = true;
  std::string directory;  // empty: <site.state_dir>/uploads
  std::uint64_t max_file_bytes = 8ull << 20;
  std::uint64_t max_phone_bytes = 64ull << 20;  // files whose name starts with the same 12-hex-digit MAC
  bool allow_delete = false;
  bool operator==(const ProvisiondUpload&) const = default;
};

template <class V>
void describe(V& v, ProvisiondUpload& s) {
  v.field("enabled", s.enabled, Key{.doc = "accept HTTP PUT (phone logs, overrides, backups)"});
  v.field("directory", s.directory, Key{.doc = "where uploads go; empty: <site.state_dir>/uploads"});
  v.field("max_file_bytes", s.max_file_bytes, Key{.doc = "largest uploaded file", .min = 1});
  v.field("max_phone_bytes", s.max_phone_bytes,
          Key{.doc = "total of one phone's uploads (names starting with its MAC)", .min = 1});
  v.field("allow_delete", s.allow_delete, Key{.doc = "accept HTTP DELETE of uploaded files (Avaya backups)"});
}

struct ProvisiondLimits {
  std::uint32_t max_connections = 4096;
  std::uint32_t max_connections_per_client = 64;
  std::uint32_t max_request_line = 8192;
  std::uint32_t max_header_bytes = 16384;
  std::uint32_t max_headers = 64;
  std::uint32_t header_timeout_ms = 10000;  // whole request head must arrive in this time (slowloris)
  std::uint32_t idle_timeout_ms = 30000;    // keep-alive connection with no request
  std::uint32_t send_timeout_ms = 60000;    // no byte accepted by the client for this long
  std::uint32_t cache_file_bytes = 262144;  // files up to this size are kept in memory
  std::uint64_t cache_bytes = 64ull << 20;
  bool operator==(const ProvisiondLimits&) const = default;
};

template <class V>
void describe(V& v, ProvisiondLimits& s) {
  v.field("max_connections", s.max_connections, Key{.doc = "open HTTP(S) connections in total (then 503)", .min = 1});
  v.field("max_connections_per_client", s.max_connections_per_client,
          Key{.doc = "open connections from one address (then 503)", .min = 1});
  v.field("max_request_line", s.max_request_line,
          Key{.doc = "longest request line (then 414)", .min = 64, .max = 1 << 20});
  v.field("max_header_bytes", s.max_header_bytes,
          Key{.doc = "largest request head (then 431)", .min = 256, .max = 1 << 20});
  v.field("max_headers", s.max_headers, Key{.doc = "most header fields (then 431)", .min = 4, .max = 1024});
  v.field("header_timeout_ms", s.header_timeout_ms, Key{.doc = "time to send a request head (then 408)", .min = 100});
  v.field("idle_timeout_ms", s.idle_timeout_ms, Key{.doc = "keep-alive idle time", .min = 100});
  v.field("send_timeout_ms", s.send_timeout_ms, Key{.doc = "time a client may stall a response", .min = 100});
  v.field("cache_file_bytes", s.cache_file_bytes,
          Key{.doc = "files up to this size are served from memory", .max = 64 << 20});
  v.field("cache_bytes", s.cache_bytes, Key{.doc = "memory for cached files"});
}

// The caching proxy to a central provisioning server (provisiond/proxy_cache.hpp): a name the root (and the
// templates) do not have is fetched from `upstream`, kept in `directory` and served from there, also while
// the WAN is down.
struct ProvisiondProxy {
  std::string upstream;   // "http://cic1.example.com:8088/provision"; empty: no proxy
  std::string directory;  // empty: <site.state_dir>/proxy-cache
  std::string ca_file;    // https:// upstreams: PEM CAs to trust; empty: the system's (/etc/ssl/certs)
  std::uint32_t fresh_s = 60;
  std::uint32_t timeout_ms = 5000;
  std::uint32_t retry_s = 10;
  std::uint64_t max_file_bytes = 512ull << 20;
  bool operator==(const ProvisiondProxy&) const = default;
};

std::string check_proxy_upstream(const std::string& url);

template <class V>
void describe(V& v, ProvisiondProxy& s) {
  v.field("upstream", s.upstream,
          Key{.doc = "central provisioning server (http[s]://host[:port][/path]) asked for names the root does "
                     "not have; empty: no proxy"},
          check_proxy_upstream);
  v.field("directory", s.directory, Key{.doc = "where fetched files are kept; empty: <site.state_dir>/proxy-cache"});
  v.field("ca_file", s.ca_file,
          Key{.doc = "https:// upstream: PEM file of the CAs its certificate must chain to; empty: the system's"});
  v.field("fresh_s", s.fresh_s,
          Key{.doc = "a fetched file (or a 404) is served without asking upstream for this long", .max = 86400});
  v.field("timeout_ms", s.timeout_ms,
          Key{.doc = "upstream connect, and the longest pause in its answer", .min = 100, .max = 120000});
  v.field("retry_s", s.retry_s,
          Key{.doc = "after upstream failed, serve the kept copies without asking it for this long", .max = 3600});
  v.field("max_file_bytes", s.max_file_bytes, Key{.doc = "largest file fetched", .min = 1});
}

// A per-phone file rendered from a template and the phone inventory (common/phone_template.hpp): every phone
// of site.inventory with a MAC address (and the Template or Model column given, when set) gets a file named
// `file` with [MACADDRESS] replaced by its MAC, filled from `source`.
struct ProvisiondTemplate {
  std::string file;             // "[MACADDRESS]-registration.cfg"
  std::string source;           // template path, relative to the configuration folder
  std::string if_template;      // only phones whose inventory Template column is this (case ignored)
  std::string if_model;         // only phones whose inventory Model column is this (case ignored)
  std::string escape = "auto";  // xml, none, auto (xml when the template starts with '<')
  bool operator==(const ProvisiondTemplate&) const = default;
};

template <class V>
void describe(V& v, ProvisiondTemplate& s) {
  v.field("file", s.file,
          Key{.doc = "name of the rendered file; [MACADDRESS] is the phone's MAC (0004f2aabbcc), as in seeds/001's "
                     "config_files",
              .required = true},
          check_template_file);
  v.field("source", s.source,
          Key{.doc = "the template (Mustache: {{extension}}, {{#call_servers}}..{{/call_servers}}), relative to the "
                     "configuration folder",
              .required = true});
  v.field("if_template", s.if_template, Key{.doc = "only phones whose inventory Template column is this"});
  v.field("if_model", s.if_model, Key{.doc = "only phones whose inventory Model column is this"});
  v.field("escape", s.escape,
          Key{.doc = "escaping of {{values}}: xml, none, or auto (xml when the template starts with '<')"},
          check_template_escape);
}

struct ProvisiondSection {
  ServiceCommon common{.metrics_port = 9188};
  std::string root;    // empty: <site.state_dir>/files
  Ipv4Address listen;  // 0.0.0.0: every address
  bool http = true;
  std::uint16_t port = 8088;
  ProvisiondHttps https;
  ProvisiondTftp tftp;
  ProvisiondUpload upload;
  ProvisiondLimits limits;
  std::string mac_files = "auto";  // lease, any, auto (lease when dhcpd is enabled): see provisiond/mac_access.hpp
  std::vector<ProvisiondTemplate> templates;
  ProvisiondProxy proxy;
  bool operator==(const ProvisiondSection&) const = default;
};

template <class V>
void describe(V& v, ProvisiondSection& s) {
  describe_common(v, s.common);
  v.field("root", s.root, Key{.doc = "directory of the served files; empty: <site.state_dir>/files"});
  v.field("listen", s.listen, Key{.doc = "address to listen on; 0.0.0.0 is every address"});
  v.field("http", s.http, Key{.doc = "serve HTTP"});
  v.field("port", s.port, Key{.doc = "HTTP port", .min = 1});
  v.field("https", s.https, Key{.doc = "HTTPS (OpenSSL, TLS 1.2 and 1.3)"});
  v.field("tftp", s.tftp, Key{.doc = "TFTP (RFC 1350, 2347-2349, 7440)"});
  v.field("upload", s.upload, Key{.doc = "phone uploads (HTTP PUT, TFTP WRQ)"});
  v.field("limits", s.limits, Key{.doc = "HTTP(S) request and connection limits"});
  v.field("mac_files", s.mac_files,
          Key{.doc = "who may read a file named after a phone's MAC (<MAC>.cfg, SEP<MAC>.cnf.xml): lease (only the "
                     "address dhcpd leased to that MAC), any, or auto (lease when dhcpd is enabled)"},
          check_mac_files);
  v.field("templates", s.templates, Key{.doc = "per-phone files rendered from templates and site.inventory"});
  v.field("proxy", s.proxy, Key{.doc = "caching proxy to a central provisioning server"});
}

// Resolved paths: relative ones are taken from the configuration folder, empty ones from site.state_dir.
std::string provisiond_root(const Model& model);
std::string provisiond_upload_dir(const Model& model);
std::string provisiond_tls_dir(const Model& model);
// A file named in provisiond's keys (certificates, CA bundles): relative to the configuration folder; empty
// stays empty.
std::string provisiond_file(const Model& model, const std::string& path);
std::string provisiond_proxy_dir(const Model& model);
// mac_files resolved: true when files named after a MAC go only to the address holding that MAC's lease.
bool provisiond_mac_files_leased(const Model& model);

// Checks that need the whole set (cross-service rules included); runs after every key loaded.
void check_provisiond(const Model& model, Reporter& report);
// One line for `phoneboot check`: what this service will serve.
std::string summary_provisiond(const Model& model);

}  // namespace pb::config
