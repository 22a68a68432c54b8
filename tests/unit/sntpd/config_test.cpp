// The [sntpd] section: defaults from [site] alone, every key loaded, printed and loaded back.
#include <gtest/gtest.h>

#include "common/config/model.hpp"

namespace pb::config {
namespace {

const char* kSite = R"([site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
)";

TEST(SntpdConfig, SiteAloneServesHostClockOnApplianceAddress) {
  auto r = load_text(kSite);
  ASSERT_TRUE(r.model) << r.diagnostics.str();
  const auto& s = r.model->sntpd;
  EXPECT_TRUE(s.common.enabled);
  EXPECT_EQ(s.port, 123);
  EXPECT_EQ(sntpd_bind_address(*r.model).str(), "10.250.0.2");
  EXPECT_TRUE(s.local);
  EXPECT_EQ(s.local_stratum, 10);
  EXPECT_EQ(s.kernel_stratum, 10);
  EXPECT_TRUE(s.upstream.empty());
  EXPECT_EQ(summary_sntpd(*r.model), "sntpd: 10.250.0.2:123, host clock at stratum 10");
}

TEST(SntpdConfig, EveryKeyRoundTripsThroughPrint) {
  auto r = load_text(std::string(kSite) + R"(
[sntpd]
address = "127.0.0.1"
port = 12345
upstream = ["ntp.example.net", "192.0.2.1:1123"]
poll = 4
local = false
local_stratum = 14
holdover = 60
kernel_sync = false
kernel_stratum = 3
discipline = true
step_threshold = 0.5
rate_limit = 0
rate_burst = 5
kod = true
)");
  ASSERT_TRUE(r.model) << r.diagnostics.str();
  const auto& s = r.model->sntpd;
  EXPECT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(sntpd_bind_address(*r.model).str(), "127.0.0.1");
  EXPECT_DOUBLE_EQ(s.step_threshold, 0.5);
  EXPECT_EQ(s.kernel_stratum, 3);
  auto again = load_text(print(*r.model));
  ASSERT_TRUE(again.model) << again.diagnostics.str();
  EXPECT_TRUE(*again.model == *r.model);
  EXPECT_EQ(summary_sntpd(*r.model), "sntpd: 127.0.0.1:12345, 2 upstream");
}

TEST(SntpdConfig, UpstreamSyntax) {
  auto a = parse_upstream("ntp.example.net");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "ntp.example.net");
  EXPECT_EQ(a->port, 123);
  EXPECT_FALSE(a->is_address);
  auto b = parse_upstream("192.0.2.1:1123");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "192.0.2.1");
  EXPECT_EQ(b->port, 1123);
  EXPECT_TRUE(b->is_address);
  EXPECT_TRUE(parse_upstream("localhost:12310"));
  for (const char* bad : {"", ":123", "host:", "host:0", "host:65536", "host:12a", "1.2.3", "1.2.3.4.5", "a b", "h_st"})
    EXPECT_FALSE(parse_upstream(bad)) << bad;
}

}  // namespace
}  // namespace pb::config
