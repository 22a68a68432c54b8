#pragma once
// `phoneboot status`: asks each enabled service's metrics endpoint (127.0.0.1:<metrics_port>) how it is and
// prints one line per service. Reads only what the daemons already export; no control channel of its own.
#include "common/config/model.hpp"

namespace pb::tools {

// Prints one line per service; returns 0 when every enabled service answered, 3 when one did not (the LSB
// "not running" code that `systemctl status` uses too).
int print_status(const config::Model& model);

}  // namespace pb::tools
