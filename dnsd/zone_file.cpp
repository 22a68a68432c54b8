#include "dnsd/zone_file.hpp"

#include <ldns/ldns.h>

#include <cstdio>
#include <memory>

namespace pb::dns {
namespace {

struct RrFree {
  void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct BufferFree {
  void operator()(ldns_buffer* p) const { ldns_buffer_free(p); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Only the types the answer engine knows how to serve; anything else is an error, not silently dropped.
bool supported(ldns_rr_type t) {
  switch (t) {
    case LDNS_RR_TYPE_A:
    case LDNS_RR_TYPE_NS:
    case LDNS_RR_TYPE_CNAME:
    case LDNS_RR_TYPE_SOA:
    case LDNS_RR_TYPE_PTR:
    case LDNS_RR_TYPE_MX:
    case LDNS_RR_TYPE_TXT:
    case LDNS_RR_TYPE_AAAA:
    case LDNS_RR_TYPE_SRV:
    case LDNS_RR_TYPE_NAPTR: return true;
    default: return false;
  }
}

std::string convert(const ldns_rr* rr, ParsedRr& out) {
  if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) return "only class IN is served";
  if (!supported(ldns_rr_get_type(rr))) {
    char* t = ldns_rr_type2str(ldns_rr_get_type(rr));
    std::string msg =
        std::string("type ") + (t ? t : "?") + " is not served (A, AAAA, NS, CNAME, SOA, PTR, MX, TXT, SRV, NAPTR)";
    std::free(t);
    return msg;
  }
  const ldns_rdf* owner = ldns_rr_owner(rr);
  out.owner.assign(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner));
  out.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  out.ttl = ldns_rr_ttl(rr);
  std::unique_ptr<ldns_buffer, BufferFree> buf(ldns_buffer_new(512));
  if (!buf || ldns_rr_rdata2buffer_wire(buf.get(), rr) != LDNS_STATUS_OK) return "cannot encode the RDATA";
  const auto* begin = ldns_buffer_begin(buf.get());
  out.rdata.assign(begin, begin + ldns_buffer_position(buf.get()));
  if (out.rdata.size() > 65535) return "RDATA longer than 65535 bytes";
  return {};
}

std::string absolute(std::string origin) {
  if (origin.empty() || origin.back() != '.') origin += '.';
  return origin;
}

}  // namespace

std::string parse_rr_text(const std::string& line, const std::string& origin_text, std::uint32_t default_ttl,
                          ParsedRr& out) {
  std::unique_ptr<ldns_rdf, RdfFree> origin(ldns_dname_new_frm_str(absolute(origin_text).c_str()));
  if (!origin) return "bad origin '" + origin_text + "'";
  ldns_rr* raw = nullptr;
  const ldns_status st = ldns_rr_new_frm_str(&raw, line.c_str(), default_ttl, origin.get(), nullptr);
  std::unique_ptr<ldns_rr, RrFree> rr(raw);
  if (st != LDNS_STATUS_OK) return std::string(ldns_get_errorstr_by_id(st));
  return convert(rr.get(), out);
}

std::string load_zone_file(const std::string& path, const std::string& display, const std::string& origin_text,
                           std::uint32_t default_ttl, const std::function<std::string(const ParsedRr&)>& each,
                           bool need_soa) {
  std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "r"));
  if (!f) return display + ": cannot read the zone file";
  // Record by record rather than ldns_zone_new_frm_fp_l: that one leaks the records read so far when a later
  // line is broken (found by fuzz_dnsd_zone_file), and we want our own message per line anyway.
  ldns_rdf* origin = ldns_dname_new_frm_str(absolute(origin_text).c_str());
  if (origin == nullptr) return display + ": bad origin '" + origin_text + "'";
  std::unique_ptr<ldns_rdf, RdfFree> apex(ldns_rdf_clone(origin));  // $ORIGIN may move `origin` later
  ldns_rdf* prev = ldns_rdf_clone(origin);
  std::uint32_t ttl = default_ttl;
  int line = 1;
  bool soa = false;
  std::string error;
  while (error.empty() && !std::feof(f.get())) {
    ldns_rr* raw = nullptr;
    const ldns_status st = ldns_rr_new_frm_fp_l(&raw, f.get(), &ttl, &origin, &prev, &line);
    std::unique_ptr<ldns_rr, RrFree> rr(raw);
    if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL || st == LDNS_STATUS_SYNTAX_ORIGIN) continue;
    // ldns counts the line it failed on as already read; point at the line itself.
    // ldns gives no column: the record's line is what an administrator needs, column 1 keeps the
    // file:line:col shape of every other configuration error.
    const std::string where = display + ":" + std::to_string(line > 1 ? line - 1 : line) + ":1: ";
    if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
      error = where + "$INCLUDE is not supported";
      break;
    }
    if (st != LDNS_STATUS_OK) {
      error = where + ldns_get_errorstr_by_id(st);
      break;
    }
    ParsedRr parsed;
    if (auto e = convert(rr.get(), parsed); !e.empty()) {
      error = where + e;
      break;
    }
    if (parsed.type == LDNS_RR_TYPE_SOA && ldns_dname_compare(ldns_rr_owner(rr.get()), apex.get()) == 0) soa = true;
    if (auto e = each(parsed); !e.empty()) error = where + e;
  }
  ldns_rdf_deep_free(origin);
  ldns_rdf_deep_free(prev);
  if (error.empty() && !soa && need_soa) error = display + ": the zone has no SOA record";
  return error;
}

}  // namespace pb::dns
