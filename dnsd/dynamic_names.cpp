#include "dnsd/dynamic_names.hpp"

#include <algorithm>
#include <ctime>

#include "common/log.hpp"

namespace pb::dns {
namespace {

constexpr unsigned kPollMs = 1000;

// Option 12 is free text from the client: only a plain host label becomes a name.
bool host_label(std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::vector<DynamicName> active_names(const std::map<std::uint32_t, lease_journal::Record>& latest, std::int64_t now) {
  std::map<std::string, const lease_journal::Record*> by_name;
  for (const auto& [address, r] : latest) {
    if (r.kind != lease_journal::Kind::bound || r.expires <= now) continue;
    std::string host = r.hostname;
    if (!host_label(host)) continue;
    auto& slot = by_name[host];
    if (slot == nullptr || r.start > slot->start) slot = &r;
  }
  std::vector<DynamicName> out;
  for (const auto& [host, r] : by_name) out.push_back({host, r->address.value});
  return out;
}

LeaseFollower::LeaseFollower(uv_loop_t* loop, std::string dir, std::function<void(std::vector<DynamicName>)> changed)
    : follower_(std::move(dir)), changed_(std::move(changed)), timer_(loop, uv_timer_init) {
  timer_->data = this;
  poll();
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<LeaseFollower*>(t->data)->poll(); }, kPollMs, kPollMs);
}

void LeaseFollower::poll() {
  try {
    follower_.poll([this](const lease_journal::Record& r) { latest_[r.address.value] = r; },
                   [this] { latest_.clear(); });
  } catch (const std::exception& e) {
    log::debug("dnsd", "lease journal not readable ({})", e.what());
  }
  auto now = active_names(latest_, static_cast<std::int64_t>(std::time(nullptr)));
  auto same = [](const DynamicName& a, const DynamicName& b) { return a.host == b.host && a.address == b.address; };
  if (now.size() == names_.size() && std::equal(now.begin(), now.end(), names_.begin(), same)) return;
  names_ = std::move(now);
  changed_(names_);
}

}  // namespace pb::dns
