#pragma once
// Least privilege after binding: switch to the configured user, keep only the named capabilities.
// Fails closed: if any step fails, the caller must exit rather than run with more rights than it asked for.
#include <linux/capability.h>

#include <string>
#include <vector>

namespace pb {

// user "root" keeps root (the administrator said so); any other name must exist. When already running
// unprivileged there is nothing to drop and the call succeeds if the process is that user.
// Returns an empty string on success, otherwise what failed.
std::string drop_privileges(const std::string& user, const std::vector<int>& keep_capabilities);

}  // namespace pb
