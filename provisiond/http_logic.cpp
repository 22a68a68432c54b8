#include "provisiond/http_logic.hpp"

#include <array>
#include <cstring>

#include <fmt/format.h>

namespace pb::prov::http {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only, no sign, no overflow; nullopt otherwise.
std::optional<std::uint64_t> number(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::string_view opaque(std::string_view tag) noexcept {
  tag = trim(tag);
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_of(std::string_view m) noexcept {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[static_cast<std::size_t>(i)]) return i;
  return -1;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm): no timegm, no locale, no TZ.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<int> two_digits(std::string_view s) noexcept {
  if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return std::nullopt;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

std::optional<std::int64_t> make_time(int year, int month, int day, std::string_view hms) noexcept {
  if (hms.size() != 8 || hms[2] != ':' || hms[5] != ':') return std::nullopt;
  auto h = two_digits(hms.substr(0, 2)), mi = two_digits(hms.substr(3, 2)), s = two_digits(hms.substr(6, 2));
  if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 60 || month < 0 || day < 1 || day > 31) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month + 1), static_cast<unsigned>(day)) * 86400 + *h * 3600 +
         *mi * 60 + *s;
}

}  // namespace

RangeDecision decide_range(std::string_view range, std::string_view if_range, std::uint64_t size, std::string_view etag,
                           std::int64_t mtime_s) noexcept {
  RangeDecision whole;
  range = trim(range);
  if (range.empty()) return whole;
  if (!if_range.empty()) {
    // If-Range holds an entity tag (strong comparison) or a date (must equal Last-Modified). A blank one is
    // neither, so it matches nothing and the Range is ignored (RFC 9110 13.1.5).
    if_range = trim(if_range);
    if (if_range.empty()) return whole;
    if (if_range.front() == '"' || if_range.substr(0, 2) == "W/") {
      if (if_range != etag) return whole;
    } else {
      auto t = parse_http_date(if_range);
      if (!t || *t != mtime_s) return whole;
    }
  }
  if (range.size() < 6 || range.substr(0, 6) != "bytes=") return whole;
  std::string_view spec = trim(range.substr(6));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: the whole file is a valid answer
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  RangeDecision out{RangeKind::Partial, {}};
  if (a.empty()) {  // suffix: the last n bytes
    auto n = number(b);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {RangeKind::Unsatisfiable, {}};
    out.range.first = *n >= size ? 0 : size - *n;
    out.range.last = size - 1;
    return out;
  }
  auto first = number(a);
  if (!first) return whole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = number(b);
    if (!l || *l < *first) return whole;  // "5-3" is invalid, so ignored
    if (*l < last) last = *l;
  }
  if (*first >= size) return {RangeKind::Unsatisfiable, {}};
  out.range.first = *first;
  out.range.last = last;
  return out;
}

bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, std::string_view etag,
                  std::int64_t mtime_s) noexcept {
  if_none_match = trim(if_none_match);
  if (!if_none_match.empty()) {
    if (if_none_match == "*") return true;
    const std::string_view mine = opaque(etag);
    while (!if_none_match.empty()) {
      const std::size_t comma = if_none_match.find(',');
      if (opaque(if_none_match.substr(0, comma)) == mine) return true;
      if (comma == std::string_view::npos) break;
      if_none_match.remove_prefix(comma + 1);
    }
    return false;
  }
  if (if_modified_since.empty()) return false;
  auto since = parse_http_date(if_modified_since);
  return since && mtime_s <= *since;
}

std::string format_http_date(std::int64_t t) {
  std::tm tm{};
  const std::time_t tt = static_cast<std::time_t>(t);
  gmtime_r(&tt, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[static_cast<std::size_t>(tm.tm_wday)],
                     tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

std::optional<std::int64_t> parse_http_date(std::string_view s) noexcept {
  s = trim(s);
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes)
  if (s.size() == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
      s.substr(26) == "GMT") {
    auto day = two_digits(s.substr(5, 2));
    auto y1 = two_digits(s.substr(12, 2)), y2 = two_digits(s.substr(14, 2));
    if (!day || !y1 || !y2) return std::nullopt;
    return make_time(*y1 * 100 + *y2, month_of(s.substr(8, 3)), *day, s.substr(17, 8));
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (const auto comma = s.find(", ");
      comma != std::string_view::npos && s.size() == comma + 24 && s.substr(s.size() - 3) == "GMT") {
    const std::string_view d = s.substr(comma + 2);
    auto day = two_digits(d.substr(0, 2)), yy = two_digits(d.substr(7, 2));
    if (!day || !yy || d[2] != '-' || d[6] != '-') return std::nullopt;
    return make_time(*yy < 70 ? 2000 + *yy : 1900 + *yy, month_of(d.substr(3, 3)), *day, d.substr(10, 8));
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
    const char d0 = s[8] == ' ' ? '0' : s[8];
    auto day = two_digits(std::string_view(std::array<char, 2>{d0, s[9]}.data(), 2));
    auto y1 = two_digits(s.substr(20, 2)), y2 = two_digits(s.substr(22, 2));
    if (!day || !y1 || !y2) return std::nullopt;
    return make_time(*y1 * 100 + *y2, month_of(s.substr(4, 3)), *day, s.substr(11, 8));
  }
  return std::nullopt;
}

const char* status_text(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace pb::prov::http
