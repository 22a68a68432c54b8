#pragma once
// phoneboot-sntpd as a pb::Service: the server socket, the upstreams, the clock and the once-a-second
// housekeeping (kernel sync state, holdover expiry, metrics), wired together on one loop.
#include <memory>

#include "common/daemon.hpp"

namespace pb::ntp {

std::unique_ptr<Service> start_service(DaemonContext& context);

}  // namespace pb::ntp
