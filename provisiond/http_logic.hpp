#pragma once
// The decisions of a GET or HEAD that depend only on the request and the file's metadata: conditional
// requests (RFC 9110 13) and single byte ranges (RFC 9110 14). Pure functions, unit tested without sockets.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace pb::prov::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const noexcept { return last - first + 1; }
};

enum class RangeKind {
  Whole,          // no Range, an invalid one, several ranges, or If-Range not matching: 200 with the whole file
  Partial,        // 206 with Content-Range
  Unsatisfiable,  // 416 with Content-Range: bytes */size
};

struct RangeDecision {
  RangeKind kind = RangeKind::Whole;
  ByteRange range;
};

// `range` and `if_range` are the header values (empty when absent).
RangeDecision decide_range(std::string_view range, std::string_view if_range, std::uint64_t size, std::string_view etag,
                           std::int64_t mtime_s) noexcept;

// True when the request's validators say the client's copy is current (answer 304): If-None-Match
// (weak comparison) first, If-Modified-Since only without it.
bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, std::string_view etag,
                  std::int64_t mtime_s) noexcept;

// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::int64_t t);
// IMF-fixdate, RFC 850 and asctime forms; nullopt when it is none of them.
std::optional<std::int64_t> parse_http_date(std::string_view s) noexcept;

const char* status_text(int status) noexcept;

}  // namespace pb::prov::http
