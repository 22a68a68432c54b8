#include "provisiond/upstream_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ascii.hpp"

namespace pb::prov {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// The status line: "HTTP/1.0 200 OK", "HTTP/1.1 404" (the reason may be empty or missing).
bool parse_status_line(std::string_view line, int& status) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !std::isdigit(static_cast<unsigned char>(line[7])) ||
      line[8] != ' ')
    return false;
  const std::string_view code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  return status >= 100;
}

}  // namespace

HeadStatus parse_upstream_head(std::string_view received, UpstreamHead& out, std::string& why) {
  // The head ends at the first empty line.
  std::size_t end = std::string_view::npos, body = 0;
  for (std::size_t i = received.find('\n'); i != std::string_view::npos; i = received.find('\n', i + 1)) {
    if (i + 1 < received.size() && received[i + 1] == '\n') {
      end = i + 1, body = i + 2;
      break;
    }
    if (i + 2 < received.size() && received[i + 1] == '\r' && received[i + 2] == '\n') {
      end = i + 1, body = i + 3;
      break;
    }
  }
  if (end == std::string_view::npos) {
    if (received.size() > kMaxUpstreamHead) {
      why = "the answer's head is larger than 16 KiB";
      return HeadStatus::error;
    }
    return HeadStatus::incomplete;
  }
  if (body > kMaxUpstreamHead) {
    why = "the answer's head is larger than 16 KiB";
    return HeadStatus::error;
  }
  out = UpstreamHead{};
  out.head_bytes = body;
  std::string_view head = received.substr(0, end);
  bool first = true;
  while (!head.empty()) {
    const auto nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      if (!parse_status_line(line, out.status)) {
        why = "no HTTP/1.x status line";
        return HeadStatus::error;
      }
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      why = "a header line without a name";
      return HeadStatus::error;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (ascii_iequals(name, "Content-Length")) {
      std::uint64_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc{} || p != value.data() + value.size() ||
          (out.content_length && *out.content_length != n)) {
        why = "a bad or repeated Content-Length";
        return HeadStatus::error;
      }
      out.content_length = n;
    } else if (ascii_iequals(name, "Transfer-Encoding")) {
      if (!ascii_iequals(value, "identity")) {
        why = "a Transfer-Encoding (chunked) in an answer to HTTP/1.0";
        return HeadStatus::error;
      }
    } else if (ascii_iequals(name, "ETag") && printable(value) && value.size() <= 256) {
      out.etag = std::string(value);  // sent back in If-None-Match: nothing that could break our request
    } else if (ascii_iequals(name, "Last-Modified") && printable(value) && value.size() <= 64) {
      out.last_modified = std::string(value);
    }
  }
  return HeadStatus::complete;
}

}  // namespace pb::prov
