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

// Makes `dir` (created if missing) and what lies directly in it belong to `user`, so the daemon can still
// create, replace and remove its files there once it has dropped to that user: a lease journal's next
// generation and snapshot, a phone's upload. Not recursive, and symbolic links are changed themselves, never
// followed. For "root" it only creates the folder. Runs while still root; returns what failed, or an empty string.
std::string hand_over_directory(const std::string& dir, const std::string& user);

}  // namespace pb
