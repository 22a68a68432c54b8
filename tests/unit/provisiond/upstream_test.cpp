#include <gtest/gtest.h>

#include "common/config/model.hpp"
#include "common/upstream_url.hpp"
#include "provisiond/upstream_response.hpp"

namespace pb::prov {
namespace {

TEST(UpstreamUrl, ReadsHostPortAndBasePath) {
  std::string why;
  auto u = parse_upstream_url("http://cic1.example.com:8088/provision/", why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->host, "cic1.example.com");
  EXPECT_EQ(u->port, 8088);
  EXPECT_EQ(u->base_path, "/provision");
  auto bare = parse_upstream_url("http://10.1.2.3", why);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->base_path, "");
  EXPECT_FALSE(bare->tls);
  auto secure = parse_upstream_url("https://cic1.example.com/provision", why);
  ASSERT_TRUE(secure) << why;
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->base_path, "/provision");
  auto secure_port = parse_upstream_url("https://cic1:8443/", why);
  ASSERT_TRUE(secure_port) << why;
  EXPECT_TRUE(secure_port->tls);
  EXPECT_EQ(secure_port->port, 8443);
}

TEST(UpstreamUrl, RefusesWhatItCannotFetch) {
  const std::pair<const char*, const char*> cases[] = {
      {"ftp://cic1/", "not an http:// or https:// URL"},
      {"https://cic1:x/", "bad port 'x'"},
      {"http://user@cic1/", "user info, a query or a fragment has no place in the upstream"},
      {"http://cic1/?x=1", "user info, a query or a fragment has no place in the upstream"},
      {"http://:8088/", "bad host ''"},
      {"http://cic_1/", "bad host 'cic_1'"},
      {"http://cic1:0/", "bad port '0'"},
      {"http://cic1:65536/", "bad port '65536'"},
      {"http://cic1:80a/", "bad port '80a'"},
      {"http://cic1/a b", "the path must be printable ASCII without spaces"},
  };
  for (const auto& [url, message] : cases) {
    std::string why;
    EXPECT_FALSE(parse_upstream_url(url, why)) << url;
    EXPECT_EQ(why, message) << url;
  }
}

TEST(UpstreamUrl, TargetsPercentEncodeTheName) {
  std::string why;
  auto u = parse_upstream_url("http://cic1/prov", why);
  ASSERT_TRUE(u);
  EXPECT_EQ(upstream_target(*u, "polycom/sip.ld"), "/prov/polycom/sip.ld");
  EXPECT_EQ(upstream_target(*u, "a b?#%.cfg"), "/prov/a%20b%3F%23%25.cfg");
  u->base_path.clear();
  EXPECT_EQ(upstream_target(*u, "SEP0004F2AABBCC.cnf.xml"), "/SEP0004F2AABBCC.cnf.xml");
}

// The proxy only sees phones sent to it: provision.<domain> is the call servers' name.
TEST(ProxyConfig, WarnsWhenPhonesAreSentToTheCallServersInstead) {
  const std::string site = "[site]\ndomain = \"branch1.voip\"\naddress = \"10.251.0.2/24\"\ninterface = \"eth0\"\n";
  const std::string proxy = "[provisiond.proxy]\nupstream = \"http://10.250.1.151:8088/\"\n";
  auto sent_away = config::load_text(site + proxy);
  ASSERT_TRUE(sent_away.model);
  EXPECT_EQ(sent_away.diagnostics.str(),
            "site.toml:6:12: provisiond.proxy.upstream: warning: phones are sent to provision.branch1.voip, the call "
            "servers' name, and never reach this proxy: set site.provision_url to this appliance "
            "(http://10.251.0.2:8088)\n");
  auto sent_here = config::load_text(site + "provision_url = \"http://10.251.0.2:8088\"\n" + proxy);
  ASSERT_TRUE(sent_here.model);
  EXPECT_EQ(sent_here.diagnostics.str(), "");
}

