// phoneboot-provisiond: firmware and configuration files for phones over HTTP, HTTPS and TFTP.
#include <linux/capability.h>

#include "common/config/provisiond.hpp"
#include "common/daemon.hpp"
#include "provisiond/service.hpp"

int main(int argc, char** argv) {
  pb::DaemonSpec spec;
  spec.name = "provisiond";
  spec.common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.provisiond.common; };
  spec.start = [](pb::DaemonContext& ctx) { return pb::prov::start_service(ctx); };
  // Every socket is bound before privileges drop; nothing privileged is left to do.
  spec.capabilities = [](const pb::config::Model&) { return std::vector<int>{}; };
  // Phones' uploads are written after the drop.
  spec.writable_directories = [](const pb::config::Model& m) {
    return m.provisiond.upload.enabled ? std::vector<std::string>{pb::config::provisiond_upload_dir(m)}
                                       : std::vector<std::string>{};
  };
  return pb::run_daemon(argc, argv, spec);
}
