// The HTTP request parser, whole and fed in pieces: it must never crash, never read past the buffer, and
// the incremental parse must agree with the one-shot parse (incomplete is not malformed). Parsed fields go
// on through the path, Range and conditional logic.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "provisiond/http_logic.hpp"
#include "provisiond/http_parser.hpp"
#include "provisiond/path.hpp"

using namespace pb::prov;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the piece size of the incremental run.
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::Limits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;

  http::Parser whole(limits);
  http::Request a;
  const http::Outcome oa = whole.parse(input, a);

  http::Parser pieces(limits);
  http::Request b;
  http::Outcome ob{};
  std::string buffer;
  for (std::size_t pos = 0; pos < input.size();) {
    const std::size_t n = std::min(step, input.size() - pos);
    buffer.append(input.substr(pos, n));
    pos += n;
    ob = pieces.parse(buffer, b);
    if (ob.status != http::Status::Incomplete) break;
  }
  if ((oa.status == http::Status::Complete) != (ob.status == http::Status::Complete)) std::abort();
  if (oa.status != http::Status::Complete) return 0;
  if (a.head_bytes != b.head_bytes || a.head_bytes > input.size() || a.path != b.path) std::abort();

  if (auto decoded = percent_decode(a.path)) {
    auto normal = normalize(decoded.value(), false);
    if (normal && (normal.value().find("..") == 0 || normal.value().front() == '/')) std::abort();
  }
  const std::uint64_t file_size = a.head_bytes * 97;
  const auto range = http::decide_range(a.range, a.if_range, file_size, "\"x\"", 1000);
  if (range.kind == http::RangeKind::Partial && (range.range.first > range.range.last || range.range.last >= file_size))
    std::abort();
  (void)http::not_modified(a.if_none_match, a.if_modified_since, "\"x\"", 1000);
  if (auto t = http::parse_http_date(a.if_modified_since); t && *t >= 0 && *t < 253402300800) {
    if (http::parse_http_date(http::format_http_date(*t)) != t) std::abort();
  }
  return 0;
}
