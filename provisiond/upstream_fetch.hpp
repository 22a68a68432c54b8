#pragma once
// One GET to the caching proxy's upstream (proxy_cache.hpp), on the loop: the host resolved with c-ares, a
// non-blocking socket under uv_poll_t, the answer's body streamed into a file. Every step has the same
// inactivity timeout, so a fetch always ends, and its callback runs exactly once, from the loop.
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "common/ares_uv.hpp"
#include "common/upstream_url.hpp"

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
  ares::Options resolver;  // default: /etc/hosts, then the servers of /etc/resolv.conf
};

class UpstreamFetcher final : public Fetcher {
 public:
  UpstreamFetcher(uv_loop_t* loop, UpstreamOptions options);
  ~UpstreamFetcher() override;
  void start(FetchRequest request, FetchDone done) override;

  struct Fetch;

 private:
  friend struct Fetch;
  void finish(Fetch* fetch, FetchResult result) noexcept;

  uv_loop_t* loop_;
  UpstreamOptions options_;
  ares::Resolver resolver_;
  std::list<std::unique_ptr<Fetch>> fetches_;  // after resolver_: destroyed first, so late answers find none
};

}  // namespace pb::prov
