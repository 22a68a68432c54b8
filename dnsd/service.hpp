#pragma once
// phoneboot-dnsd as a running pb::Service: binds UDP (one SO_REUSEPORT socket per worker) and TCP, builds the
// tables, and rebuilds them beside the running ones on SIGHUP, on a zone file change and on a health change.
#include <memory>
#include <string>

#include "common/daemon.hpp"

namespace pb::dns {

std::unique_ptr<Service> start_service(DaemonContext& context);

// <state_dir>/dnsd: the SOA serials served, kept across restarts (serial.hpp).
std::string state_directory(const config::Model& model);

}  // namespace pb::dns
