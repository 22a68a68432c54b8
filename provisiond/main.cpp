// phoneboot-provisiond: firmware and configuration files for phones over HTTP, HTTPS and TFTP.
#include <linux/capability.h>

#include "common/config/provisiond.hpp"
#include "common/daemon.hpp"
#include "common/phone_fetches.hpp"
#include "provisiond/service.hpp"

int main(int argc, char** argv) {
  pb::DaemonSpec spec;
  spec.name = "provisiond";
  spec.common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.provisiond.common; };
  spec.start = [](pb::DaemonContext& ctx) { return pb::prov::start_service(ctx); };
  // Every socket is bound before privileges drop; nothing privileged is left to do.
  spec.capabilities = [](const pb::config::Model&) { return std::vector<int>{}; };
  // Phones' uploads, the record of their fetches and the proxy's kept files are written after the drop.
  spec.writable_directories = [](const pb::config::Model& m) {
    std::vector<std::string> dirs{pb::phone_fetches::directory(m.site.state_dir)};
    if (m.provisiond.upload.enabled) dirs.push_back(pb::config::provisiond_upload_dir(m));
    if (!m.provisiond.proxy.upstream.empty()) dirs.push_back(pb::config::provisiond_proxy_dir(m));
    return dirs;
  };
  return pb::run_daemon(argc, argv, spec);
}
