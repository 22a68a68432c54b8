// Fuzzes the Prometheus text reader of `phoneboot status`: any bytes give samples whose names are non-empty
// and whose values are numbers, and label lookups on whatever labels came out never read past them.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/metrics_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& s : pb::metrics::parse_text(text)) {
    if (s.name.empty() || std::isnan(s.value)) std::abort();
    (void)pb::metrics::label(s.labels, "type");
    (void)pb::metrics::label(s.labels, s.labels);
  }
  (void)pb::metrics::label(text, "state");
  return 0;
}
