#include "provisiond/proxy_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

// Answers for the upstream: the test decides what each fetch gets, and when.
class FakeFetcher final : public Fetcher {
 public:
  struct Pending {
    FetchRequest request;
    FetchDone done;
  };
  void start(FetchRequest request, FetchDone done) override {
    pending.push_back({std::move(request), std::move(done)});
  }

  // Ends the oldest fetch: `body` (when set) is written where the fetch was told to put it.
  void answer(FetchResult::Kind kind, std::optional<std::string> body = {}, std::string etag = "") {
    ASSERT_FALSE(pending.empty());
    Pending p = std::move(pending.front());
    pending.erase(pending.begin());
    if (body) std::ofstream(p.request.body_path, std::ios::binary) << *body;
    FetchResult r;
    r.kind = kind;
    r.etag = std::move(etag);
    r.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
    r.error = "connection refused";
    p.done(std::move(r));
  }

  std::vector<Pending> pending;
};

class Proxy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pb-proxy-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    make();
  }
  void TearDown() override {
    proxy_.reset();
    fs::remove_all(dir_);
  }
  void make() {
    auto fake = std::make_unique<FakeFetcher>();
    fake_ = fake.get();
    ProxyOptions o;
    o.directory = dir_.string();
    o.upstream = "http://cic1:8088/";
    o.fresh_ms = 60'000;
    o.retry_ms = 10'000;
    o.now_ms = [this] { return now_; };
    o.max_fetches = max_fetches_;
    o.max_queued = 2;
    proxy_ = std::make_unique<ProxyCache>(std::move(o), std::move(fake), registry_);
  }
  std::string served(const std::string& name) {
    auto f = proxy_->store().open(name, false, now_);
    if (!f) return "<" + std::string(to_string(f.error())) + ">";
    return f->cached ? f->cached->content : "<fd>";
  }
  std::uint64_t metric(const char* result) {
    return registry_.counter("provisiond_proxy_total", "", {{"result", result}}).value();
  }

  fs::path dir_;
  metrics::Registry registry_;
  std::unique_ptr<ProxyCache> proxy_;
  FakeFetcher* fake_ = nullptr;
  std::uint64_t now_ = 1'000'000;
  std::size_t max_fetches_ = 32;
};

TEST_F(Proxy, FetchesOnceThenServesTheKeptCopyUntilItIsNoLongerFresh) {
  ASSERT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::fetch);
  int called = 0;
  proxy_->fetch("sip.cfg", [&] { ++called; });
  ASSERT_EQ(fake_->pending.size(), 1u);
  EXPECT_EQ(fake_->pending[0].request.relative, "sip.cfg");
  EXPECT_EQ(fake_->pending[0].request.etag, "");
  EXPECT_EQ(served("sip.cfg"), "<not-found>");  // the body being fetched is not served half-done
  fake_->answer(FetchResult::Kind::fetched, "central", "\"v1\"");
  EXPECT_EQ(called, 1);
  EXPECT_EQ(served("sip.cfg"), "central");
  EXPECT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::serve);
  EXPECT_EQ(metric("hit"), 1u);

  now_ += 60'000;  // no longer fresh: revalidated, with what the upstream said of it
  ASSERT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::fetch);
  proxy_->fetch("sip.cfg", [&] { ++called; });
  ASSERT_EQ(fake_->pending.size(), 1u);
  EXPECT_EQ(fake_->pending[0].request.etag, "\"v1\"");
  EXPECT_EQ(fake_->pending[0].request.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
  fake_->answer(FetchResult::Kind::not_modified);
  EXPECT_EQ(called, 2);
  EXPECT_EQ(served("sip.cfg"), "central");
  EXPECT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::serve);
  EXPECT_EQ(metric("fetched"), 1u);
  EXPECT_EQ(metric("not-modified"), 1u);
}

TEST_F(Proxy, PhonesAskingForOneNameShareOneFetch) {
  int a = 0, b = 0, c = 0;
  proxy_->fetch("polycom/sip.ld", [&] { ++a; });
  proxy_->fetch("polycom/sip.ld", [&] { ++b; });
  EXPECT_EQ(proxy_->lookup("polycom/sip.ld"), ProxyCache::Lookup::fetch);  // running: not served yet
  proxy_->fetch("polycom/sip.ld", [&] { ++c; });
  EXPECT_EQ(fake_->pending.size(), 1u);
  EXPECT_EQ(proxy_->fetching(), 1u);
  fake_->answer(FetchResult::Kind::fetched, "image");
  EXPECT_EQ(a + b + c, 3);
  EXPECT_EQ(proxy_->fetching(), 0u);
  EXPECT_EQ(served("polycom/sip.ld"), "image");
}

TEST_F(Proxy, AChangedFileReplacesTheKeptOneAtOnce) {
  proxy_->fetch("phone1.cfg", [] {});
  fake_->answer(FetchResult::Kind::fetched, "old");
  EXPECT_EQ(served("phone1.cfg"), "old");  // now also in the store's memory
  now_ += 60'000;
  proxy_->fetch("phone1.cfg", [] {});
  fake_->answer(FetchResult::Kind::fetched, "new!");
  EXPECT_EQ(served("phone1.cfg"), "new!");  // not the memory copy of the old bytes
}

