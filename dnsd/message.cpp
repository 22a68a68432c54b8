#include "dnsd/message.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "common/wire.hpp"
#include "dnsd/name.hpp"
#include "dnsd/zone.hpp"

namespace pb::dns {
namespace {

bool read_text_name(std::span<const std::uint8_t> msg, std::size_t& pos, std::string& out) {
  std::string wire;
  if (read_name(msg, pos, wire) != NameError::none) return false;
  out = name_to_text(wire);
  return true;
}

std::string hex(std::span<const std::uint8_t> b) {
  std::string s;
  char buf[3];
  for (auto c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    s += buf;
  }
  return s;
}

// RDATA to text; names may be compressed against the whole message, so this reads from `msg`.
bool rdata_text(std::span<const std::uint8_t> msg, std::size_t at, std::size_t len, std::uint16_t t, std::string& out) {
  const std::size_t end = at + len;
  std::size_t p = at;
  auto u16 = [&](std::size_t i) { return static_cast<unsigned>(msg[i] << 8 | msg[i + 1]); };
  switch (t) {
    case type::A: {
      if (len != 4) return false;
      out = std::to_string(msg[at]) + "." + std::to_string(msg[at + 1]) + "." + std::to_string(msg[at + 2]) + "." +
            std::to_string(msg[at + 3]);
      return true;
    }
    case type::AAAA: {
      if (len != 16) return false;
      char buf[INET6_ADDRSTRLEN];
      ::inet_ntop(AF_INET6, msg.data() + at, buf, sizeof buf);
      out = buf;
      return true;
    }
    case type::NS:
    case type::CNAME:
    case type::PTR: return read_text_name(msg, p, out) && p == end;
    case type::MX: {
      if (len < 3) return false;
      p += 2;
      std::string n;
      if (!read_text_name(msg, p, n) || p != end) return false;
      out = std::to_string(u16(at)) + " " + n;
      return true;
    }
    case type::SRV: {
      if (len < 7) return false;
      p += 6;
      std::string n;
      if (!read_text_name(msg, p, n) || p != end) return false;
      out = std::to_string(u16(at)) + " " + std::to_string(u16(at + 2)) + " " + std::to_string(u16(at + 4)) + " " + n;
      return true;
    }
    case type::SOA: {
      std::string m, r;
      if (!read_text_name(msg, p, m) || !read_text_name(msg, p, r) || end < p || end - p != 20) return false;
      out = m + " " + r;
      for (int i = 0; i < 5; ++i)
        out += " " + std::to_string(static_cast<std::uint32_t>(u16(p + 4 * i)) << 16 | u16(p + 4 * i + 2));
      return true;
    }
    default: out = hex(msg.subspan(at, len)); return true;
  }
}

bool read_records(std::span<const std::uint8_t> msg, WireReader& r, std::uint16_t count, std::vector<ParsedRecord>& out,
                  Message& m) {
  for (std::uint16_t i = 0; i < count; ++i) {
    std::size_t pos = r.pos();
    ParsedRecord rec;
    if (!read_text_name(msg, pos, rec.name)) return false;
    r.seek(pos);
    rec.type = r.u16();
    rec.cls = r.u16();
    rec.ttl = r.u32();
    const std::uint16_t len = r.u16();
    const std::size_t at = r.pos();
    r.skip(len);
    if (!r.ok()) return false;
    if (rec.type == type::OPT) {
      if (m.has_opt) return false;
      m.has_opt = true;
      m.opt_payload = rec.cls;
      continue;
    }
    if (!rdata_text(msg, at, len, rec.type, rec.data)) return false;
    out.push_back(std::move(rec));
  }
  return true;
}

}  // namespace

std::optional<Message> parse_message(std::span<const std::uint8_t> bytes) {
  WireReader r(bytes);
  Message m;
  m.id = r.u16();
  m.flags = r.u16();
  const std::uint16_t qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  if (!r.ok() || qd > 1) return std::nullopt;
  if (qd == 1) {
    std::size_t pos = 12;
    if (!read_text_name(bytes, pos, m.qname)) return std::nullopt;
    r.seek(pos);
    m.qtype = r.u16();
    m.qclass = r.u16();
    if (!r.ok()) return std::nullopt;
  }
  if (!read_records(bytes, r, an, m.answer, m) || !read_records(bytes, r, ns, m.authority, m) ||
      !read_records(bytes, r, ar, m.additional, m))
    return std::nullopt;
  return m;
}

std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t qtype, std::uint16_t id,
                                     std::uint16_t edns_payload, std::uint8_t opcode) {
  std::vector<std::uint8_t> out(512);
  WireWriter w(out);
  w.u16(id);
  w.u16(static_cast<std::uint16_t>(opcode << 11 | 0x0100));  // RD, as stub resolvers send it
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(edns_payload ? 1 : 0);
  const auto wire = name_from_text(name).value_or(std::string(1, '\0'));
  w.text(wire);
  w.u16(qtype);
  w.u16(kClassIn);
  if (edns_payload) {
    w.u8(0);
    w.u16(type::OPT);
    w.u16(edns_payload);
    w.u32(0);
    w.u16(0);
  }
  out.resize(w.size());
  return out;
}

}  // namespace pb::dns
