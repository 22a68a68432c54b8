#pragma once
// The HTTPS server's OpenSSL context: TLS 1.2 and 1.3 only, the configured certificate and key or a
// self-signed pair generated at first start and kept under <state_dir>/tls (so phones that pin it keep
// working across restarts), and optional client-certificate verification against the vendors' CA bundles,
// tolerant of expired factory certificates when the operator says so.
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace pb::prov {

struct TlsOptions {
  std::string certificate;  // PEM chain; empty: generated pair in `generated_dir`
  std::string key;
  std::string generated_dir;
  std::string common_name = "phoneboot";  // of the generated certificate
  std::vector<std::string> client_ca;
  std::string verify_client = "none";  // none, optional, require
  bool allow_expired_client = false;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

struct SslFree {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// `what` and the reason of OpenSSL's oldest queued error; clears the queue.
std::string openssl_error(const std::string& what);

// Throws std::runtime_error with OpenSSL's reason at start-up.
SslCtxPtr make_tls_context(const TlsOptions& options);

// Writes a self-signed P-256 certificate and key to cert_path/key_path (key mode 0600). Throws on failure.
void generate_self_signed(const std::string& cert_path, const std::string& key_path, const std::string& common_name);

}  // namespace pb::prov
