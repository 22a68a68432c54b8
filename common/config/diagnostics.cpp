#include "common/config/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace pb::config {

std::string Diagnostic::str() const {
  std::string text = fmt::format("{}:{}:{}: ", pos.file, pos.line, pos.column);
  if (!key.empty()) text += key + ": ";
  if (severity == Severity::warning) text += "warning: ";
  return text + message;
}

void Diagnostics::error(SourcePos pos, std::string key, std::string message) {
  list_.push_back({Diagnostic::Severity::error, std::move(pos), std::move(key), std::move(message)});
}

void Diagnostics::warning(SourcePos pos, std::string key, std::string message) {
  list_.push_back({Diagnostic::Severity::warning, std::move(pos), std::move(key), std::move(message)});
}

bool Diagnostics::has_errors() const noexcept {
  for (const auto& d : list_)
    if (d.severity == Diagnostic::Severity::error) return true;
  return false;
}

std::string Diagnostics::str() const {
  std::string text;
  for (const auto& d : list_) text += d.str() + '\n';
  return text;
}

void Diagnostics::sort_by_position() {
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.file, a.pos.line, a.pos.column) < std::tie(b.pos.file, b.pos.line, b.pos.column);
  });
}

SourcePos Positions::find(std::string key) const {
  while (true) {
    if (auto it = map_.find(key); it != map_.end()) return it->second;
    auto cut = key.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    key.resize(cut);
  }
  if (auto it = map_.find(""); it != map_.end()) return it->second;
  return {};
}

}  // namespace pb::config
