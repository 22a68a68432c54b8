#include "tools/phoneboot/leases.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <optional>

#include "tools/phoneboot/table.hpp"

namespace pb::tools {
namespace {

using lease_journal::ethernet_mac;
using lease_journal::Kind;
using lease_journal::Record;
using Mac = std::array<std::uint8_t, 6>;

bool active(const Record& r, std::int64_t now) {
  return (r.kind == Kind::bound || r.kind == Kind::declined) && r.expires > now;
}

std::string phone_label(const inventory::Phone& phone) {
  const std::string name = phone.name.empty() ? "(no name)" : phone.name;
  return phone.extension.empty() ? name : fmt::format("{} ({})", name, phone.extension);
}

// Each MAC's most telling record: a lease it holds now, else the newest thing that happened to it.
std::map<Mac, const Record*> by_mac(const LatestLeases& latest, std::int64_t now) {
  std::map<Mac, const Record*> out;
  for (const auto& [address, record] : latest) {
    const auto mac = ethernet_mac(record);
    if (!mac) continue;
    const Record*& best = out[*mac];
    const auto rank = [now](const Record* r) { return std::pair(active(*r, now), r->start); };
    if (best == nullptr || rank(&record) > rank(best)) best = &record;
  }
  return out;
}

// The journal's records, or nullopt after saying why on stderr. A state folder dhcpd never made is no
// error: no lease was ever given there.
std::optional<LatestLeases> load_leases(const config::Model& model) {
  const std::string dir = config::dhcpd_state_dir(model);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 && errno == ENOENT) {
    std::fprintf(stderr, "phoneboot: no lease journal in '%s': dhcpd has not run with this state_dir\n", dir.c_str());
    return LatestLeases{};
  }
  try {
    return read_leases(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phoneboot: cannot read the leases in '%s' (%s)\n", dir.c_str(), e.what());
    return std::nullopt;
  }
}

// The inventory with its unusable rows reported, as dhcpd reports them; nullopt when there is none.
std::optional<inventory::Inventory> load_inventory(const config::Model& model) {
  const std::string path = config::inventory_path(model);
  if (path.empty()) return std::nullopt;
  auto inv = inventory::load(path);
  for (const auto& p : inv.problems)
    std::fprintf(stderr, "%s:%zu: %s\n", model.site.inventory.c_str(), p.line, p.message.c_str());
  return inv;
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

LatestLeases read_leases(const std::string& dir) {
  LatestLeases latest;
  for (auto& record : lease_journal::replay_while_written(dir).records) {
    const auto address = record.address.value;
    latest[address] = std::move(record);
  }
  return latest;
}

std::string lease_state(const Record& record, std::int64_t now) {
  switch (record.kind) {
    case Kind::bound: return record.expires > now ? "bound" : "expired";
    case Kind::released: return "released";
    case Kind::declined: return "declined";
    case Kind::expired: return "reclaimed";
  }
  return "unknown";
}

std::vector<Record> shown_leases(const LatestLeases& latest, std::int64_t now, bool all) {
  std::vector<Record> out;
  for (const auto& [address, record] : latest)  // a std::map: in address order already
    if (all || active(record, now)) out.push_back(record);
  return out;
}

std::string render_leases(const std::vector<Record>& records, const inventory::Inventory* inventory, std::int64_t now) {
  Table table({"ADDRESS", "MAC", "HOSTNAME", "CLASS", "PHONE", "STATE", "LEFT"});
  for (const auto& r : records) {
    const auto mac = ethernet_mac(r);
    const inventory::Phone* phone = inventory && mac ? inventory->find_mac(*mac) : nullptr;
    std::string state = lease_state(r, now);
    if (r.reserved) state += ", reserved";
    table.add({r.address.str(), format_mac(r.hwaddr), printable(r.hostname), printable(r.client_class),
               phone ? printable(phone_label(*phone)) : "-", state, active(r, now) ? time_left(r.expires, now) : "-"});
  }
  return table.str() + fmt::format("{} {}\n", records.size(), records.size() == 1 ? "lease" : "leases");
}

std::string render_phones(const inventory::Inventory& inventory, const LatestLeases& latest,
                          const std::vector<phone_fetches::Fetch>& fetches, std::int64_t now) {
  const auto leases = by_mac(latest, now);
  std::map<Mac, const phone_fetches::Fetch*> last_fetch;
  for (const auto& f : fetches) last_fetch[f.mac] = &f;
  // What the phone last asked provisiond for, and how it went: a 404 there is a file nobody put in place.
  const auto fetched = [&](const Mac& mac) -> std::string {
    const auto it = last_fetch.find(mac);
    if (it == last_fetch.end()) return "-";
    const phone_fetches::Fetch& f = *it->second;
    const std::int64_t age = now - f.time;
    return fmt::format("{} {} {}, {}", f.protocol, printable(f.name), printable(f.status),
                       age > 0 ? format_duration(age) + " ago" : "just now");
  };
  Table table({"PHONE", "MAC", "ADDRESS", "STATE", "LEFT", "LAST FETCH"});
  std::size_t with_mac = 0, holding = 0;
  for (const auto& phone : inventory.phones) {
    const std::string label = printable(phone_label(phone));
    if (!phone.mac) {
      // A SIP Soft Phone is listed by its computer's name: its address comes from the data VLAN's DHCP.
      table.add({label, "-", "-", "not tracked (" + printable(phone.address) + ")", "-", "-"});
      continue;
    }
    ++with_mac;
    const auto found = leases.find(*phone.mac);
    if (found == leases.end()) {
      table.add({label, format_mac(*phone.mac), "-", "never seen", "-", fetched(*phone.mac)});
      continue;
    }
    const Record& r = *found->second;
    const bool holds = r.kind == Kind::bound && r.expires > now;
    holding += holds ? 1 : 0;
    table.add({label, format_mac(*phone.mac), r.address.str(), lease_state(r, now),
               active(r, now) ? time_left(r.expires, now) : "-", fetched(*phone.mac)});
  }
  return table.str() + fmt::format("{} of {} phones with a MAC address hold a lease\n", holding, with_mac);
}

std::string format_duration(std::int64_t s) {
  if (s <= 0) return "-";
  if (s >= 86400) return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string time_left(std::int64_t expires, std::int64_t now) { return format_duration(expires - now); }

std::string printable(const std::string& text) {
  if (text.empty()) return "-";
  std::string out = text;
  for (char& c : out)
    if (const auto byte = static_cast<unsigned char>(c); byte < 0x20 || byte > 0x7e) c = '?';
  return out;
}

int print_leases(const config::Model& model, bool all) {
  const auto latest = load_leases(model);
  if (!latest) return 1;
  const auto inv = load_inventory(model);
  const std::int64_t now = now_seconds();
  std::fputs(render_leases(shown_leases(*latest, now, all), inv ? &*inv : nullptr, now).c_str(), stdout);
  return 0;
}

int print_phones(const config::Model& model) {
  const auto inv = load_inventory(model);
  if (!inv) {
    std::fprintf(stderr, "phoneboot: site.inventory is not set: there is no phone list to compare the leases with\n");
    return 1;
  }
  if (inv->phones.empty() && !inv->problems.empty()) return 1;  // unreadable: load_inventory said why
  const auto latest = load_leases(model);
  if (!latest) return 1;
  std::vector<phone_fetches::Fetch> fetches;
  try {
    fetches = phone_fetches::read(phone_fetches::path(model.site.state_dir));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phoneboot: %s: the LAST FETCH column stays empty\n", e.what());
  }
  std::fputs(render_phones(*inv, *latest, fetches, now_seconds()).c_str(), stdout);
  return 0;
}

}  // namespace pb::tools
