#pragma once
// DHCPv4 wire codec (RFC 2131 section 2, RFC 2132, RFC 3396). parse() reads a BOOTREQUEST from untrusted
// bytes: it checks every length before reading, never throws, and returns a named DropReason instead.
// Options split across several instances are concatenated (RFC 3396), and the file/sname fields are read
// for options when option 52 (overload) says so. encode() writes a reply from a Reply description.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "common/result.hpp"

namespace pb::dhcp {

enum class MessageType : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};
std::string_view message_name(MessageType type) noexcept;

// Why a datagram was dropped; each has a counter (dhcpd_drops_total{reason=...}).
enum class DropReason : std::uint8_t {
  too_short,
  bad_magic,
  not_request,       // op is not BOOTREQUEST
  bad_hardware,      // hlen > 16
  option_truncated,  // an option's length runs past its field
  bad_overload,
  no_message_type,
  bad_message_type,
  not_our_scope,  // no subnet for giaddr/ciaddr/interface
  not_for_us,     // REQUEST/DECLINE naming another server
  rate_limited,
  pool_exhausted,
  class_limit,
  unknown_lease,  // RELEASE/DECLINE for a lease this client does not hold
  store_failed,   // the journal could not be made durable: no ACK
  count_,
};
std::string_view drop_name(DropReason reason) noexcept;

inline constexpr std::size_t kFixedSize = 236;  // op .. file
inline constexpr std::uint32_t kMagicCookie = 0x63825363;
inline constexpr std::uint16_t kBroadcastFlag = 0x8000;

struct Packet {
  std::uint8_t op = 1, htype = 1, hlen = 6, hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0, flags = 0;
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, 16> chaddr{};
  MessageType type = MessageType::discover;

  // Options, each concatenated from all its instances. Spans point into `storage_`.
  bool has(std::uint8_t code) const noexcept { return len_[code] != kAbsent; }
  std::span<const std::uint8_t> option(std::uint8_t code) const noexcept {
    if (!has(code)) return {};
    return {storage_.data() + off_[code], len_[code]};
  }
  std::optional<Ipv4Address> option_address(std::uint8_t code) const noexcept;
  std::span<const std::uint8_t> hwaddr() const noexcept { return {chaddr.data(), hlen}; }
  // Codes in the order they first appeared (for tests and debugging).
  const std::vector<std::uint8_t>& codes() const noexcept { return order_; }

  // Builders for tests, fuzzers and the simulator.
  void set_option(std::uint8_t code, std::span<const std::uint8_t> value);

 private:
  friend Result<Packet, DropReason> parse(std::span<const std::uint8_t> bytes) noexcept;
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFF;
  std::vector<std::uint8_t> storage_;
  std::array<std::uint32_t, 256> off_{};
  std::array<std::uint32_t, 256> len_ = [] {
    std::array<std::uint32_t, 256> a{};
    a.fill(kAbsent);
    return a;
  }();
  std::vector<std::uint8_t> order_;
};

Result<Packet, DropReason> parse(std::span<const std::uint8_t> bytes) noexcept;

// Encodes a request (tests, fuzz seeds, simulator): fixed fields, cookie, options in set order, END.
std::vector<std::uint8_t> encode_request(const Packet& p);

// A reply as the responder decides it; encode() lays it out.
struct OptionRef {
  std::uint8_t code;
  std::span<const std::uint8_t> data;
  bool keep = false;  // must survive when the reply is cut to max_size (option 82: RFC 3046 2.2 says echo it)
};

struct Reply {
  MessageType type = MessageType::offer;
  std::uint8_t htype = 1, hlen = 6, hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t flags = 0;
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, 16> chaddr{};
  std::vector<OptionRef> options;  // in wire order; 53 is written first by encode()
  std::size_t max_size = 576;      // from the client's option 57, at least 576

  // Where the reply goes (RFC 2131 4.1), decided by the responder.
  enum class To { relay, client_address, broadcast, unicast_to_yiaddr } to = To::broadcast;
};

// Writes the reply into `out` (at least 576 bytes): fixed fields, cookie, 53, options (split in 255-byte
// instances, RFC 3396), END, padded to the BOOTP minimum of 300 bytes. Options that do not fit max_size
// are left out whole and counted in `dropped_options`; room for the `keep` options is set aside first, so
// the others are left out instead of them (they still go in list order). Returns the length.
std::size_t encode(const Reply& reply, std::span<std::uint8_t> out, std::size_t* dropped_options = nullptr) noexcept;

}  // namespace pb::dhcp
