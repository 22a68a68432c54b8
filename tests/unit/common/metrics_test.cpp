#include "common/metrics.hpp"
#include "common/metrics_text.hpp"

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

// What the registry renders reads back: `phoneboot status` sums and picks by label from a real scrape.
TEST(MetricsText, ReadsBackWhatTheRegistryRenders) {
  Registry r;
  r.counter("pb_sent_total", "sent", {{"type", "ACK"}}).inc(3);
  r.counter("pb_sent_total", "sent", {{"type", "NAK"}}).inc();
  r.gauge("pb_state", "state", {{"state", "sync"}}).set(1);
  const auto samples = parse_text(r.render());
  EXPECT_EQ(sum(samples, "pb_sent_total"), 4.0);
  EXPECT_EQ(sum(samples, "pb_missing"), std::nullopt);
  bool found = false;
  for (const auto& s : samples)
    if (s.name == "pb_sent_total" && label(s.labels, "type") == "NAK") found = s.value == 1;
  EXPECT_TRUE(found);
  EXPECT_EQ(label(samples.back().labels, "state"), "sync");
}

TEST(MetricsText, SkipsWhatItCannotReadAndKeepsTheRest) {
  const auto samples = parse_text(
      "# HELP a help\n"
      "a 1\r\n"
      "b{x=\"q\\\"}\\\\\",y=\"2\"} 2.5 1700000000\n"  // an escaped quote and backslash inside a value
      "{nameless} 3\n"
      "c{unclosed=\"1\" 4\n"
      "d notanumber\n"
      "e 5junk\n"
      "f NaN\n"
      "g 7");  // the last line has no newline: a scrape cut short still gives it
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].name, "a");
  EXPECT_EQ(samples[1].value, 2.5);
  EXPECT_EQ(label(samples[1].labels, "x"), "q\"}\\");
  EXPECT_EQ(label(samples[1].labels, "y"), "2");
  EXPECT_EQ(label(samples[1].labels, "z"), std::nullopt);
  EXPECT_EQ(samples[2].name, "g");
  EXPECT_EQ(label("x=\"unterminated", "x"), std::nullopt);
  EXPECT_EQ(label("x=1", "x"), std::nullopt);
}

}  // namespace
}  // namespace pb::metrics
