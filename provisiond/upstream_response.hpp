#pragma once
// The head of the central server's answer to the caching proxy's GET (proxy_cache.hpp), as a pure function
// over the bytes received so far, so every refusal is unit tested and fuzzed. The proxy asks in HTTP/1.0, so
// the answer has a Content-Length or ends when the server closes; a chunked answer is refused.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pb::prov {

inline constexpr std::size_t kMaxUpstreamHead = 16384;

struct UpstreamHead {
  int status = 0;
  std::optional<std::uint64_t> content_length;
  std::string etag;            // as sent, quotes included
  std::string last_modified;   // as sent
  std::size_t head_bytes = 0;  // the head, its blank line included: the body starts here
};

enum class HeadStatus { incomplete, complete, error };

// Parses "HTTP/1.x NNN reason" and its fields from the start of `received` (CRLF or bare LF). `why` says
// what is wrong on error: no status line, a bad status, two different lengths, chunked, a head over
// kMaxUpstreamHead.
HeadStatus parse_upstream_head(std::string_view received, UpstreamHead& out, std::string& why);

}  // namespace pb::prov
