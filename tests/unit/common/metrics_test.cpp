#include "common/metrics.hpp"

#include <gtest/gtest.h>

namespace pb::metrics {
namespace {

TEST(Registry, RendersPrometheusText) {
  Registry r;
  r.counter("pb_drops_total", "packets dropped", {{"reason", "short"}}).inc(3);
  r.counter("pb_drops_total", "packets dropped", {{"reason", "short"}}).inc();  // same metric again
  r.gauge("pb_stratum", "stratum served").set(3);
  auto& h = r.histogram("pb_latency_seconds", "answer latency", {0.001, 0.01});
  h.observe(0.0005);
  h.observe(0.005);
  h.observe(5);
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE pb_drops_total counter\npb_drops_total{reason=\"short\"} 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("pb_stratum 3\n"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_count 3\n"), std::string::npos);
}

}  // namespace
}  // namespace pb::metrics
