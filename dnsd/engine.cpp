#include "dnsd/engine.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace pb::dns {
namespace {

constexpr std::size_t kOptSize = 11;
constexpr std::uint16_t kTypeDs = 43;

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// Flags of an answer: QR, the query's opcode, RD and CD copied (RFC 1035 4.1.1, RFC 4035 3.1.6).
std::uint16_t answer_flags(std::uint16_t query_flags, bool aa, bool tc, std::uint8_t rc) noexcept {
  std::uint16_t f = 0x8000 | (query_flags & 0x7800) | (query_flags & 0x0100) | (query_flags & 0x0010);
  if (aa) f |= 0x0400;
  if (tc) f |= 0x0200;
  return static_cast<std::uint16_t>(f | (rc & 0xF));
}

void write_opt(std::uint8_t* p, std::uint16_t payload, std::uint8_t ext_rcode, bool do_bit) noexcept {
  p[0] = 0;  // root owner
  put16(p + 1, type::OPT);
  put16(p + 3, payload);
  p[5] = ext_rcode;
  p[6] = 0;  // version 0
  p[7] = do_bit ? 0x80 : 0;
  p[8] = 0;
  put16(p + 9, 0);
}

// An answer with no records: errors, and truncated answers. Copies the question when there is one.
Answer bare(const Query& q, std::span<const std::uint8_t> msg, std::span<std::uint8_t> out, std::uint8_t rc, bool tc,
            bool aa, std::uint16_t our_payload) noexcept {
  Answer a;
  const std::size_t qlen = q.question_end == 0 ? 0 : q.question_end - 12;
  const std::size_t need = 12 + qlen + (q.edns ? kOptSize : 0);
  if (out.size() < need) return a;
  // The header's ID and flags, even for FORMERR: the client needs the ID to match the answer.
  put16(out.data(), q.id);
  put16(out.data() + 2, answer_flags(q.flags, aa, tc, static_cast<std::uint8_t>(rc & 0xF)));
  put16(out.data() + 4, qlen ? 1 : 0);
  put16(out.data() + 6, 0);
  put16(out.data() + 8, 0);
  put16(out.data() + 10, q.edns ? 1 : 0);
  if (qlen) std::memcpy(out.data() + 12, msg.data() + 12, qlen);
  if (q.edns) write_opt(out.data() + 12 + qlen, our_payload, static_cast<std::uint8_t>(rc >> 4), q.do_bit);
  a.outcome = Outcome::reply;
  a.size = need;
  a.rcode = rc;
  a.truncated = tc;
  return a;
}

const NodeEntry* find_node(const Tables& t, std::string_view name) noexcept {
  auto it = t.nodes.find(name);
  return it == t.nodes.end() ? nullptr : &it->second;
}

}  // namespace

std::size_t truncate_answer(std::span<std::uint8_t> out, std::size_t size) noexcept {
  if (size < 12 || out.size() < size) return 0;
  std::size_t pos = 12;
  if (out[5] == 1) {
    std::uint8_t name[kMaxName];
    std::size_t len = 0;
    if (read_query_name(out.first(size), pos, name, len) != NameError::none || size - pos < 4) return 0;
    pos += 4;
  }
  out[2] |= 0x02;  // TC
  for (std::size_t i = 6; i < 12; ++i) out[i] = 0;
  return pos;
}

std::size_t udp_limit(const Query& q, std::uint16_t our_payload) noexcept {
  if (!q.edns) return 512;
  return std::clamp<std::size_t>(q.edns_payload, 512, std::max<std::uint16_t>(our_payload, 512));
}

