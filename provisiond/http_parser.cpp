#include "provisiond/http_parser.hpp"

#include <array>

namespace pb::prov::http {
namespace {

// RFC 9110 tchar.
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kToken = make_token_table();

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!kToken[static_cast<unsigned char>(c)]) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list (Connection) holds `token`.
bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Method method_of(std::string_view m) noexcept {
  if (m == "GET") return Method::Get;
  if (m == "HEAD") return Method::Head;
  if (m == "PUT") return Method::Put;
  if (m == "DELETE") return Method::Delete;
  return Method::Other;
}

constexpr Outcome error(int status, const char* reason) noexcept { return {Status::Error, status, reason}; }

// The next line of `s` from `pos` without its CRLF (or bare LF); npos when no line end is left.
std::size_t line_end(std::string_view s, std::size_t pos) noexcept { return s.find('\n', pos); }

std::string_view strip_cr(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

Outcome Parser::parse(std::string_view buffer, Request& out) noexcept {
  // RFC 9112 2.2: empty lines before a request line are ignored (some clients send one after a body).
  std::size_t skip = 0;
  while (skip < buffer.size() && (buffer[skip] == '\r' || buffer[skip] == '\n')) ++skip;
  if (skip > 0) {
    if (skip > 16) return error(400, "bad-request-line");
    const Outcome o = parse(buffer.substr(skip), out);
    if (o.status == Status::Complete) out.head_bytes += skip;
    return o;
  }
  // An early look at the method: bytes that can never start a request are refused now, not at the timeout.
  const std::size_t method_end = buffer.find(' ');
  const std::string_view method = buffer.substr(0, method_end == std::string_view::npos ? buffer.size() : method_end);
  for (char c : method)
    if (!kToken[static_cast<unsigned char>(c)]) return error(400, "bad-method");
  if (method.size() > 32) return error(501, "unknown-method");

  // Find the empty line that ends the head, resuming where the last call stopped.
  std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
  std::size_t end = std::string_view::npos;
  while (true) {
    const std::size_t nl = buffer.find('\n', from);
    if (nl == std::string_view::npos) break;
    // "\n\n" or "\n\r\n": the empty line.
    if (nl + 1 < buffer.size() && buffer[nl + 1] == '\n') {
      end = nl + 2;
      break;
    }
    if (nl + 2 < buffer.size() && buffer[nl + 1] == '\r' && buffer[nl + 2] == '\n') {
      end = nl + 3;
      break;
    }
    from = nl + 1;
  }
  if (end == std::string_view::npos) {
    scanned_ = buffer.size();
    const std::size_t first_nl = buffer.find('\n');
    // +1: the line's CR may be here while its LF is not yet (found by the fuzzer).
    if (first_nl == std::string_view::npos ? buffer.size() > limits_.max_request_line + 1
                                           : first_nl > limits_.max_request_line + 1)
      return error(414, "request-line-too-long");
    if (buffer.size() > limits_.max_header_bytes) return error(431, "header-too-large");
    return {Status::Incomplete, 0, ""};
  }
  if (end > limits_.max_header_bytes) return error(431, "header-too-large");
  return parse_head(buffer.substr(0, end), out);
}

Outcome Parser::parse_head(std::string_view head, Request& out) const noexcept {
  Request r;
  r.head_bytes = head.size();
  std::size_t pos = 0;
  std::size_t nl = line_end(head, pos);
  const std::string_view line = strip_cr(head.substr(0, nl));
  if (line.size() > limits_.max_request_line) return error(414, "request-line-too-long");

  // method SP request-target SP HTTP-version
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return error(400, "bad-request-line");
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return error(400, "bad-request-line");
  r.method_text = line.substr(0, sp1);
  if (!is_token(r.method_text)) return error(400, "bad-method");
  r.method = method_of(r.method_text);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return error(400, "bad-version");
  if (version[5] != '1') return error(505, "unsupported-version");
  r.minor_version = version[7] - '0';
  r.keep_alive = r.minor_version >= 1;

  // absolute-form (a proxy-style request): keep the path only.
  if (target.size() > 7 && (iequals(target.substr(0, 7), "http://") || iequals(target.substr(0, 8), "https://"))) {
    const std::size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.empty() || target.front() != '/') return error(400, "bad-target");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return error(400, "bad-target");
  const std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string_view::npos) r.query = target.substr(q + 1);

  std::size_t fields = 0;
  bool connection_close = false, connection_keep_alive = false, have_host = false;
  pos = nl + 1;
  while (pos < head.size()) {
    nl = line_end(head, pos);
    const std::string_view field = strip_cr(head.substr(pos, nl - pos));
    pos = nl + 1;
    if (field.empty()) break;
    if (++fields > limits_.max_headers) return error(431, "too-many-headers");
    if (field.front() == ' ' || field.front() == '\t') return error(400, "obsolete-line-folding");
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) return error(400, "bad-header");
    const std::string_view name = field.substr(0, colon);
    if (!is_token(name)) return error(400, "bad-header");  // also "Name : value", RFC 9112 5.1
    const std::string_view value = trim(field.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return error(400, "bad-header");

    if (iequals(name, "host")) {
      if (have_host) return error(400, "duplicate-host");
      have_host = true;
      r.host = value;
    } else if (iequals(name, "content-length")) {
      if (value.empty() || value.size() > 18) return error(400, "bad-content-length");
      std::uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return error(400, "bad-content-length");
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (r.content_length && *r.content_length != n) return error(400, "bad-content-length");
      r.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
      return error(501, "transfer-encoding");  // no chunked uploads: phones send Content-Length
    } else if (iequals(name, "connection")) {
      connection_close = connection_close || has_token(value, "close");
      connection_keep_alive = connection_keep_alive || has_token(value, "keep-alive");
    } else if (iequals(name, "range")) {
      r.range = value;
    } else if (iequals(name, "if-range")) {
      r.if_range = value;
    } else if (iequals(name, "if-none-match")) {
      r.if_none_match = value;
    } else if (iequals(name, "if-modified-since")) {
      r.if_modified_since = value;
    } else if (iequals(name, "expect")) {
      if (!iequals(value, "100-continue")) return error(417, "expectation");
      r.expect_continue = true;
    } else if (iequals(name, "user-agent")) {
      r.user_agent = value;
    }
  }
  if (r.minor_version >= 1 && !have_host) return error(400, "missing-host");
  if (connection_close)
    r.keep_alive = false;
  else if (connection_keep_alive)
    r.keep_alive = true;
  out = r;
  return {Status::Complete, 0, ""};
}

}  // namespace pb::prov::http
