#include "dnsd/name.hpp"

#include <cctype>

namespace pb::dns {

std::optional<std::string> name_from_text(std::string_view text) {
  if (text.empty() || text == ".") return std::string(1, '\0');
  std::string out;
  std::string label;
  auto flush = [&]() -> bool {
    if (label.empty() || label.size() > kMaxLabel) return false;
    out += static_cast<char>(label.size());
    out += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (!flush()) return std::nullopt;
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      if (i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
          std::isdigit(static_cast<unsigned char>(text[i + 3]))) {
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return std::nullopt;
        label += static_cast<char>(v);
        i += 3;
      } else {
        label += text[++i];
      }
      continue;
    }
    label += c;
  }
  if (!label.empty() && !flush()) return std::nullopt;
  out += '\0';
  if (out.size() > kMaxName) return std::nullopt;
  return out;
}

std::string name_to_text(std::string_view wire) {
  std::string out;
  std::size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const auto len = static_cast<std::uint8_t>(wire[i]);
    for (std::size_t k = 1; k <= len && i + k < wire.size(); ++k) {
      const auto c = static_cast<unsigned char>(wire[i + k]);
      if (std::isalnum(c) || c == '-' || c == '_' || c == '*') {
        out += static_cast<char>(c);
      } else if (c == '.' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      }
    }
    out += '.';
    i += len + 1u;
  }
  return out.empty() ? "." : out;
}

std::string lowercase(std::string_view wire) {
  std::string out(wire);
  // Label length bytes are at most 63, below 'A', so lower-casing every byte leaves them alone.
  for (auto& c : out) c = static_cast<char>(lower_byte(static_cast<std::uint8_t>(c)));
  return out;
}

NameError read_query_name(std::span<const std::uint8_t> msg, std::size_t& pos, std::uint8_t* lower,
                          std::size_t& len) noexcept {
  std::size_t p = pos;
  std::size_t n = 0;
  while (true) {
    if (p >= msg.size()) return NameError::truncated;
    const std::uint8_t l = msg[p];
    if ((l & 0xC0) == 0xC0) return NameError::compression;
    if (l > kMaxLabel) return NameError::label_too_long;  // 0x40 and 0x80 label types are not ours (RFC 6891)
    if (n + l + 1 > kMaxName) return NameError::name_too_long;
    if (l > msg.size() - p - 1) return NameError::truncated;
    lower[n++] = l;
    for (std::size_t k = 1; k <= l; ++k) lower[n++] = lower_byte(msg[p + k]);
    p += l + 1u;
    if (l == 0) break;
  }
  pos = p;
  len = n;
  return NameError::none;
}

NameError read_name(std::span<const std::uint8_t> msg, std::size_t& pos, std::string& out) {
  out.clear();
  std::size_t p = pos;
  std::size_t end = 0;  // where the name ends at its first position
  bool jumped = false;
  while (true) {
    if (p >= msg.size()) return NameError::truncated;
    const std::uint8_t l = msg[p];
    if ((l & 0xC0) == 0xC0) {
      if (p + 1 >= msg.size()) return NameError::truncated;
      const std::size_t target = ((l & 0x3Fu) << 8) | msg[p + 1];
      if (target >= p) return NameError::compression;  // forward or self: a loop waiting to happen
      if (!jumped) end = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if (l > kMaxLabel) return NameError::label_too_long;
    if (out.size() + l + 1 > kMaxName) return NameError::name_too_long;
    if (l > msg.size() - p - 1) return NameError::truncated;
    out.append(reinterpret_cast<const char*>(&msg[p]), l + 1u);
    p += l + 1u;
    if (l == 0) break;
  }
  pos = jumped ? end : p;
  return NameError::none;
}

std::string_view parent(std::string_view wire) noexcept {
  if (wire.empty() || wire[0] == 0) return wire;
  const std::size_t skip = static_cast<std::uint8_t>(wire[0]) + 1u;
  return skip >= wire.size() ? std::string_view{} : wire.substr(skip);
}

std::size_t label_count(std::string_view wire) noexcept {
  std::size_t n = 0;
  while (!wire.empty() && wire[0] != 0) {
    ++n;
    wire = parent(wire);
  }
  return n;
}

bool is_within(std::string_view name, std::string_view zone) noexcept {
  if (zone.size() > name.size()) return false;
  // Walk label boundaries so that "xlab.voip" is not taken as inside "lab.voip".
  while (name.size() > zone.size()) name = parent(name);
  return name == zone;
}

void Compressor::remember(std::string_view wire, std::size_t offset) {
  std::string suffix = lowercase(wire);
  std::string_view s = suffix;
  while (!s.empty() && s[0] != 0 && offset < 0x4000) {
    offsets_.emplace(std::string(s), static_cast<std::uint16_t>(offset));
    offset += static_cast<std::uint8_t>(s[0]) + 1u;
    s = parent(s);
  }
}

void Compressor::write(std::vector<std::uint8_t>& out, std::string_view wire, bool compress) {
  const std::string lower = lowercase(wire);
  std::string_view s = wire;
  std::string_view ls = lower;
  while (!s.empty() && s[0] != 0) {
    if (compress) {
      if (auto it = offsets_.find(std::string(ls)); it != offsets_.end()) {
        out.push_back(static_cast<std::uint8_t>(0xC0 | (it->second >> 8)));
        out.push_back(static_cast<std::uint8_t>(it->second));
        return;
      }
    }
    const std::size_t here = base_ + out.size();
    if (here < 0x4000) offsets_.emplace(std::string(ls), static_cast<std::uint16_t>(here));
    const std::size_t len = static_cast<std::uint8_t>(s[0]) + 1u;
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(len));
    s = parent(s);
    ls = parent(ls);
  }
  out.push_back(0);
}

}  // namespace pb::dns
