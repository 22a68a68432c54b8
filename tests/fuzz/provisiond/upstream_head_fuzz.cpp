// parse_upstream_head over arbitrary bytes (the upstream is across a WAN, and not ours): never reads past the
// input, a complete head ends inside it, within kMaxUpstreamHead, with a real status, and validators that
// cannot break the next request; an error always says why; and what follows a complete head never changes it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "provisiond/upstream_response.hpp"

namespace {

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  pb::prov::UpstreamHead head;
  std::string why;
  const auto status = pb::prov::parse_upstream_head(input, head, why);
  if (status == pb::prov::HeadStatus::error && why.empty()) std::abort();
  if (status != pb::prov::HeadStatus::complete) return 0;
  if (head.head_bytes == 0 || head.head_bytes > size || head.head_bytes > pb::prov::kMaxUpstreamHead) std::abort();
  if (head.status < 100 || head.status > 999) std::abort();
  if (!printable(head.etag) || !printable(head.last_modified)) std::abort();
  // The body that follows is not the head's business.
  std::string longer(input);
  longer += "\r\n\r\nHTTP/1.0 500 X\r\nContent-Length: 1\r\n\r\n";
  pb::prov::UpstreamHead again;
  if (pb::prov::parse_upstream_head(longer, again, why) != pb::prov::HeadStatus::complete ||
      again.head_bytes != head.head_bytes || again.status != head.status || again.etag != head.etag)
    std::abort();
  return 0;
}
