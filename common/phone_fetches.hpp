#pragma once
// The provisioning record: the last file each phone asked provisiond for, by MAC. provisiond is the only
// writer (<state_dir>/provisiond/phones, replaced by rename at most every 2 s when it changed); anyone may
// read, and `phoneboot phones` does, to say which phones fetched their configuration and which asked for a
// file that is not there.
//
// FORMAT: text, one line per phone, fields separated by one space, the name last:
//   <mac aa:bb:cc:dd:ee:ff> <unix seconds> <protocol http|https|tftp> <client IPv4> <status> <name>
// `status` is the HTTP status or the TFTP outcome ("ok", or the error's name); `name` is the requested path
// as sent, with every byte outside printable ASCII (and space) written as '?'. A first line "phoneboot-fetches
// 1" names the format. Readers skip lines they cannot parse. Not fsynced: a view of recent activity, not a
// ledger; after a crash it may be 2 s behind.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"

namespace pb::phone_fetches {

struct Fetch {
  std::array<std::uint8_t, 6> mac{};
  std::int64_t time = 0;
  std::string protocol;
  Ipv4Address client;
  std::string status;
  std::string name;
  bool operator==(const Fetch&) const = default;
};

// <state_dir>/provisiond: provisiond's own state folder, and the record's file in it.
std::string directory(const std::string& state_dir);
std::string path(const std::string& state_dir);
std::string encode(const std::vector<Fetch>& fetches);
std::vector<Fetch> decode(std::string_view text);
// Writes `fetches` to `file` through a temporary file renamed into place. Throws std::runtime_error.
void write(const std::string& file, const std::vector<Fetch>& fetches);
// The fetches in `file`; none when it does not exist. Throws std::runtime_error when it cannot be read.
std::vector<Fetch> read(const std::string& file);

}  // namespace pb::phone_fetches