TEST_F(Proxy, TheUpstreams404RemovesTheKeptCopyAndIsRemembered) {
  proxy_->fetch("gone.cfg", [] {});
  fake_->answer(FetchResult::Kind::fetched, "here");
  now_ += 60'000;
  proxy_->fetch("gone.cfg", [] {});
  fake_->answer(FetchResult::Kind::not_found);
  EXPECT_EQ(served("gone.cfg"), "<not-found>");
  EXPECT_FALSE(fs::exists(dir_ / "gone.cfg"));
  EXPECT_EQ(proxy_->lookup("gone.cfg"), ProxyCache::Lookup::serve);  // a remembered 404
}

TEST_F(Proxy, AFailureServesWhatIsKeptWithoutWaitingForRetry) {
  proxy_->fetch("sip.cfg", [] {});
  fake_->answer(FetchResult::Kind::fetched, "kept");
  now_ += 60'000;
  int called = 0;
  proxy_->fetch("sip.cfg", [&] { ++called; });
  fake_->answer(FetchResult::Kind::failed);
  EXPECT_EQ(called, 1);
  EXPECT_EQ(served("sip.cfg"), "kept");
  // Every name, fresh or not, fetched or never: answered from what is kept, for retry_ms.
  EXPECT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::serve);
  EXPECT_EQ(proxy_->lookup("never.cfg"), ProxyCache::Lookup::serve);
  EXPECT_EQ(metric("stale"), 2u);
  now_ += 10'000;
  EXPECT_EQ(proxy_->lookup("never.cfg"), ProxyCache::Lookup::fetch);
  EXPECT_TRUE(fs::is_empty(dir_ / ".fetching"));  // the failed fetch's temporary is gone
}

TEST_F(Proxy, AtMostMaxFetchesRunTheRestQueueInOrder) {
  max_fetches_ = 2;
  make();
  std::vector<std::string> done;
  for (const char* name : {"a.cfg", "b.cfg", "c.cfg", "d.cfg"})
    proxy_->fetch(name, [&done, name] { done.push_back(name); });
  EXPECT_EQ(fake_->pending.size(), 2u);
  EXPECT_EQ(proxy_->queued(), 2u);
  // The queue is full (max_queued 2): a fifth name is answered from what is kept, without waiting.
  EXPECT_EQ(proxy_->lookup("e.cfg"), ProxyCache::Lookup::serve);
  EXPECT_EQ(metric("busy"), 1u);
  EXPECT_EQ(proxy_->lookup("c.cfg"), ProxyCache::Lookup::fetch);  // queued: joins its fetch
  fake_->answer(FetchResult::Kind::fetched, "a");
  ASSERT_EQ(fake_->pending.size(), 2u);
  EXPECT_EQ(fake_->pending[1].request.relative, "c.cfg");  // the slot went to the first queued name
  // A failure answers everything still queued from what is kept, at once.
  fake_->answer(FetchResult::Kind::failed);
  EXPECT_EQ(proxy_->queued(), 0u);
  EXPECT_EQ(fake_->pending.size(), 1u);
  EXPECT_EQ(done, (std::vector<std::string>{"a.cfg", "d.cfg", "b.cfg"}));
  fake_->answer(FetchResult::Kind::not_found);
  EXPECT_EQ(done.size(), 4u);
  EXPECT_EQ(proxy_->fetching(), 0u);
}

TEST_F(Proxy, ANewShapeOfTheTreeWins) {
  proxy_->fetch("firmware", [] {});
  fake_->answer(FetchResult::Kind::fetched, "a file");
  proxy_->fetch("firmware/sip.ld", [] {});
  fake_->answer(FetchResult::Kind::fetched, "now a folder");
  EXPECT_EQ(served("firmware/sip.ld"), "now a folder");
  proxy_->fetch("firmware", [] {});
  fake_->answer(FetchResult::Kind::fetched, "a file again");
  EXPECT_EQ(served("firmware"), "a file again");
}

TEST_F(Proxy, ARestartRemovesTemporariesAndKeepsCopies) {
  proxy_->fetch("sip.cfg", [] {});
  fake_->answer(FetchResult::Kind::fetched, "kept");
  std::ofstream(dir_ / ".fetching" / "7") << "half a body";
  proxy_.reset();
  make();
  EXPECT_FALSE(fs::exists(dir_ / ".fetching" / "7"));
  EXPECT_EQ(served("sip.cfg"), "kept");
  EXPECT_EQ(served(".fetching/7"), "<not-found>");                  // hidden names are never served
  EXPECT_EQ(proxy_->lookup("sip.cfg"), ProxyCache::Lookup::fetch);  // freshness is not kept across restarts
}

}  // namespace
}  // namespace pb::prov
