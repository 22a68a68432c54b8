#pragma once
// The health state machine of a call-server group, with no I/O and an injected clock (milliseconds), so tests
// drive it without sockets or sleeping. Policy (from PowerDNS's bug reports, reference/dns-ntp.md):
//  - until a member's first check completes it counts as up (never answer "nobody" at start-up);
//  - `fall` failures in a row take an up member down, `rise` successes in a row bring it back;
//  - a check is due every `interval` after the previous one started; one at a time per member.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pb::dns {

class HealthState {
 public:
  enum class State : std::uint8_t { unknown, up, down };
  HealthState(std::uint32_t rise, std::uint32_t fall) : rise_(rise), fall_(fall) {}
  // Returns true when the member changed between counting as live and not.
  bool record(bool ok) noexcept;
  State state() const noexcept { return state_; }
  bool live() const noexcept { return state_ != State::down; }

 private:
  std::uint32_t rise_, fall_;
  std::uint32_t successes_ = 0, failures_ = 0;
  State state_ = State::unknown;
};

class HealthSchedule {
 public:
  HealthSchedule(std::size_t members, std::uint64_t interval_ms, std::uint32_t rise, std::uint32_t fall);
  // Members whose check should start now; they are marked in flight until finish().
  std::vector<std::size_t> due(std::uint64_t now_ms);
  // A check ended (`ok` false for a timeout too). Returns true when liveness changed.
  bool finish(std::size_t member, bool ok) noexcept;
  std::vector<bool> live() const;
  const HealthState& state(std::size_t member) const { return members_[member].state; }

 private:
  struct Member {
    HealthState state;
    std::uint64_t next = 0;  // the first check is due at once
    bool in_flight = false;
  };
  std::uint64_t interval_;
  std::vector<Member> members_;
};

}  // namespace pb::dns
