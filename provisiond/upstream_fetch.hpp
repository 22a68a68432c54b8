#pragma once
// One GET to the caching proxy's upstream (proxy_cache.hpp), on the loop: the host resolved with c-ares, a
// non-blocking socket under uv_poll_t (with OpenSSL over it for https://), the answer's body streamed into a
// file. Every step has the same inactivity timeout, so a fetch always ends, and its callback runs exactly
// once, from the loop.
//
// https:// checks what a browser checks: the certificate must chain to `ca_file` (or the system's CAs) and
// name the upstream's host (or address); TLS 1.2 at least. There is no switch to skip that: the files carry
// SIP passwords, and a self-signed central server is trusted by naming its certificate in ca_file.
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "common/ares_uv.hpp"
#include "common/upstream_url.hpp"
#include "provisiond/tls.hpp"

namespace pb::prov {

struct FetchRequest {
  std::string relative;       // the normalized name, as the store knows it
  std::string etag;           // for If-None-Match; empty: none
  std::string last_modified;  // for If-Modified-Since; empty: none
  std::string body_path;      // where a 200's body goes (created, truncated)
};

struct FetchResult {
  enum class Kind { fetched, not_modified, not_found, failed };
  Kind kind = Kind::failed;
  std::string etag, last_modified;  // of a fetched file
  std::uint64_t bytes = 0;          // body bytes written
  std::string error;                // failed: why, for the log
};

using FetchDone = std::function<void(FetchResult)>;

// What ProxyCache needs of the network, so its tests can answer for the upstream.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // `done` runs exactly once, later, from the loop (never inside start), unless the Fetcher is destroyed first.
  virtual void start(FetchRequest request, FetchDone done) = 0;
};

struct UpstreamOptions {
  UpstreamUrl url;
  std::uint32_t timeout_ms = 5000;
  std::uint64_t max_file_bytes = 512ull << 20;
  std::string ca_file;     // https://: PEM CAs to trust; empty: the system's
  ares::Options resolver;  // default: /etc/hosts, then the servers of /etc/resolv.conf
};

class UpstreamFetcher final : public Fetcher {
 public:
  // Throws std::runtime_error (start-up only) when an https:// upstream's CAs cannot be loaded.
  UpstreamFetcher(uv_loop_t* loop, UpstreamOptions options);
  ~UpstreamFetcher() override;
  void start(FetchRequest request, FetchDone done) override;

  struct Fetch;

 private:
  friend struct Fetch;
  void finish(Fetch* fetch, FetchResult result) noexcept;

  uv_loop_t* loop_;
  UpstreamOptions options_;
  SslCtxPtr tls_;  // https:// only
  ares::Resolver resolver_;
  std::list<std::unique_ptr<Fetch>> fetches_;  // after resolver_: destroyed first, so late answers find none
};

}  // namespace pb::prov
