#pragma once
// Reading the Prometheus text format back (what metrics::Server writes), for `phoneboot status`. Lenient:
// a line that is not `name[{labels}] value` is skipped, never an error, so a newer daemon's extra lines or
// a scrape cut short still give every complete sample.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pb::metrics {

struct Sample {
  std::string name;
  std::string labels;  // between the braces, as written: type="ACK",pool="voice"
  double value = 0;
};

std::vector<Sample> parse_text(std::string_view text);

// The sum of every sample called `name`, whatever its labels; nullopt when there is none.
std::optional<double> sum(const std::vector<Sample>& samples, std::string_view name);

// The value of label `key` in `labels` (`type="ACK",pool="voice"`), or nullopt.
std::optional<std::string> label(std::string_view labels, std::string_view key);

}  // namespace pb::metrics
