#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

namespace pb::log {
namespace {

std::atomic<Level> current{Level::info};

constexpr std::string_view prefix(Level level) {
  // systemd's <N> priority prefixes, so journald files each line at the right level.
  switch (level) {
    case Level::debug: return "<7>";
    case Level::info: return "<6>";
    case Level::warning: return "<4>";
    case Level::error: return "<3>";
  }
  return "<6>";
}

}  // namespace

void set_level(Level l) noexcept { current.store(l, std::memory_order_relaxed); }
Level level() noexcept { return current.load(std::memory_order_relaxed); }

bool parse_level(std::string_view name, Level& out) noexcept {
  if (name == "debug")
    out = Level::debug;
  else if (name == "info")
    out = Level::info;
  else if (name == "warning")
    out = Level::warning;
  else if (name == "error")
    out = Level::error;
  else
    return false;
  return true;
}

void write(Level l, std::string_view component, std::string_view text) noexcept {
  try {
    std::string line;
    line.reserve(component.size() + text.size() + 8);
    // The priority prefix only helps journald; on a terminal it is noise.
    static const bool to_journal = ::getenv("JOURNAL_STREAM") != nullptr;
    if (to_journal) line += prefix(l);
    line += component;
    line += ": ";
    line += text;
    line += '\n';
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    // Logging must never take a service down; a line lost to out-of-memory is acceptable.
  }
}

}  // namespace pb::log
