#include "provisiond/phone_fetches.hpp"

#include <algorithm>
#include <ctime>
#include <exception>

#include "common/log.hpp"
#include "provisiond/mac_access.hpp"

namespace pb::prov {
namespace {

constexpr std::uint64_t kFlushMs = 2000;

}  // namespace

bool FetchTable::record(std::string_view name, Ipv4Address client, std::string_view protocol, std::string_view status,
                        std::int64_t now) {
  const auto mac = mac_in_name(name);
  if (!mac) return false;
  if (by_mac_.size() >= kMaxPhones && !by_mac_.contains(*mac)) {
    // Full: the phone heard from longest ago makes room (linear, and only ever when full).
    const auto oldest = std::min_element(by_mac_.begin(), by_mac_.end(),
                                         [](const auto& a, const auto& b) { return a.second.time < b.second.time; });
    by_mac_.erase(oldest);
  }
  by_mac_[*mac] = {*mac, now, std::string(protocol), client, std::string(status), std::string(name)};
  return true;
}

std::vector<phone_fetches::Fetch> FetchTable::all() const {
  std::vector<phone_fetches::Fetch> out;
  out.reserve(by_mac_.size());
  for (const auto& [mac, fetch] : by_mac_) out.push_back(fetch);
  return out;
}

FetchRecorder::FetchRecorder(uv_loop_t* loop, std::string file) : file_(std::move(file)), timer_(loop, uv_timer_init) {
  timer_->data = this;
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<FetchRecorder*>(t->data)->flush(); }, kFlushMs, kFlushMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_.get()));  // never what keeps the loop alive
}

FetchRecorder::~FetchRecorder() { flush(); }

void FetchRecorder::record(std::string_view name, Ipv4Address client, std::string_view protocol,
                           std::string_view status) {
  dirty_ = table_.record(name, client, protocol, status, std::time(nullptr)) || dirty_;
}

void FetchRecorder::flush() noexcept {
  if (!dirty_) return;
  try {
    phone_fetches::write(file_, table_.all());
    dirty_ = false;
  } catch (const std::exception& e) {
    const std::int64_t now = std::time(nullptr);
    if (now - last_error_log_ >= 60) {
      last_error_log_ = now;
      log::warning("provisiond", "cannot record the phones' fetches ({})", e.what());
    }
  }
}

}  // namespace pb::prov
