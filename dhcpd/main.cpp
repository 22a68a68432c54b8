// phoneboot-dhcpd: the DHCPv4 server of the appliance. Everything but this file is in phoneboot_dhcpd.
#include <linux/capability.h>

#include "common/daemon.hpp"
#include "dhcpd/server.hpp"

int main(int argc, char** argv) {
  pb::DaemonSpec spec;
  spec.name = "dhcpd";
  spec.common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.dhcpd.common; };
  spec.start = [](pb::DaemonContext& context) -> std::unique_ptr<pb::Service> {
    return std::make_unique<pb::dhcp::Server>(context);
  };
  // CAP_NET_ADMIN: ARP entries for unicast replies to clients that have no address yet (server.hpp).
  // CAP_NET_RAW: the ICMP socket of ping_check (ping.hpp).
  spec.capabilities = [](const pb::config::Model& m) {
    std::vector<int> caps{CAP_NET_ADMIN};
    if (m.dhcpd.ping_check) caps.push_back(CAP_NET_RAW);
    return caps;
  };
  // The lease journal's next generations and snapshots are created after the drop (store.hpp).
  spec.writable_directories = [](const pb::config::Model& m) {
    return std::vector<std::string>{pb::dhcp::Server::state_directory(m)};
  };
  return pb::run_daemon(argc, argv, spec);
}
