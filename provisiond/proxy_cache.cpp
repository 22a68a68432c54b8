#include "provisiond/proxy_cache.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/log.hpp"

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxEntries = 65536;     // names remembered; phones probe many that do not exist
constexpr const char* kTempDir = ".fetching";  // hidden: the store never serves it

StoreOptions store_options(const ProxyOptions& o) {
  std::error_code ec;
  fs::create_directories(fs::path(o.directory) / kTempDir, ec);
  if (ec) throw std::runtime_error("cannot create '" + o.directory + "': " + ec.message());
  StoreOptions s;
  s.root = o.directory;
  return s;  // no upload directory: uploads are the root store's business
}

metrics::Counter& result_counter(metrics::Registry& r, const char* result) {
  return r.counter(
      "provisiond_proxy_total",
      "names asked of the caching proxy, by what it did: hit, stale and busy (served kept copies or 404s), "
      "fetched, not-modified, not-found, failed (upstream asked)",
      {{"result", result}});
}

}  // namespace

ProxyCache::ProxyCache(ProxyOptions options, std::unique_ptr<Fetcher> fetcher, metrics::Registry& registry)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      store_(store_options(options_)),
      hit_(result_counter(registry, "hit")),
      stale_(result_counter(registry, "stale")),
      busy_(result_counter(registry, "busy")),
      fetched_(result_counter(registry, "fetched")),
      not_modified_(result_counter(registry, "not-modified")),
      not_found_(result_counter(registry, "not-found")),
      failed_(result_counter(registry, "failed")) {
  // Temporaries of a fetch cut short by a restart.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(options_.directory) / kTempDir, ec)) fs::remove(e.path(), ec);
}

ProxyCache::Lookup ProxyCache::lookup(const std::string& relative) {
  const std::uint64_t now = options_.now_ms();
  const auto it = entries_.find(relative);
  if (it != entries_.end() && !it->second.running && now < it->second.fresh_until_ms) {
    hit_.inc();
    return Lookup::serve;
  }
  if (now < down_until_ms_) {
    stale_.inc();
    return Lookup::serve;
  }
  if (queue_.size() >= options_.max_queued && (it == entries_.end() || !it->second.running)) {
    busy_.inc();
    return Lookup::serve;
  }
  return Lookup::fetch;
}

void ProxyCache::fetch(const std::string& relative, std::function<void()> done) {
  if (entries_.size() >= kMaxEntries && !entries_.contains(relative)) forget_idle();
  Entry& e = entries_[relative];
  e.waiters.push_back(std::move(done));
  if (e.running) return;
  e.running = true;
  if (running_ >= options_.max_fetches) {
    queue_.push_back(relative);
    return;
  }
  start(relative);
}

void ProxyCache::start(const std::string& relative) {
  const Entry& e = entries_[relative];
  ++running_;
  FetchRequest request;
  request.relative = relative;
  request.etag = e.etag;
  request.last_modified = e.last_modified;
  request.body_path = (fs::path(options_.directory) / kTempDir / std::to_string(++temp_counter_)).string();
  const std::string temp = request.body_path;
  fetcher_->start(std::move(request),
                  [this, relative, temp](FetchResult result) { finished(relative, temp, std::move(result)); });
}

// Moves a fetched body into place. A name whose folder is a kept file (or the other way round) cannot be
// kept: the upstream's tree changed shape, and the newer name wins.
bool ProxyCache::keep(const std::string& relative, const std::string& temp) {
  const fs::path target = fs::path(options_.directory) / relative;
  std::error_code ec;
  for (fs::path p = target.parent_path(); p != fs::path(options_.directory) && !p.empty(); p = p.parent_path())
    if (fs::is_regular_file(p, ec)) fs::remove(p, ec);
  fs::create_directories(target.parent_path(), ec);
  if (fs::is_directory(target, ec)) fs::remove_all(target, ec);
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    log::warning("provisiond", "proxy: cannot keep '{}': {}", relative, std::strerror(errno));
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

// Waiters are called after the entry is settled, and a waiter may ask for the same name again: hand them out
// and leave the entry empty first.
std::vector<std::function<void()>> ProxyCache::take_waiters(Entry& e) {
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  return waiters;
}

void ProxyCache::finished(const std::string& relative, const std::string& temp, FetchResult result) {
  const std::uint64_t now = options_.now_ms();
  --running_;
  Entry& e = entries_[relative];
  e.running = false;
  std::error_code ec;
  switch (result.kind) {
    case FetchResult::Kind::fetched:
      fetched_.inc();
      if (keep(relative, temp)) {
        e.etag = result.etag;
        e.last_modified = result.last_modified;
        e.fresh_until_ms = now + options_.fresh_ms;
      }
      break;
    case FetchResult::Kind::not_modified:
      not_modified_.inc();
      e.fresh_until_ms = now + options_.fresh_ms;
      break;
    case FetchResult::Kind::not_found:
      not_found_.inc();
      fs::remove(fs::path(options_.directory) / relative, ec);
      e.etag.clear();
      e.last_modified.clear();
      e.fresh_until_ms = now + options_.fresh_ms;
      break;
    case FetchResult::Kind::failed:
      failed_.inc();
      fs::remove(temp, ec);
      down_until_ms_ = now + options_.retry_ms;
      if (!down_)
        log::warning("provisiond", "proxy: {} failed ({}); kept copies are served without asking it for {} s",
                     options_.upstream, result.error, options_.retry_ms / 1000);
      down_ = true;
      break;
  }
  if (result.kind != FetchResult::Kind::failed) {
    if (down_) log::info("provisiond", "proxy: {} answers again", options_.upstream);
    down_ = false;
    down_until_ms_ = 0;
  }
  store_.forget(relative);  // the store's in-memory copy of the old bytes must not outlive them
  auto waiters = take_waiters(e);
  // The next queued name takes the slot. While the upstream is failing, queued names end at once: their
  // waiters are answered from what is kept, like every other request in that time.
  while (running_ < options_.max_fetches && !queue_.empty()) {
    const std::string next = std::move(queue_.front());
    queue_.pop_front();
    if (now < down_until_ms_) {
      Entry& q = entries_[next];
      q.running = false;
      stale_.inc();
      for (auto& w : take_waiters(q)) w();
    } else {
      start(next);
    }
  }
  for (auto& w : waiters) w();
}

void ProxyCache::forget_idle() noexcept {
  // Freshness only: a forgotten name is asked of the upstream again next time. Running fetches stay.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.running)
      it = entries_.erase(it);
    else
      ++it;
  }
}

}  // namespace pb::prov
