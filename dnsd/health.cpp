#include "dnsd/health.hpp"

namespace pb::dns {

bool HealthState::record(bool ok) noexcept {
  const bool was_live = live();
  if (ok) {
    failures_ = 0;
    ++successes_;
    if (state_ != State::down || successes_ >= rise_) state_ = State::up;
  } else {
    successes_ = 0;
    ++failures_;
    if (state_ != State::down && failures_ >= fall_) state_ = State::down;
  }
  return was_live != live();
}

HealthSchedule::HealthSchedule(std::size_t members, std::uint64_t interval_ms, std::uint32_t rise, std::uint32_t fall)
    : interval_(interval_ms), members_(members, Member{HealthState(rise, fall)}) {}

std::vector<std::size_t> HealthSchedule::due(std::uint64_t now_ms) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    Member& m = members_[i];
    if (m.in_flight || now_ms < m.next) continue;
    m.in_flight = true;
    m.next = now_ms + interval_;
    out.push_back(i);
  }
  return out;
}

bool HealthSchedule::finish(std::size_t member, bool ok) noexcept {
  if (member >= members_.size()) return false;
  Member& m = members_[member];
  m.in_flight = false;
  return m.state.record(ok);
}

std::vector<bool> HealthSchedule::live() const {
  std::vector<bool> out;
  for (const auto& m : members_) out.push_back(m.state.live());
  return out;
}

}  // namespace pb::dns
