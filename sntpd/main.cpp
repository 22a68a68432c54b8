// phoneboot-sntpd: the SNTP/NTPv4 server of the voice VLAN. The daemon's life is run_daemon's; this file
// only says which section, how to start and which capability survives the privilege drop.
#include <linux/capability.h>

#include "common/daemon.hpp"
#include "sntpd/service.hpp"

int main(int argc, char** argv) {
  pb::DaemonSpec spec;
  spec.name = "sntpd";
  spec.common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.sntpd.common; };
  spec.start = [](pb::DaemonContext& context) { return pb::ntp::start_service(context); };
  // Slewing or stepping the clock needs CAP_SYS_TIME; serving needs nothing once the port is bound.
  spec.capabilities = [](const pb::config::Model& m) {
    return m.sntpd.discipline ? std::vector<int>{CAP_SYS_TIME} : std::vector<int>{};
  };
  return pb::run_daemon(argc, argv, spec);
}
