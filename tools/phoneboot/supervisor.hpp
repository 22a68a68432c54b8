#pragma once
// `phoneboot run`: starts each enabled service binary, restarts one that dies (exponential backoff, the
// reason logged), passes SIGHUP on, and on SIGTERM/SIGINT stops them all (SIGKILL after a grace period).
#include <memory>
#include <string>
#include <vector>

#include "common/config/model.hpp"

namespace pb::tools {

struct SupervisedService {
  std::string name;    // "dnsd"
  std::string binary;  // absolute path of phoneboot-dnsd
};

// Finds phoneboot-<name> beside this executable (build tree) or in ../sbin (installed).
std::string find_service_binary(const std::string& name);

// Runs until stopped by a signal; returns the exit code for `phoneboot run`.
int supervise(const std::string& config_dir, const std::vector<SupervisedService>& services);

}  // namespace pb::tools
