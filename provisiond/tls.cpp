#include "provisiond/tls.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace pb::prov {

std::string openssl_error(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + " (" + buf + ")";
}

namespace {

struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

// Factory device certificates expire while the phones stay in service; the operator may accept them.
int verify_allowing_expired(int ok, X509_STORE_CTX* ctx) {
  if (ok) return 1;
  const int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
  }
  return 0;
}

}  // namespace

void generate_self_signed(const std::string& cert_path, const std::string& key_path, const std::string& common_name) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error(openssl_error("cannot generate a key"));
  std::unique_ptr<X509, X509Free> x509(X509_new());
  if (!x509) throw std::runtime_error(openssl_error("cannot create a certificate"));
  X509_set_version(x509.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(x509.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("phoneboot"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x509.get(), x509.get(), nullptr, nullptr, 0);
  const std::string san = "DNS:" + common_name;
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, san.c_str()}, std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr) throw std::runtime_error(openssl_error("cannot add a certificate extension"));
    X509_add_ext(x509.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x509.get(), key.get(), EVP_sha256()) == 0)
    throw std::runtime_error(openssl_error("cannot sign the certificate"));

  // The key first, created 0600, then the certificate: a crash in between leaves no certificate without key.
  const std::string key_tmp = key_path + ".tmp", cert_tmp = cert_path + ".tmp";
  {
    const mode_t old = ::umask(077);
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(key_tmp.c_str(), "w"));
    ::umask(old);
    if (!f || !PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
      throw std::runtime_error("cannot write '" + key_tmp + "'");
  }
  {
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(cert_tmp.c_str(), "w"));
    if (!f || !PEM_write_X509(f.get(), x509.get())) throw std::runtime_error("cannot write '" + cert_tmp + "'");
  }
  std::filesystem::rename(key_tmp, key_path);
  std::filesystem::rename(cert_tmp, cert_path);
}

SslCtxPtr make_tls_context(const TlsOptions& options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throw std::runtime_error(openssl_error("cannot create a TLS context"));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx.get(),
                   SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // TLS 1.2 suites with forward secrecy and AEAD only; TLS 1.3 keeps OpenSSL's defaults.
  SSL_CTX_set_cipher_list(ctx.get(), "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM");

  std::string cert = options.certificate, key = options.key;
  if (cert.empty()) {
    std::filesystem::create_directories(options.generated_dir);
    cert = options.generated_dir + "/server.crt";
    key = options.generated_dir + "/server.key";
    if (!std::filesystem::exists(cert) || !std::filesystem::exists(key))
      generate_self_signed(cert, key, options.common_name);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1)
    throw std::runtime_error(openssl_error("cannot load certificate '" + cert + "'"));
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error(openssl_error("cannot load key '" + key + "'"));
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    throw std::runtime_error(openssl_error("key '" + key + "' does not match certificate '" + cert + "'"));

  if (options.verify_client != "none") {
    // Tell clients which CAs we accept, so a phone with several identities picks the right one.
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (const auto& bundle : options.client_ca) {
      if (SSL_CTX_load_verify_locations(ctx.get(), bundle.c_str(), nullptr) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        throw std::runtime_error(openssl_error("cannot load client CA bundle '" + bundle + "'"));
      }
      if (names != nullptr) SSL_add_file_cert_subjects_to_stack(names, bundle.c_str());
    }
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx.get(), names);
    int mode = SSL_VERIFY_PEER;
    if (options.verify_client == "require") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx.get(), mode, options.allow_expired_client ? verify_allowing_expired : nullptr);
  }
  const unsigned char sid[] = "phoneboot";
  SSL_CTX_set_session_id_context(ctx.get(), sid, sizeof sid - 1);
  return ctx;
}

}  // namespace pb::prov