// ca_file only matters to an https:// upstream: beside http:// it is a sign of a mistake.
TEST(ProxyConfig, WarnsWhenCaFileIsGivenForAPlainUpstream) {
  const std::string site =
      "[site]\ndomain = \"branch1.voip\"\naddress = \"10.251.0.2/24\"\ninterface = \"eth0\"\n"
      "provision_url = \"http://10.251.0.2:8088\"\n[provisiond.proxy]\nca_file = \"/etc/hostname\"\n";
  auto plain = config::load_text(site + "upstream = \"http://10.250.1.151:8088/\"\n");
  ASSERT_TRUE(plain.model);
  EXPECT_EQ(plain.diagnostics.str(),
            "site.toml:7:11: provisiond.proxy.ca_file: warning: not used: the upstream is plain http://\n");
  auto tls = config::load_text(site + "upstream = \"https://central.example/\"\n");
  ASSERT_TRUE(tls.model);
  EXPECT_EQ(tls.diagnostics.str(), "");
}

UpstreamHead parse_ok(std::string_view text) {
  UpstreamHead h;
  std::string why;
  EXPECT_EQ(parse_upstream_head(text, h, why), HeadStatus::complete) << why;
  return h;
}

TEST(UpstreamHead, ReadsStatusLengthAndValidators) {
  auto h = parse_ok(
      "HTTP/1.0 200 OK\r\nServer: x\r\ncontent-length: 12\r\nETag:  \"abc\" \r\nLast-Modified: Tue, 14 Nov 2023 "
      "22:13:20 GMT\r\n\r\nhello");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.content_length, 12u);
  EXPECT_EQ(h.etag, "\"abc\"");
  EXPECT_EQ(h.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(h.head_bytes, std::string_view("HTTP/1.0 200 OK\r\nServer: x\r\ncontent-length: 12\r\nETag:  \"abc\" "
                                           "\r\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n")
                              .size());
  auto bare = parse_ok("HTTP/1.1 404\n\nbody");  // bare LF, no reason
  EXPECT_EQ(bare.status, 404);
  EXPECT_FALSE(bare.content_length);
  EXPECT_EQ(bare.head_bytes, 14u);
  EXPECT_EQ(parse_ok("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n").status, 304);
}

TEST(UpstreamHead, WaitsForTheBlankLine) {
  UpstreamHead h;
  std::string why;
  EXPECT_EQ(parse_upstream_head("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n", h, why), HeadStatus::incomplete);
  EXPECT_EQ(parse_upstream_head("", h, why), HeadStatus::incomplete);
}

TEST(UpstreamHead, RefusesWhatItCannotTrust) {
  const std::pair<std::string, const char*> cases[] = {
      {"SIP/2.0 200 OK\r\n\r\n", "no HTTP/1.x status line"},
      {"HTTP/1.0 2x0 OK\r\n\r\n", "no HTTP/1.x status line"},
      {"HTTP/1.0 099 Low\r\n\r\n", "no HTTP/1.x status line"},
      {"HTTP/1.0 2000 OK\r\n\r\n", "no HTTP/1.x status line"},
      {"HTTP/1.0 200 OK\r\nno colon here\r\n\r\n", "a header line without a name"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "a bad or repeated Content-Length"},
      {"HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "a bad or repeated Content-Length"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "a bad or repeated Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       "a Transfer-Encoding (chunked) in an answer to HTTP/1.0"},
      {"HTTP/1.0 200 OK\r\nX: " + std::string(kMaxUpstreamHead, 'a'), "the answer's head is larger than 16 KiB"},
  };
  for (const auto& [text, message] : cases) {
    UpstreamHead h;
    std::string why;
    EXPECT_EQ(parse_upstream_head(text, h, why), HeadStatus::error) << text.substr(0, 60);
    EXPECT_EQ(why, message) << text.substr(0, 60);
  }
}

TEST(UpstreamHead, DropsValidatorsThatCouldBreakTheNextRequest) {
  auto h = parse_ok("HTTP/1.0 200 OK\r\nETag: \"a\x01\"\r\nLast-Modified: " + std::string(100, 'x') + "\r\n\r\n");
  EXPECT_EQ(h.etag, "");
  EXPECT_EQ(h.last_modified, "");
}

}  // namespace
}  // namespace pb::prov
