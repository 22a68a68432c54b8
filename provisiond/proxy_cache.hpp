#pragma once
// The caching proxy to a central provisioning server (seeds/001: "Provision server address (usually the CIC
// server or a provisioning proxy)"). A name that neither the root nor the templates have is fetched from the
// upstream, kept in the proxy's folder and served from there by a FileStore of its own, with everything the
// root's files get (ranges, ETags, the lease rule, sendfile). What it decides:
//   - a kept copy (or the upstream's 404) is served without asking again for `fresh_s`; after that the next
//     request revalidates it (If-None-Match / If-Modified-Since) and waits for the answer;
//   - phones asking for one name while it is fetched wait for that one fetch;
//   - when the upstream fails (unreachable, a timeout, a 5xx), every request is answered from the kept
//     copies, without waiting, for `retry_s`: a WAN outage costs one timeout, not one per phone. That is
//     what lets phones of a remote site boot while the central site is unreachable;
//   - a 404 from the upstream removes the kept copy: the central server said it is gone;
//   - at most `max_fetches` run at once (a boot storm of distinct per-phone names, or a prober, must not open
//     thousands of connections across the WAN); the rest queue in order, and past `max_queued` a name is
//     answered from what is kept.
// Fetched bodies go to a hidden temporary (never served) and are renamed into place when complete.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.hpp"
#include "provisiond/store.hpp"
#include "provisiond/upstream_fetch.hpp"

namespace pb::prov {

struct ProxyOptions {
  std::string directory;
  std::string upstream;  // for the log
  std::uint64_t fresh_ms = 60'000;
  std::uint64_t retry_ms = 10'000;
  std::size_t max_fetches = 32;
  std::size_t max_queued = 4096;
  std::function<std::uint64_t()> now_ms;  // the loop's clock (tests inject one)
};

class ProxyCache {
 public:
  // Creates the folder (and its hidden temporaries' folder) when missing; throws at start-up only.
  ProxyCache(ProxyOptions options, std::unique_ptr<Fetcher> fetcher, metrics::Registry& registry);

  enum class Lookup { serve, fetch };
  // serve: answer from store() now (fresh, or the upstream is failing); fetch: call fetch() and wait.
  Lookup lookup(const std::string& relative);
  // Fetches `relative`, or joins the fetch of it already running; `done` runs once it ended, whatever
  // happened: then answer from store().
  void fetch(const std::string& relative, std::function<void()> done);

  FileStore& store() noexcept { return store_; }
  std::size_t fetching() const noexcept { return running_; }
  std::size_t queued() const noexcept { return queue_.size(); }

 private:
  struct Entry {
    std::uint64_t fresh_until_ms = 0;
    std::string etag, last_modified;
    bool running = false;  // started or queued
    std::vector<std::function<void()>> waiters;
  };
  void start(const std::string& relative);
  void finished(const std::string& relative, const std::string& temp, FetchResult result);
  bool keep(const std::string& relative, const std::string& temp);
  void forget_idle() noexcept;
  static std::vector<std::function<void()>> take_waiters(Entry& e);

  ProxyOptions options_;
  std::unique_ptr<Fetcher> fetcher_;
  FileStore store_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t down_until_ms_ = 0;
  bool down_ = false;
  std::uint64_t temp_counter_ = 0;
  std::size_t running_ = 0;
  std::deque<std::string> queue_;
  metrics::Counter &hit_, &stale_, &busy_, &fetched_, &not_modified_, &not_found_, &failed_;
};

}  // namespace pb::prov
