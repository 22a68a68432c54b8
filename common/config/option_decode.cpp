#include "common/config/option_decode.hpp"

#include <cstdio>

#include "common/config/site.hpp"

namespace pb::config {
namespace {

std::string hex_text(std::span<const std::uint8_t> bytes) {
  std::string out;
  char b[4];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::snprintf(b, sizeof b, i == 0 ? "%02x" : ":%02x", bytes[i]);
    out += b;
  }
  return out;
}

std::uint32_t be(std::span<const std::uint8_t> b) noexcept {
  std::uint32_t v = 0;
  for (const std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

std::string ip_text(std::span<const std::uint8_t> b) { return Ipv4Address{be(b.first(4))}.str(); }

// One name at `at` (an offset into `all`); moves `at` past it. Pointers may only go backwards, so a loop or a
// forward reference ends as an error, never as a hang.
std::optional<std::string> read_name(std::span<const std::uint8_t> all, std::size_t& at) {
  std::string name;
  std::size_t pos = at;
  bool jumped = false;
  for (;;) {
    if (pos >= all.size()) return std::nullopt;
    const std::uint8_t len = all[pos];
    if (len == 0) {
      if (!jumped) at = pos + 1;
      break;
    }
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= all.size()) return std::nullopt;
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | all[pos + 1];
      if (target >= pos) return std::nullopt;
      if (!jumped) at = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0 || pos + 1 + len > all.size()) return std::nullopt;
    if (!name.empty()) name += '.';
    for (std::size_t i = 0; i < len; ++i) {
      const char c = static_cast<char>(all[pos + 1 + i]);
      if (c == '.') return std::nullopt;  // would read back as two labels
      name += c;
    }
    if (name.size() > 253) return std::nullopt;
    pos += 1 + len;
  }
  if (!check_domain_name(name).empty()) return std::nullopt;  // what the configuration would refuse
  return name;
}

}  // namespace

std::optional<Value> decode_scalar(std::span<const std::uint8_t> b, OptionType type) {
  // Built in place and returned by name: GCC 12 with sanitizers reports moved-from variants as maybe
  // uninitialized, and -Werror makes that fatal.
  std::optional<Value> out;
  auto set = [&out](auto value) {
    out.emplace();
    out->data = std::move(value);
  };
  switch (type) {
    case OptionType::ip:
      if (b.size() == 4) set(ip_text(b));
      break;
    case OptionType::ip_list:
      if (!b.empty() && b.size() % 4 == 0) {
        Value::Array list(b.size() / 4);
        for (std::size_t i = 0; i < list.size(); ++i) list[i].data = ip_text(b.subspan(4 * i, 4));
        set(std::move(list));
      }
      break;
    case OptionType::string:
      if (!b.empty()) set(std::string(b.begin(), b.end()));
      break;
    case OptionType::int32:
      if (b.size() == 4) set(std::int64_t{static_cast<std::int32_t>(be(b))});
      break;
    case OptionType::uint8:
    case OptionType::uint16:
    case OptionType::uint32: {
      const std::size_t size = type == OptionType::uint8 ? 1 : type == OptionType::uint16 ? 2 : 4;
      if (b.size() == size) set(std::int64_t{be(b)});
      break;
    }
    case OptionType::boolean:
      if (b.size() == 1 && b[0] <= 1) set(b[0] == 1);
      break;
    case OptionType::hex:
      if (!b.empty()) set(hex_text(b));
      break;
    case OptionType::domain_list: {
      Value::Array names;
      for (std::size_t at = 0; at < b.size();) {
        auto name = read_name(b, at);
        if (!name) return std::nullopt;
        names.emplace_back().data = std::move(*name);
      }
      if (!names.empty()) set(std::move(names));
      break;
    }
    case OptionType::sub_options:
    case OptionType::vivso: break;
  }
  return out;
}

std::optional<std::vector<RawSubOption>> decode_suboptions(std::span<const std::uint8_t> b) {
  std::vector<RawSubOption> out;
  for (std::size_t i = 0; i < b.size();) {
    if (b[i] == 0 || b[i] == 255) {
      ++i;
      continue;
    }
    if (i + 1 >= b.size() || i + 2 + b[i + 1] > b.size()) return std::nullopt;
    out.push_back({b[i], std::vector<std::uint8_t>(b.begin() + static_cast<long>(i) + 2,
                                                   b.begin() + static_cast<long>(i) + 2 + b[i + 1])});
    i += 2u + b[i + 1];
  }
  return out;
}

std::optional<std::vector<VendorBlock>> decode_vivso(std::span<const std::uint8_t> b) {
  std::vector<VendorBlock> out;
  for (std::size_t i = 0; i < b.size();) {
    if (i + 5 > b.size()) return std::nullopt;
    const std::size_t len = b[i + 4];
    if (i + 5 + len > b.size()) return std::nullopt;
    // Inside a block there is no pad or end: every byte belongs to a sub-option (RFC 3925 section 4).
    std::vector<RawSubOption> subs;
    const auto data = b.subspan(i + 5, len);
    for (std::size_t j = 0; j < data.size();) {
      if (j + 1 >= data.size() || j + 2 + data[j + 1] > data.size()) return std::nullopt;
      subs.push_back({data[j], std::vector<std::uint8_t>(data.begin() + static_cast<long>(j) + 2,
                                                         data.begin() + static_cast<long>(j) + 2 + data[j + 1])});
      j += 2u + data[j + 1];
    }
    out.push_back({be(b.subspan(i, 4)), std::move(subs)});
    i += 5 + len;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string option_text(std::span<const std::uint8_t> bytes, OptionType type) {
  auto subs_text = [](const std::vector<RawSubOption>& subs) {
    std::string out;
    for (const auto& s : subs) out += (out.empty() ? "" : " ") + std::to_string(s.code) + "=" + hex_text(s.bytes);
    return out;
  };
  if (type == OptionType::sub_options) {
    if (auto subs = decode_suboptions(bytes)) return subs_text(*subs);
  } else if (type == OptionType::vivso) {
    if (auto blocks = decode_vivso(bytes)) {
      std::string out;
      for (const auto& v : *blocks)
        out += (out.empty() ? "" : " ") + std::to_string(v.enterprise) + ":" + subs_text(v.suboptions);
      return out;
    }
  } else if (auto v = decode_scalar(bytes, type)) {
    auto one = [](const Value& x) -> std::string {
      if (auto s = std::get_if<std::string>(&x.data)) return "\"" + *s + "\"";
      if (auto i = std::get_if<std::int64_t>(&x.data)) return std::to_string(*i);
      if (auto t = std::get_if<bool>(&x.data)) return *t ? "true" : "false";
      return "?";
    };
    if (auto list = std::get_if<Value::Array>(&v->data)) {
      std::string out = "[";
      for (const auto& x : *list) out += (out.size() > 1 ? ", " : "") + one(x);
      return out + "]";
    }
    return one(*v);
  }
  return "hex " + hex_text(bytes);
}

}  // namespace pb::config
