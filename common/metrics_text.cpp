#include "common/metrics_text.hpp"

#include <cmath>
#include <cstdlib>

namespace pb::metrics {
namespace {

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

// One sample line, or nullopt. Label values may hold escaped quotes and braces: the closing brace is the
// first one outside a quoted value.
std::optional<Sample> parse_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i])) ++i;
  if (i == 0) return std::nullopt;
  Sample s;
  s.name = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    const std::size_t open = ++i;
    bool quoted = false;
    for (; i < line.size(); ++i) {
      if (quoted && line[i] == '\\') {
        ++i;  // the escaped character, whatever it is
        continue;
      }
      if (line[i] == '"') quoted = !quoted;
      if (!quoted && line[i] == '}') break;
    }
    if (i >= line.size()) return std::nullopt;
    s.labels = std::string(line.substr(open, i - open));
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  const std::string value(line.substr(i + 1));
  char* end = nullptr;
  s.value = std::strtod(value.c_str(), &end);
  // A timestamp may follow the value; anything else after it makes the line unreadable.
  if (end == value.c_str() || (*end != '\0' && *end != ' ') || std::isnan(s.value)) return std::nullopt;
  return s;
}

}  // namespace

std::vector<Sample> parse_text(std::string_view text) {
  std::vector<Sample> out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (auto s = parse_line(line)) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<double> sum(const std::vector<Sample>& samples, std::string_view name) {
  std::optional<double> total;
  for (const auto& s : samples)
    if (s.name == name) total = total.value_or(0) + s.value;
  return total;
}

std::optional<std::string> label(std::string_view labels, std::string_view key) {
  std::size_t i = 0;
  while (i < labels.size()) {
    const std::size_t eq = labels.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') return std::nullopt;
    const std::string_view k = labels.substr(i, eq - i);
    std::string value;
    std::size_t j = eq + 2;
    for (; j < labels.size() && labels[j] != '"'; ++j) {
      if (labels[j] == '\\' && j + 1 < labels.size()) {
        ++j;
        value += labels[j] == 'n' ? '\n' : labels[j];
      } else {
        value += labels[j];
      }
    }
    if (j >= labels.size()) return std::nullopt;  // unterminated value
    if (k == key) return value;
    i = j + 1;
    if (i < labels.size() && labels[i] == ',') ++i;
  }
  return std::nullopt;
}

}  // namespace pb::metrics
