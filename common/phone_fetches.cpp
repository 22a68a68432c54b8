#include "common/phone_fetches.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/inventory.hpp"

namespace pb::phone_fetches {
namespace {

constexpr std::string_view kHeader = "phoneboot-fetches 1";

// One space-separated field of `line` from `at` on; empty at the end.
std::string_view field(std::string_view line, std::size_t& at) {
  const std::size_t end = std::min(line.find(' ', at), line.size());
  const std::string_view f = line.substr(at, end - at);
  at = end < line.size() ? end + 1 : end;
  return f;
}

std::string safe(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (const auto byte = static_cast<unsigned char>(c); byte <= 0x20 || byte > 0x7e) c = '?';
  return out.empty() ? "?" : out;
}

std::optional<std::int64_t> number(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

std::string directory(const std::string& state_dir) { return state_dir + "/provisiond"; }
std::string path(const std::string& state_dir) { return directory(state_dir) + "/phones"; }

std::string encode(const std::vector<Fetch>& fetches) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& f : fetches)
    out += fmt::format("{} {} {} {} {} {}\n", format_mac(f.mac), f.time, safe(f.protocol), f.client.str(),
                       safe(f.status), safe(f.name));
  return out;
}

std::vector<Fetch> decode(std::string_view text) {
  std::vector<Fetch> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    std::size_t at = 0;
    const auto mac = inventory::parse_mac(field(line, at));
    const auto time = number(field(line, at));
    const std::string_view protocol = field(line, at);
    const auto client = Ipv4Address::parse(field(line, at));
    const std::string_view status = field(line, at);
    const std::string_view name = line.substr(at);
    if (!mac || !time || protocol.empty() || !client || status.empty() || name.empty()) continue;
    out.push_back({*mac, *time, std::string(protocol), *client, std::string(status), std::string(name)});
  }
  return out;
}

void write(const std::string& file, const std::vector<Fetch>& fetches) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << encode(fetches);
    if (!f.flush()) throw std::runtime_error("cannot write '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0)
    throw std::runtime_error("cannot rename '" + tmp + "' (" + std::strerror(errno) + ")");
}

std::vector<Fetch> read(const std::string& file) {
  std::ifstream f(file);
  if (!f) {
    if (errno == ENOENT) return {};
    throw std::runtime_error("cannot read '" + file + "' (" + std::strerror(errno) + ")");
  }
  std::stringstream text;
  text << f.rdbuf();
  return decode(text.str());
}

}  // namespace pb::phone_fetches
