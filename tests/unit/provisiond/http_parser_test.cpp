#include "provisiond/http_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pb::prov::http {
namespace {

struct Parsed {
  Outcome outcome;
  Request request;
};

Parsed parse(std::string_view text, Limits limits = {}) {
  Parser p(limits);
  Parsed out;
  out.outcome = p.parse(text, out.request);
  return out;
}

// A Polycom VVX asking for its master configuration file (seeds: observed HTTP sequence).
constexpr std::string_view kPolycomGet =
    "GET /000000000000.cfg HTTP/1.1\r\n"  // request line
    "Host: provision.lab.voip:8088\r\n"   // required in 1.1
    "User-Agent: FileTransport PolycomVVX-VVX_500-UA/5.9.7.4477 Type/Application\r\n"
    "Accept: */*\r\n"
    "\r\n";  // end of head

TEST(HttpParser, PolycomGetIsComplete) {
  auto p = parse(kPolycomGet);
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.method, Method::Get);
  EXPECT_EQ(p.request.path, "/000000000000.cfg");
  EXPECT_EQ(p.request.host, "provision.lab.voip:8088");
  EXPECT_EQ(p.request.user_agent.substr(0, 13), "FileTransport");
  EXPECT_TRUE(p.request.keep_alive);
  EXPECT_EQ(p.request.head_bytes, kPolycomGet.size());
}

TEST(HttpParser, EveryPrefixIsIncompleteNeverAnError) {
  for (std::size_t n = 0; n < kPolycomGet.size(); ++n) {
    auto p = parse(kPolycomGet.substr(0, n));
    EXPECT_EQ(p.outcome.status, Status::Incomplete) << "prefix of " << n << " bytes";
  }
}

TEST(HttpParser, ByteAtATimeWithOneParser) {
  Parser parser(Limits{});
  std::string buffer;
  Request r;
  Outcome o;
  for (char c : kPolycomGet) {
    buffer.push_back(c);
    o = parser.parse(buffer, r);
    if (o.status != Status::Incomplete) break;
  }
  ASSERT_EQ(o.status, Status::Complete);
  EXPECT_EQ(r.head_bytes, buffer.size());
}

TEST(HttpParser, PipelinedRequestsEndWhereTheHeadEnds) {
  const std::string two = std::string(kPolycomGet) + "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n";
  auto p = parse(two);
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.head_bytes, kPolycomGet.size());
  auto q = parse(std::string_view(two).substr(p.request.head_bytes));
  ASSERT_EQ(q.outcome.status, Status::Complete);
  EXPECT_EQ(q.request.method, Method::Head);
}

TEST(HttpParser, QueryAndAbsoluteForm) {
  auto p = parse("GET http://provision.lab.voip:8088/polycom/a.cfg?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.path, "/polycom/a.cfg");
  EXPECT_EQ(p.request.query, "x=1");
}

TEST(HttpParser, ConnectionSemantics) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, close\r\n\r\n").request.keep_alive);
}

TEST(HttpParser, BareLineFeedsAndLeadingEmptyLines) {
  auto p = parse("\r\nGET /a HTTP/1.1\nHost: h\n\n");
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.path, "/a");
  EXPECT_EQ(p.request.head_bytes, 27u);
}

TEST(HttpParser, PutWithLengthAndExpect) {
  auto p =
      parse("PUT /0004f2aabbcc-app.log HTTP/1.1\r\nHost: h\r\nContent-Length: 1234\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.method, Method::Put);
  EXPECT_EQ(p.request.content_length, 1234u);
  EXPECT_TRUE(p.request.expect_continue);
}

TEST(HttpParser, ConditionalAndRangeFieldsAreKept) {
  auto p = parse(
      "GET /f HTTP/1.1\r\nHost: h\r\nRange: bytes=0-511\r\nIf-None-Match: \"a\"\r\n"
      "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Range: \"a\"\r\n\r\n");
  ASSERT_EQ(p.outcome.status, Status::Complete);
  EXPECT_EQ(p.request.range, "bytes=0-511");
  EXPECT_EQ(p.request.if_none_match, "\"a\"");
  EXPECT_EQ(p.request.if_range, "\"a\"");
  EXPECT_EQ(p.request.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT");
}

void expect_error(std::string_view text, int status, const char* reason, Limits limits = {}) {
  auto p = parse(text, limits);
  EXPECT_EQ(p.outcome.status, Status::Error) << text;
  EXPECT_EQ(p.outcome.http_status, status) << text;
  EXPECT_STREQ(p.outcome.reason, reason) << text;
}

TEST(HttpParser, MalformedRequests) {
  expect_error("GET /a\r\n\r\n", 400, "bad-request-line");
  expect_error("GET /a HTTP/1.1 x\r\nHost: h\r\n\r\n", 400, "bad-request-line");
  expect_error("GET a HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad-target");
  expect_error("GET /a HTTP/1.1\r\n\r\n", 400, "missing-host");
  expect_error("GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "duplicate-host");
  expect_error("GET /a HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400, "obsolete-line-folding");
  expect_error("GET /a HTTP/1.1\r\nHost : h\r\n\r\n", 400, "bad-header");
  expect_error("GET /a HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n", 400, "bad-header");
  expect_error("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
               "bad-content-length");
  expect_error("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "bad-content-length");
  expect_error("GET /a HTTP/2.0\r\nHost: h\r\n\r\n", 505, "unsupported-version");
  expect_error("GET /a HTTX/1.1\r\nHost: h\r\n\r\n", 400, "bad-version");
  expect_error("PUT /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501, "transfer-encoding");
  expect_error("GET /a HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417, "expectation");
}

TEST(HttpParser, GarbageIsRefusedAtItsFirstByte) {
  expect_error("\x16\x03\x01", 400, "bad-method");  // a TLS ClientHello on the HTTP port
  expect_error("G(T", 400, "bad-method");
}

TEST(HttpParser, RequestLineLimitIs414EvenBeforeItEnds) {
  Limits l;
  l.max_request_line = 64;
  expect_error("GET /" + std::string(100, 'a'), 414, "request-line-too-long", l);
  expect_error("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414, "request-line-too-long", l);
  EXPECT_EQ(parse("GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", l).outcome.status, Status::Complete);
}

TEST(HttpParser, HeadLimitsAre431) {
  Limits l;
  l.max_header_bytes = 256;
  l.max_headers = 4;
  expect_error("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a'), 431, "header-too-large", l);
  expect_error("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", 431, "too-many-headers", l);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\n\r\n", l).outcome.status, Status::Complete);
}

}  // namespace
}  // namespace pb::prov::http
