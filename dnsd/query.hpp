#pragma once
// The query parser: header, the one question, and the EDNS0 OPT record (RFC 1035 4.1, RFC 6891 6.1).
// A pure function over the datagram that never reads past its end and never throws.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dnsd/name.hpp"

namespace pb::dns {

// Why a query got no answer or an error answer; each has a counter (dnsd_drops_total{reason}).
enum class Drop : std::uint8_t {
  none,
  short_header,        // under 12 bytes: nothing to answer to (dropped)
  response,            // QR set: never answer an answer (dropped, no reflection loops)
  qdcount,             // qdcount != 1 (FORMERR)
  bad_label,           // label over 63 or an extended label type (FORMERR)
  name_too_long,       // over 255 bytes (FORMERR)
  compression,         // a compression pointer in the question (FORMERR)
  truncated,           // the question or a record ends early (FORMERR)
  unexpected_records,  // answer or authority records in a query (FORMERR)
  bad_opt,             // a second OPT, or an OPT not owned by the root (FORMERR)
  rate_limited,        // RRL dropped it
  count_
};
const char* drop_name(Drop d) noexcept;

struct Query {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // the header's second 16 bits as received
  std::uint8_t opcode = 0;
  std::uint8_t qname[kMaxName];  // lower case
  std::size_t qname_len = 0;
  std::size_t question_end = 0;  // offset just past QCLASS
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool edns = false;
  std::uint16_t edns_payload = 0;
  std::uint8_t edns_version = 0;
  bool do_bit = false;
};

enum class ParseResult : std::uint8_t {
  ok,
  drop,     // no answer at all (see Query drop reason)
  formerr,  // answer FORMERR; the question is usable only when question_end != 0
};

ParseResult parse_query(std::span<const std::uint8_t> msg, Query& q, Drop& why) noexcept;

}  // namespace pb::dns
