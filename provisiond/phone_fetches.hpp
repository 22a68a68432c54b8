#pragma once
// provisiond's side of the provisioning record (common/phone_fetches.hpp): the last request of each phone, by
// the MAC its file name carries, kept in memory and written to <state_dir>/provisiond/phones at most every
// 2 s when something changed, so `phoneboot phones` can say who fetched what without a control channel.
// A request costs a map update; the disk sees one small rename per 2 s during a boot storm.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/net.hpp"
#include "common/phone_fetches.hpp"
#include "common/uv.hpp"

namespace pb::prov {

// The record in memory: pure, so tests need no loop.
class FetchTable {
 public:
  static constexpr std::size_t kMaxPhones = 65536;  // a prober's made-up MACs must not grow it without end

  // Notes a finished request for `name`; ignored when the name carries no phone's MAC. True when noted.
  bool record(std::string_view name, Ipv4Address client, std::string_view protocol, std::string_view status,
              std::int64_t now);
  std::vector<phone_fetches::Fetch> all() const;
  std::size_t size() const noexcept { return by_mac_.size(); }

 private:
  std::map<std::array<std::uint8_t, 6>, phone_fetches::Fetch> by_mac_;
};

class FetchRecorder {
 public:
  // `file`: phone_fetches::path(state_dir); its folder must exist and be writable.
  FetchRecorder(uv_loop_t* loop, std::string file);
  ~FetchRecorder();
  void record(std::string_view name, Ipv4Address client, std::string_view protocol, std::string_view status);

 private:
  void flush() noexcept;
  FetchTable table_;
  std::string file_;
  bool dirty_ = false;
  std::int64_t last_error_log_ = 0;
  uv::Handle<uv_timer_t> timer_;
};

}  // namespace pb::prov
