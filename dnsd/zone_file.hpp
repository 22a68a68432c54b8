#pragma once
// RFC 1035 master files and presentation RDATA, parsed with ldns at load time only (never on the query path:
// ldns allocates per field). $INCLUDE is refused by ldns itself.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pb::dns {

struct ParsedRr {
  std::string owner;  // wire form
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
};

// Parses one record "owner ttl IN TYPE data" (owner relative to `origin_text` unless it ends with a dot).
// Returns an error message, empty on success.
std::string parse_rr_text(const std::string& line, const std::string& origin_text, std::uint32_t default_ttl,
                          ParsedRr& out);

// Reads a whole zone file; calls `each` per record (SOA included). Errors read "file:line:1: reason" for a
// record (its syntax, or what `each` refused), "file: reason" for the file as a whole.
// `display` is the name shown in errors. `need_soa`: the file makes a zone of its own, so it must hold the SOA
// of its origin; a file merged into a zone that has one (the site's generated zone) need not.
std::string load_zone_file(const std::string& path, const std::string& display, const std::string& origin_text,
                           std::uint32_t default_ttl, const std::function<std::string(const ParsedRr&)>& each,
                           bool need_soa = true);

}  // namespace pb::dns
