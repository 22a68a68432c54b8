#pragma once
// phoneboot-provisiond as a pb::Service: the file store and the HTTP, HTTPS and TFTP servers over it.
#include <memory>

#include "common/daemon.hpp"

namespace pb::prov {

// Binds every enabled server (throws to refuse to start).
std::unique_ptr<Service> start_service(DaemonContext& context);

}  // namespace pb::prov