Answer answer(const Tables& t, std::span<const std::uint8_t> msg, std::span<std::uint8_t> out,
              const Transport& tr) noexcept {
  Query q;
  Drop why = Drop::none;
  const ParseResult pr = parse_query(msg, q, why);
  if (pr == ParseResult::drop) {
    Answer a;
    a.drop = why;
    return a;
  }
  if (pr == ParseResult::formerr) {
    // A broken OPT gets a plain answer: we cannot trust the EDNS we read.
    if (why == Drop::bad_opt) q.edns = false;
    if (q.question_end == 0) q.edns = false;
    Answer a = bare(q, msg, out, rcode::formerr, false, false, t.edns_payload);
    a.drop = why;
    return a;
  }
  const std::uint16_t payload = t.edns_payload;
  Answer a;
  if (q.edns && q.edns_version != 0) {
    a = bare(q, msg, out, rcode::badvers, false, false, payload);  // RFC 6891 6.1.3
  } else if (q.opcode != 0) {
    a = bare(q, msg, out, rcode::notimp, false, false, payload);
  } else if (q.qclass != kClassIn) {
    a = bare(q, msg, out, rcode::refused, false, false, payload);
  } else if (q.qtype == type::MAILA || q.qtype == type::MAILB || q.qtype == type::OPT) {
    a = bare(q, msg, out, q.qtype == type::OPT ? rcode::formerr : rcode::notimp, false, false, payload);
  } else {
    const std::string_view qname(reinterpret_cast<const char*>(q.qname), q.qname_len);
    const NodeEntry* node = find_node(t, qname);
    const Compiled* c = nullptr;
    bool wild = false;
    const bool exact = node != nullptr;
    if (node == nullptr) {
      // Closest encloser: the first ancestor we hold (empty non-terminals are held too).
      std::string_view enc = qname;
      while (node == nullptr && enc.size() > 1) {
        enc = enc.substr(static_cast<std::uint8_t>(enc[0]) + 1u);
        node = find_node(t, enc);
      }
      if (node == nullptr) {
        a = bare(q, msg, out, rcode::refused, false, false, payload);
        if (tr.may_forward) a.outcome = Outcome::forward;
        a.qtype = q.qtype;
        return a;
      }
      if (node->referral == nullptr) {
        std::uint8_t wildname[kMaxName + 2] = {1, '*'};
        std::memcpy(wildname + 2, enc.data(), std::min(enc.size(), kMaxName));
        const std::size_t wlen = enc.size() + 2;
        const NodeEntry* w = wlen <= kMaxName ? find_node(t, {reinterpret_cast<const char*>(wildname), wlen}) : nullptr;
        if (w != nullptr && w->wildcard) {
          node = w;
          wild = true;
        } else {
          c = &t.zones[node->zone].nxdomain;
        }
      }
    }
    // DS lives on the parent side of a cut (RFC 4035 3.1.4.1): answered here, not referred.
    const bool ds_at_cut = exact && node->cut && q.qtype == kTypeDs;
    if (node->referral != nullptr && !ds_at_cut) c = node->referral;
    if (q.qtype == type::AXFR || q.qtype == type::IXFR) {
      const bool apex = !wild && c == nullptr && t.zones[node->zone].apex == qname;
      if (!tr.tcp || !apex) {
        a = bare(q, msg, out, tr.tcp ? rcode::notauth : rcode::notimp, false, false, payload);
      } else {
        a.outcome = Outcome::transfer;
        a.zone = node->zone;
        a.rcode = 0;
      }
      a.qtype = q.qtype;
      return a;
    }
    if (c == nullptr) c = &node->find(q.qtype, wild);
    if (c->variants.empty()) {
      a = bare(q, msg, out, rcode::servfail, false, false, payload);
    } else {
      const std::size_t n = c->variants.size();
      const Variant& v =
          n == 1 ? c->variants[0] : c->variants[t.rotors[c->rotor].next.fetch_add(1, std::memory_order_relaxed) % n];
      const std::size_t qlen = q.question_end - 12;
      const std::size_t limit = std::min(out.size(), tr.tcp ? std::size_t{65535} : udp_limit(q, payload));
      const std::size_t opt = q.edns ? kOptSize : 0;
      std::size_t body = v.tail.size();
      std::uint16_t ar = v.ar;
      if (12 + qlen + body + opt > limit) {
        // Leave out the additional section first (no TC needed: RFC 2181 9); if even that does not fit, TC.
        body = v.without_additional;
        ar = 0;
      }
      if (12 + qlen + body + opt > limit) {
        a = bare(q, msg, out, c->rcode, true, c->aa, payload);
      } else {
        std::uint8_t* p = out.data();
        put16(p, q.id);
        put16(p + 2, answer_flags(q.flags, c->aa, false, c->rcode));
        put16(p + 4, 1);
        put16(p + 6, v.an);
        put16(p + 8, v.ns);
        put16(p + 10, static_cast<std::uint16_t>(ar + (q.edns ? 1 : 0)));
        std::memcpy(p + 12, msg.data() + 12, qlen);  // the question as asked: its case is the client's
        std::memcpy(p + 12 + qlen, v.tail.data(), body);
        if (q.edns) write_opt(p + 12 + qlen + body, payload, 0, q.do_bit);
        a.outcome = Outcome::reply;
        a.size = 12 + qlen + body + opt;
        a.rcode = c->rcode;
      }
    }
  }
  a.qtype = q.qtype;
  return a;
}

}  // namespace pb::dns
