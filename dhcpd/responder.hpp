#pragma once
// The protocol core (RFC 2131 4.3): a parsed request in, a reply decision out, with no sockets and no
// clock of its own. It reads the compiled Settings and changes the LeaseTable; the records it puts in
// `journal` must be durable before the reply leaves (the server's group commit does that).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/lease_journal.hpp"
#include "dhcpd/leases.hpp"
#include "dhcpd/packet.hpp"
#include "dhcpd/settings.hpp"

namespace pb::dhcp {

struct Context {
  std::int64_t now = 0;         // unix seconds
  std::int32_t utc_offset = 0;  // the site time zone's offset at `now` (option 2)
};

// What handle() decided. Reply options point into the Settings, the request Packet and `scratch`, so an
// Outcome must be encoded before any of them changes; it is reused per packet and not copyable.
struct Outcome {
  std::optional<Reply> reply;
  std::optional<DropReason> drop;
  std::vector<lease_journal::Record> journal;
  bool fresh_address = false;  // an OFFER of an address this client did not hold (a ping check candidate)
  // The client's reserved address is held by another client (or quarantined), so it was served from the
  // pool (or not at all): the server counts it and logs `reserved_address_note` now and then.
  std::optional<Ipv4Address> reserved_address_held;
  std::string reserved_address_note;
  std::string event;  // one log line for a lease event ("ACK 10.250.0.64 to 00:26:fd:.. class sip100"); may be empty
  std::array<std::uint8_t, 64> scratch{};
  std::size_t scratch_used = 0;

  Outcome() = default;
  Outcome(const Outcome&) = delete;
  Outcome& operator=(const Outcome&) = delete;
  void clear() noexcept;
};

class Responder {
 public:
  Responder(const Settings& settings, LeaseTable& leases) noexcept : settings_(&settings), leases_(&leases) {}
  void set_settings(const Settings& settings) noexcept { settings_ = &settings; }

  // Never throws: an allocation failure becomes a drop.
  void handle(const Packet& request, const Context& context, Outcome& out) noexcept;

 private:
  void discover(const Packet& p, const Context& c, Outcome& out);
  void request(const Packet& p, const Context& c, Outcome& out);
  void decline(const Packet& p, const Context& c, Outcome& out);
  void release(const Packet& p, const Context& c, Outcome& out);
  void inform(const Packet& p, const Context& c, Outcome& out);

  void start_reply(const Packet& p, MessageType type, Outcome& out) const;
  void nak(const Packet& p, Outcome& out, const std::string& why) const;
  // Adds the options of every precedence level, in the order the client asked for them.
  void add_options(const Packet& p, const Context& c, int subnet, int cls, const CompiledReservation* res,
                   bool with_lease_times, std::int64_t lease_time, Outcome& out) const;
  const std::string& class_name(int cls) const noexcept;
  // Whether class `cls` has no room for one more lease of client `key`, whose current lease is `mine`.
  bool at_class_cap(int cls, const std::string& key, const Lease* mine) const noexcept;
  // nullptr when another client holds `address` (callers check first).
  Lease* bind(const Packet& p, const Context& c, Ipv4Address address, int cls, bool reserved, std::int64_t lease_time,
              Outcome& out);
  // Whether another client (or a quarantine) holds `res`'s address; notes it in `out` when so.
  bool reserved_address_held(const CompiledReservation& res, const std::string& key, const Context& c, const Packet& p,
                             Outcome& out) const;

  const Settings* settings_;
  LeaseTable* leases_;
};

}  // namespace pb::dhcp
