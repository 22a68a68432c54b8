// phoneboot-dnsd: authoritative DNS for the voice zone. The daemon skeleton does arguments, configuration,
// privileges, signals and metrics; dnsd only supplies how to start.
#include "common/daemon.hpp"
#include "dnsd/service.hpp"
#include "dnsd/site_zone.hpp"

int main(int argc, char** argv) {
  pb::DaemonSpec spec;
  spec.name = "dnsd";
  spec.common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.dnsd.common; };
  spec.start = [](pb::DaemonContext& context) { return pb::dns::start_service(context); };
  // Port 53 is bound before the drop; nothing privileged is needed afterwards.
  spec.capabilities = [](const pb::config::Model&) { return std::vector<int>{}; };
  // The SOA serials are kept there after the drop.
  spec.writable_directories = [](const pb::config::Model& m) {
    return std::vector<std::string>{pb::dns::state_directory(m)};
  };
  // Zone files and record collisions are checked by building the zones, as at start.
  spec.validate = [](const pb::config::Model& m) { return pb::dns::build_zones(m, 1).errors; };
  return pb::run_daemon(argc, argv, spec);
}
