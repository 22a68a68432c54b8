#include "provisiond/http_handler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pb::prov::http {
namespace {

namespace fs = std::filesystem;

class Handler : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("pbprov-handler-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root");
    std::ofstream(base_ / "root/000000000000.cfg") << "<polycom/>";
    StoreOptions o;
    o.root = (base_ / "root").string();
    o.upload_dir = (base_ / "uploads").string();
    store_ = std::make_unique<FileStore>(o);
    clock_.now_ms = 0;
    clock_.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  }
  void TearDown() override { fs::remove_all(base_); }

  Response run(std::string_view text) {
    Parser parser(Limits{});
    Request r;
    EXPECT_EQ(parser.parse(text, r).status, Status::Complete) << text;
    return handle(r, *store_, options_, clock_);
  }

  fs::path base_;
  std::unique_ptr<FileStore> store_;
  HandlerOptions options_;
  Clock clock_;
};

TEST_F(Handler, GetServesTheCachedFile) {
  auto r = run("GET /000000000000.cfg HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.cached);
  EXPECT_EQ(r.length, 10u);
  EXPECT_NE(r.head.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_NE(r.head.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_NE(r.head.find("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), std::string::npos);
  EXPECT_EQ(r.head.find("Connection:"), std::string::npos) << "HTTP/1.1 keeps alive without saying so";
  EXPECT_FALSE(r.close);
}

TEST_F(Handler, HeadHasHeadersButNoBody) {
  auto r = run("HEAD /000000000000.cfg HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.length, 0u);
  EXPECT_NE(r.head.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_NE(r.head.find("Connection: close\r\n"), std::string::npos) << "HTTP/1.0 without keep-alive";
  EXPECT_TRUE(r.close);
}

TEST_F(Handler, RangeAndNotModified) {
  auto r = run("GET /000000000000.cfg HTTP/1.1\r\nHost: h\r\nRange: bytes=1-3\r\n\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.offset, 1u);
  EXPECT_EQ(r.length, 3u);
  EXPECT_NE(r.head.find("Content-Range: bytes 1-3/10\r\n"), std::string::npos);
  const auto etag_at = r.head.find("ETag: ") + 6;
  const std::string etag = r.head.substr(etag_at, r.head.find("\r\n", etag_at) - etag_at);
  auto nm = run("GET /000000000000.cfg HTTP/1.1\r\nHost: h\r\nIf-None-Match: " + etag + "\r\n\r\n");
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.length, 0u);
  auto bad = run("GET /000000000000.cfg HTTP/1.1\r\nHost: h\r\nRange: bytes=50-\r\n\r\n");
  EXPECT_EQ(bad.status, 416);
  EXPECT_NE(bad.head.find("Content-Range: bytes */10\r\n"), std::string::npos);
}

TEST_F(Handler, RefusalsAndTheirStatus) {
  EXPECT_EQ(run("GET /missing.cfg HTTP/1.1\r\nHost: h\r\n\r\n").status, 404);
  EXPECT_EQ(run("GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n").status, 403);
  EXPECT_EQ(run("GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
  auto post = run("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD, PUT\r\n"), std::string::npos);
  EXPECT_EQ(run("DELETE /x.log HTTP/1.1\r\nHost: h\r\n\r\n").status, 405) << "not configured";
}

TEST_F(Handler, PutIsAcceptedOrRefusedBeforeTheBody) {
  EXPECT_EQ(run("PUT /0004f2aabbcc-app.log HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n").status, 0)
      << "0: the server streams the body";
  auto no_length = run("PUT /a.log HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(no_length.status, 411);
  EXPECT_TRUE(no_length.close);
  options_.max_upload_bytes = 4;
  auto big = run("PUT /a.log HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(big.close) << "the unread body must not be taken for the next request";
  options_.uploads = false;
  EXPECT_EQ(run("PUT /a.log HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n").status, 405);
}

TEST_F(Handler, DeleteWhenConfigured) {
  options_.allow_delete = true;
  fs::create_directories(base_ / "uploads");
  std::ofstream(base_ / "uploads/backup.txt") << "x";
  EXPECT_EQ(run("DELETE /backup.txt HTTP/1.1\r\nHost: h\r\n\r\n").status, 204);
  EXPECT_EQ(run("DELETE /backup.txt HTTP/1.1\r\nHost: h\r\n\r\n").status, 404);
}

}  // namespace
}  // namespace pb::prov::http
