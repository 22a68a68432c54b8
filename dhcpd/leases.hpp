#pragma once
// The in-memory lease table: every lease indexed by address and by client key, so the responder never
// touches the disk to decide. The journal (common/lease_journal.hpp) makes bindings durable; this table is
// rebuilt from it on start. Not thread-safe: the event loop owns it.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/lease_journal.hpp"
#include "dhcpd/settings.hpp"

namespace pb::dhcp {

struct Lease {
  enum class State : std::uint8_t { offered, bound, declined, released, expired };
  Ipv4Address address;
  std::string key;  // client key (client_key()); empty for a declined address
  std::uint8_t htype = 1, hlen = 0;
  std::array<std::uint8_t, 16> hw{};
  std::vector<std::uint8_t> client_id;
  std::string hostname;
  std::string client_class;
  std::int64_t start = 0;
  std::int64_t expires = 0;      // bound: lease end; offered: hold end; declined: quarantine end
  State state = State::expired;  // a new entry holds nothing until set_state() says otherwise
  bool reserved = false;

  // Holds its address at `now`: nobody else may get it.
  bool active(std::int64_t now) const noexcept {
    return (state == State::bound || state == State::offered || state == State::declined) && expires > now;
  }
  // Counts against its class's max_leases: bound, or offered (an OFFER is a promise that the REQUEST
  // redeems, so a storm of DISCOVERs cannot collect more offers than the cap allows). An offer counts
  // until its hold is reclaimed (reclaim(), every few seconds after it lapses).
  bool counted() const noexcept { return state == State::bound || state == State::offered; }
  lease_journal::Record record(lease_journal::Kind kind) const;
};

class LeaseTable {
 public:
  Lease* find_address(Ipv4Address a) noexcept;
  Lease* find_client(const std::string& key) noexcept;
  // Creates or takes over the lease of `address` for `key` (dropping the client's lease on another address).
  // nullptr when another client (or a quarantine) holds the address at `now`: it is never taken away.
  Lease* claim(Ipv4Address address, const std::string& key, std::int64_t now);
  // Every change of a lease's state or class goes through these two, which keep class_count() right.
  // set_state() with released/expired frees the address (the lease stays, so a returning client can get it
  // back).
  void set_state(Lease& lease, Lease::State state, std::int64_t expires);
  void set_class(Lease& lease, const std::string& client_class);

  // Someone answered a ping for `a`: nobody gets it until `until` (an offer held on it is withdrawn).
  void quarantine(Ipv4Address a, std::int64_t until);
  // Whether another client than `key` (or a quarantine) holds `a` at `now`.
  bool held_by_other(std::uint32_t a, const std::string& key, std::int64_t now) const noexcept;
  // Whether `a` may be given to `key` now: not excluded, not held by another client.
  bool available(std::uint32_t a, const std::string& key, std::int64_t now, const Settings& settings) const noexcept;
  // A free address from the subnet's pools that admit class `cls`: class pools first, then open ones.
  std::optional<Ipv4Address> allocate(const CompiledSubnet& subnet, int cls, const std::string& key, std::int64_t now,
                                      const Settings& settings);
  // Whether `a` lies in a pool of `subnet` open to class `cls`.
  static bool in_pool(const CompiledSubnet& subnet, std::uint32_t a, int cls) noexcept;

  // Replays one journal record (start-up, or a follower).
  void apply(const lease_journal::Record& record);
  // Bound and declined leases still valid at `now`, as snapshot records.
  std::vector<lease_journal::Record> snapshot(std::int64_t now) const;
  // Marks bound leases whose time ran out as expired and lets offers and quarantines lapse; calls
  // `on_expired` for each bound lease that ended (for the journal and the log).
  std::size_t reclaim(std::int64_t now, const std::function<void(const Lease&)>& on_expired);

  std::size_t size() const noexcept { return by_address_.size(); }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [a, l] : by_address_) f(l);
  }
  std::size_t bound(std::int64_t now) const noexcept;
  // Leases of class `cls` that count against its cap (Lease::counted()).
  std::int64_t class_count(const std::string& cls) const noexcept;

 private:
  std::unordered_map<std::uint32_t, Lease> by_address_;
  std::unordered_map<std::string, std::uint32_t> by_client_;
  std::unordered_map<std::uint64_t, std::uint32_t> cursors_;  // per pool: where the next scan starts
  // claim() without the check, for journal replay (the latest record for an address wins).
  Lease& take(Ipv4Address address, const std::string& key);
  void uncount(const Lease& lease) noexcept;
  void count(const Lease& lease);
  std::unordered_map<std::string, std::int64_t> class_counts_;  // Lease::counted() leases per class
};

}  // namespace pb::dhcp
