#pragma once
// `phoneboot leases` and `phoneboot phones`: what dhcpd has handed out, read from its lease journal
// (common/lease_journal.hpp) the way dnsd follows it: read-only, so it is safe while dhcpd runs and still
// answers when dhcpd is down. `phones` joins the journal with the site's phone inventory: which phones of
// the list hold an address, which never came up, and the last file each asked provisiond for. Everything but
// the two print_ functions is pure, over the records and an injected clock, so the tests need no daemon.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/inventory.hpp"
#include "common/lease_journal.hpp"
#include "common/phone_fetches.hpp"

namespace pb::tools {

// The latest record for each address (host byte order), as every reader of the journal takes it.
using LatestLeases = std::map<std::uint32_t, lease_journal::Record>;

// Reads the whole journal in `dir` (<state_dir>/dhcpd), safely while dhcpd compacts it. Throws
// std::runtime_error when it cannot be read.
LatestLeases read_leases(const std::string& dir);

// What an address's latest record means at `now` (unix seconds): "bound", "expired" (bound, but its time is
// up and dhcpd has not reclaimed it yet), "released", "declined" (quarantined until `expires`) or
// "reclaimed" (dhcpd took it back when it expired).
std::string lease_state(const lease_journal::Record& record, std::int64_t now);

// The records `leases` shows: bound leases and quarantined addresses whose time is not up; with `all`, every
// address's latest record. In address order.
std::vector<lease_journal::Record> shown_leases(const LatestLeases& latest, std::int64_t now, bool all);

// The lease table, one line per record, with the inventory's phone (name and extension) where it lists
// the MAC address. `inventory` may be null.
std::string render_leases(const std::vector<lease_journal::Record>& records, const inventory::Inventory* inventory,
                          std::int64_t now);

// The phone table: every phone of the inventory with its current lease, or why it has none, and the last
// file it asked provisiond for (common/phone_fetches.hpp), then a summary line ("2 of 3 phones with a MAC
// address hold a lease").
std::string render_phones(const inventory::Inventory& inventory, const LatestLeases& latest,
                          const std::vector<phone_fetches::Fetch>& fetches, std::int64_t now);

// "2d01h", "23h59m", "4m05s", "12s"; "-" for zero or less.
std::string format_duration(std::int64_t seconds);
// How long until `expires`, as format_duration says it.
std::string time_left(std::int64_t expires, std::int64_t now);

// Client-supplied text (option 12, the vendor class) made safe for a terminal: bytes outside printable ASCII
// become '?', so a host name cannot carry escape sequences; empty text is "-".
std::string printable(const std::string& text);

// The commands: print to stdout, errors to stderr. 0 on success, 1 when the journal or the inventory cannot
// be read.
int print_leases(const config::Model& model, bool all);
int print_phones(const config::Model& model);

}  // namespace pb::tools
