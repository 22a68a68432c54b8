#pragma once
// ASCII case folding for protocol tokens and names (HTTP fields, TFTP options, file names carrying a MAC,
// DNS labels, CSV headers): bytes outside A-Z are left as they are, whatever the locale.
#include <string>
#include <string_view>

namespace pb {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace pb
