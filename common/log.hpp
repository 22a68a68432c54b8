#pragma once
// One line per event on stderr, read by journald: "component: what failed 'object' (reason)" (Knot).
// Debug lines cost one comparison when debug is off. Not thread-safe for set_level(); lines themselves are
// written with a single write(2) so threads never interleave within a line.
#include <fmt/format.h>

#include <string_view>

namespace pb::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3 };

void set_level(Level level) noexcept;
Level level() noexcept;
bool parse_level(std::string_view name, Level& out) noexcept;
void write(Level level, std::string_view component, std::string_view text) noexcept;

template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warning) write(Level::warning, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  write(Level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pb::log
