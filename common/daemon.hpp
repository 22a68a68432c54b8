#pragma once
// The life of every phoneboot daemon, written once (chrony's main order): arguments, configuration (exit 78
// when invalid), bind, drop privileges, run the loop, stop in reverse. A service supplies only `start`, which
// binds its sockets and returns the running Service. Its main.cpp is then a few lines.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/metrics.hpp"
#include "common/uv.hpp"

namespace pb {

class Service {
 public:
  virtual ~Service() = default;
  // SIGHUP brought a new set that validated. Apply what can change live; log what needs a restart.
  virtual void reload(std::shared_ptr<const config::Model> model) = 0;
  // SIGTERM or SIGINT: close every handle so that the loop ends. The daemon gives up after 2 seconds.
  virtual void stop() = 0;
};

struct DaemonContext {
  uv_loop_t* loop;
  metrics::Registry& metrics;
  std::shared_ptr<const config::Model> model;
};

struct DaemonSpec {
  std::string name;  // "sntpd": the configuration section, the log component, "phoneboot-sntpd"
  // The section's common keys (enabled, log level, metrics port).
  std::function<const config::ServiceCommon&(const config::Model&)> common;
  // Binds and starts serving, still privileged. Throws std::exception to refuse to start (exit 1).
  std::function<std::unique_ptr<Service>(DaemonContext&)> start;
  // Capabilities the service still needs after binding (CAP_NET_RAW, CAP_SYS_TIME, ...).
  std::function<std::vector<int>(const config::Model&)> capabilities;
  // Folders the service writes to after dropping privileges (created if missing and handed to site.user
  // with what is in them, before the drop): without this a root-created folder would refuse every later
  // file, such as a lease journal's snapshot or a phone's upload.
  std::function<std::vector<std::string>(const config::Model&)> writable_directories;
  // Optional checks beyond the configuration library that the service would refuse at start (dnsd's zone
  // files), run by --check-config as `phoneboot check` runs them. Returns one line per error.
  std::function<std::vector<std::string>(const config::Model&)> validate;
};

// Exit codes: 0 stopped cleanly or disabled, 1 failed to start, 64 bad arguments, 78 bad configuration.
int run_daemon(int argc, char** argv, const DaemonSpec& spec);

}  // namespace pb
