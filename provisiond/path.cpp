#include "provisiond/path.hpp"

#include <array>
#include <utility>

namespace pb::prov {
namespace {

constexpr std::size_t kMaxPath = 4096;

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (lower(s[s.size() - suffix.size() + i]) != suffix[i]) return false;
  return true;
}

}  // namespace

const char* to_string(PathError e) noexcept {
  switch (e) {
    case PathError::BadEncoding: return "bad-encoding";
    case PathError::Traversal: return "traversal";
    case PathError::Hidden: return "hidden";
    case PathError::Empty: return "empty";
    case PathError::TooLong: return "too-long";
  }
  return "unknown";
}

Result<std::string, PathError> percent_decode(std::string_view in) noexcept {
  if (in.size() > kMaxPath) return Err{PathError::TooLong};
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return Err{PathError::BadEncoding};
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return Err{PathError::BadEncoding};
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    out.push_back(c);
  }
  return out;
}

Result<std::string, PathError> normalize(std::string_view name, bool backslash_is_slash) noexcept {
  if (name.size() > kMaxPath) return Err{PathError::TooLong};
  std::string out;
  out.reserve(name.size());
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = start;
    while (end < name.size() && name[end] != '/' && !(backslash_is_slash && name[end] == '\\')) ++end;
    const std::string_view part = name.substr(start, end - start);
    for (char c : part)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Err{PathError::BadEncoding};
    if (part == "..") return Err{PathError::Traversal};
    if (!part.empty() && part != ".") {
      if (part.front() == '.') return Err{PathError::Hidden};
      if (!out.empty()) out.push_back('/');
      out.append(part);
    }
    if (end == name.size()) break;
    start = end + 1;
  }
  if (out.empty()) return Err{PathError::Empty};
  return out;
}

std::string_view base_name(std::string_view relative) noexcept {
  const auto slash = relative.rfind('/');
  return slash == std::string_view::npos ? relative : relative.substr(slash + 1);
}

std::string_view content_type(std::string_view name) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {".xml", "application/xml"},
      {".cfg", "text/plain"},
      {".cnf", "text/plain"},
      {".txt", "text/plain"},
      {".log", "text/plain"},
      {".scr", "text/plain"},
      {".boot", "text/plain"},
      {".loads", "text/plain"},
      {".htm", "text/html"},
      {".html", "text/html"},
      {".json", "application/json"},
      {".csv", "text/csv"},
      {".pem", "application/x-pem-file"},
      {".crt", "application/x-x509-ca-cert"},
      {".tar", "application/x-tar"},
      {".zip", "application/zip"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (ends_with_ci(name, ext)) return type;
  return "application/octet-stream";
}

}  // namespace pb::prov
