#pragma once
// A complete DNS message parser and a query builder, for what the hot path never needs: reading answers
// (NOTIFY acknowledgements, tests, the fuzzer's re-parse of every answer it produced). Names come out as text.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pb::dns {

struct ParsedRecord {
  std::string name;  // "vm40ic1.lab.voip."
  std::uint16_t type = 0;
  std::uint16_t cls = 0;
  std::uint32_t ttl = 0;
  std::string data;  // presentation form for the types we serve, hex for others
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::string qname;
  std::uint16_t qtype = 0, qclass = 0;
  std::vector<ParsedRecord> answer, authority, additional;
  bool has_opt = false;
  std::uint16_t opt_payload = 0;

  std::uint8_t rcode() const { return static_cast<std::uint8_t>(flags & 0xF); }
  bool aa() const { return (flags & 0x0400) != 0; }
  bool tc() const { return (flags & 0x0200) != 0; }
};

// nullopt when the message is malformed in any way (names, lengths, counts).
std::optional<Message> parse_message(std::span<const std::uint8_t> bytes);

// A standard query; `edns_payload` 0 means no OPT record.
std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t qtype, std::uint16_t id = 0x1234,
                                     std::uint16_t edns_payload = 0, std::uint8_t opcode = 0);

}  // namespace pb::dns
