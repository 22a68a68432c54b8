#include "common/inventory.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/ascii.hpp"

namespace pb::inventory {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// One CSV record starting at `pos`; advances pos past its line end. Quoted fields may hold commas, quotes
// ("") and line breaks (which count towards `lines`).
std::vector<std::string> next_record(std::string_view text, std::size_t& pos, std::size_t& lines, bool& bad_quote) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, was_quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++lines;
        field += c;
      }
      continue;
    }
    if (c == '"' && trim(field).empty()) {
      quoted = was_quoted = true;
      field.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n') {
      ++lines;
      break;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) bad_quote = true;
  fields.push_back(was_quoted ? field : trim(field));
  return fields;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) noexcept {
  std::array<std::uint8_t, 6> out{};
  std::size_t digits = 0;
  for (char c : text) {
    if (c == ':' || c == '-' || c == '.') continue;
    const int d = hex(c);
    if (d < 0 || digits >= 12) return std::nullopt;
    out[digits / 2] = static_cast<std::uint8_t>(out[digits / 2] << 4 | d);
    ++digits;
  }
  if (digits != 12) return std::nullopt;
  // Separators, when used, must split the digits evenly (aa:bb:.., aabb.ccdd.eeff).
  return out;
}

std::string Phone::mac_hex() const {
  if (!mac) return {};
  static constexpr char d[] = "0123456789abcdef";
  std::string s;
  for (auto b : *mac) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

const Phone* Inventory::find_mac(const std::array<std::uint8_t, 6>& mac) const noexcept {
  for (const auto& p : phones)
    if (p.mac && *p.mac == mac) return &p;
  return nullptr;
}

Inventory parse(std::string_view text) {
  Inventory inv;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t pos = 0, line = 1;
  bool bad_quote = false;
  // The header: the first non-empty record.
  std::vector<std::string> header;
  std::size_t header_line = 0;
  while (pos < text.size() && header.empty()) {
    header_line = line;
    auto rec = next_record(text, pos, line, bad_quote);
    if (!(rec.size() == 1 && rec[0].empty())) header = std::move(rec);
  }
  if (header.empty()) {
    inv.problems.push_back({1, "the file has no header row"});
    return inv;
  }
  std::vector<std::string> keys;
  for (auto& h : header) keys.push_back(ascii_lower(trim(h)));
  auto col = [&](std::string_view name) -> int {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == name) return static_cast<int>(i);
    return -1;
  };
  if (col("name") < 0 || col("address") < 0) {
    inv.problems.push_back(
        {header_line, "the header names no 'Name' and 'Address' columns (not a CSV Managed IP Phone List)"});
    return inv;
  }
  if (col("template") >= 0)
    inv.layout = Layout::template_list;
  else if (col("manufacturer") >= 0 && col("model") >= 0)
    inv.layout = Layout::tmm_list;
  int ip_col = col("ip address");
  if (ip_col < 0) ip_col = col("ipv4 address");
  if (ip_col < 0) ip_col = col("fixed address");
  const std::vector<std::string> known = {"name",  "template",    "type",      "manufacturer",
                                          "model", "proxy group", "extension", "identification address",
                                          "label", "address"};

  while (pos < text.size()) {
    const std::size_t at = line;
    bad_quote = false;
    auto rec = next_record(text, pos, line, bad_quote);
    if (rec.size() == 1 && rec[0].empty()) continue;                                                    // blank line
    if (std::all_of(rec.begin(), rec.end(), [](const std::string& f) { return f.empty(); })) continue;  // ",,,,"
    if (bad_quote) {
      inv.problems.push_back({at, "unterminated quoted field"});
      break;
    }
    Phone p;
    p.line = at;
    auto get = [&](std::string_view name) -> std::string {
      const int c = col(name);
      return c >= 0 && static_cast<std::size_t>(c) < rec.size() ? rec[static_cast<std::size_t>(c)] : std::string{};
    };
    p.name = get("name");
    p.template_name = get("template");
    p.type = get("type");
    p.manufacturer = get("manufacturer");
    p.model = get("model");
    p.proxy_group = get("proxy group");
    p.extension = get("extension");
    p.identification_address = get("identification address");
    p.label = get("label");
    p.address = get("address");
    for (std::size_t i = 0; i < keys.size() && i < rec.size(); ++i)
      if (std::find(known.begin(), known.end(), keys[i]) == known.end() && static_cast<int>(i) != ip_col &&
          !rec[i].empty())
        p.extra[trim(header[i])] = rec[i];
    if (rec.size() > keys.size())
      inv.problems.push_back(
          {at, "has " + std::to_string(rec.size()) + " fields, the header " + std::to_string(keys.size())});
    if (p.name.empty()) {
      inv.problems.push_back({at, "the Name column is empty; row skipped"});
      continue;
    }
    if (!p.address.empty()) {
      const bool looks_mac = p.address.find_first_not_of("0123456789abcdefABCDEF:-.") == std::string::npos &&
                             p.address.find_first_of("0123456789") != std::string::npos;
      if (auto mac = parse_mac(p.address))
        p.mac = mac;
      else if (looks_mac)
        inv.problems.push_back(
            {at, "'" + p.address + "' is not a MAC address (12 hex digits); " + p.name + " has no MAC"});
      else
        p.computer_name = p.address;
    }
    if (ip_col >= 0 && static_cast<std::size_t>(ip_col) < rec.size() &&
        !rec[static_cast<std::size_t>(ip_col)].empty()) {
      const auto& text_ip = rec[static_cast<std::size_t>(ip_col)];
      if (auto a = Ipv4Address::parse(text_ip))
        p.ip = a;
      else
        inv.problems.push_back({at, "'" + text_ip + "' is not an IPv4 address"});
    }
    p.registered_ip = sip_host_address(p.identification_address);
    if (p.mac)
      for (const auto& other : inv.phones)
        if (other.mac == p.mac)
          inv.problems.push_back({at, "MAC " + p.address + " also on line " + std::to_string(other.line)});
    inv.phones.push_back(std::move(p));
  }
  return inv;
}

std::optional<Ipv4Address> sip_host_address(std::string_view uri) noexcept {
  std::string compact;  // the guide's examples put spaces after "sip:", "@" and ":"
  for (char ch : uri)
    if (ch != ' ' && ch != '\t') compact += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string_view rest = compact;
  if (rest.rfind("sip:", 0) == 0)
    rest.remove_prefix(4);
  else if (rest.rfind("sips:", 0) == 0)
    rest.remove_prefix(5);
  else
    return std::nullopt;
  const auto at = rest.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  rest.remove_prefix(at + 1);
  rest = rest.substr(0, rest.find_first_of(":;>?"));
  return Ipv4Address::parse(std::string(rest));
}

Inventory load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    Inventory inv;
    inv.problems.push_back({0, "cannot read '" + path + "'"});
    return inv;
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse(text);
}

}  // namespace pb::inventory
