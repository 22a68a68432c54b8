#include "dnsd/query.hpp"

#include "common/wire.hpp"
#include "dnsd/zone.hpp"

namespace pb::dns {

const char* drop_name(Drop d) noexcept {
  switch (d) {
    case Drop::none: return "none";
    case Drop::short_header: return "short_header";
    case Drop::response: return "response";
    case Drop::qdcount: return "qdcount";
    case Drop::bad_label: return "bad_label";
    case Drop::name_too_long: return "name_too_long";
    case Drop::compression: return "compression";
    case Drop::truncated: return "truncated";
    case Drop::unexpected_records: return "unexpected_records";
    case Drop::bad_opt: return "bad_opt";
    case Drop::rate_limited: return "rate_limited";
    case Drop::count_: break;
  }
  return "unknown";
}

ParseResult parse_query(std::span<const std::uint8_t> msg, Query& q, Drop& why) noexcept {
  why = Drop::none;
  q.question_end = 0;
  q.edns = false;
  if (msg.size() < 12) {
    why = Drop::short_header;
    return ParseResult::drop;
  }
  WireReader r(msg);
  q.id = r.u16();
  q.flags = r.u16();
  const std::uint16_t qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  q.opcode = static_cast<std::uint8_t>((q.flags >> 11) & 0xF);
  if (q.flags & 0x8000) {
    why = Drop::response;
    return ParseResult::drop;
  }
  if (qd != 1) {
    why = Drop::qdcount;
    return ParseResult::formerr;
  }
  std::size_t pos = 12;
  switch (read_query_name(msg, pos, q.qname, q.qname_len)) {
    case NameError::none: break;
    case NameError::truncated: why = Drop::truncated; return ParseResult::formerr;
    case NameError::label_too_long: why = Drop::bad_label; return ParseResult::formerr;
    case NameError::name_too_long: why = Drop::name_too_long; return ParseResult::formerr;
    case NameError::compression: why = Drop::compression; return ParseResult::formerr;
  }
  r.seek(pos);
  q.qtype = r.u16();
  q.qclass = r.u16();
  if (!r.ok()) {
    why = Drop::truncated;
    return ParseResult::formerr;
  }
  q.question_end = r.pos();
  if (an != 0 || ns != 0) {
    why = Drop::unexpected_records;
    return ParseResult::formerr;
  }
  for (std::uint16_t i = 0; i < ar; ++i) {
    std::size_t p = r.pos();
    std::uint8_t owner[kMaxName];
    std::size_t owner_len = 0;
    // Additional records in a query are OPT (root owner) or TSIG/SIG(0), whose owners may be compressed.
    std::string ignored;
    const NameError e =
        (p < msg.size() && msg[p] == 0) ? read_query_name(msg, p, owner, owner_len) : read_name(msg, p, ignored);
    if (e != NameError::none) {
      why = e == NameError::compression ? Drop::compression : Drop::truncated;
      return ParseResult::formerr;
    }
    r.seek(p);
    const std::uint16_t t = r.u16();
    const std::uint16_t cls = r.u16();
    const std::uint32_t ttl = r.u32();
    const std::uint16_t rdlen = r.u16();
    r.skip(rdlen);
    if (!r.ok()) {
      why = Drop::truncated;
      return ParseResult::formerr;
    }
    if (t != type::OPT) continue;
    if (q.edns || owner_len != 1) {
      why = Drop::bad_opt;
      return ParseResult::formerr;
    }
    q.edns = true;
    q.edns_payload = cls;
    q.edns_version = static_cast<std::uint8_t>(ttl >> 16);
    q.do_bit = (ttl & 0x8000) != 0;
  }
  return ParseResult::ok;
}

}  // namespace pb::dns
