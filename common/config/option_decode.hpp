#pragma once
// Option values read back from the wire: the inverse of encode_option (dhcpd.hpp). A decoded value is the
// configuration's own form of it ("10.0.0.1", ["10.0.0.1", "10.0.0.2"], -18000, true, "0a:0b",
// ["lab.voip"]), so encoding it again gives the same bytes; bytes that no configured value could have
// produced (an ip-list of 6 bytes, a bool of 2, a label with a dot in it) decode to nothing. Used to show
// what a client sent or received in logs and tools, and to prove the encoder by round trips.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/config/dhcpd.hpp"

namespace pb::config {

// One scalar type (not sub_options or vivso). domain-list reads RFC 1035 names and follows RFC 3397
// compression pointers (backwards only, within the option).
std::optional<Value> decode_scalar(std::span<const std::uint8_t> bytes, OptionType type);

struct RawSubOption {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> bytes;
  bool operator==(const RawSubOption&) const = default;
};
// Option 43's code/length/value triples, filling the bytes exactly (a pad 0 and an end 255 are skipped:
// some vendors send them); their types are the operator's to know.
std::optional<std::vector<RawSubOption>> decode_suboptions(std::span<const std::uint8_t> bytes);

struct VendorBlock {
  std::uint32_t enterprise = 0;
  std::vector<RawSubOption> suboptions;
  bool operator==(const VendorBlock&) const = default;
};
// Option 125 (RFC 3925): enterprise number, data length, sub-options; one block per enterprise.
std::optional<std::vector<VendorBlock>> decode_vivso(std::span<const std::uint8_t> bytes);

// The value as text for a log line or a tool: the configuration's spelling for scalars, "code=hex ..." for
// sub-options, "enterprise:code=hex" for 125, and "hex 0a:0b" when the bytes do not fit the type.
std::string option_text(std::span<const std::uint8_t> bytes, OptionType type);

}  // namespace pb::config
