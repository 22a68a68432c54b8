// Fuzz target: the query parser. Any bytes in; it must never read outside them, and what it accepts must be
// self-consistent (the question lies inside the message, names within their limits).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dnsd/message.hpp"
#include "dnsd/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> msg(data, size);
  pb::dns::Query q;
  pb::dns::Drop why = pb::dns::Drop::none;
  const auto r = pb::dns::parse_query(msg, q, why);
  if (r == pb::dns::ParseResult::ok) {
    if (q.question_end > size || q.qname_len == 0 || q.qname_len > pb::dns::kMaxName) std::abort();
    if (why != pb::dns::Drop::none) std::abort();
  } else if (why == pb::dns::Drop::none) {
    std::abort();  // every refusal names its reason
  }
  (void)pb::dns::parse_message(msg);  // the full parser (compression allowed) on the same bytes
  return 0;
}
