#include "common/privilege.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace pb {
namespace {

std::string errno_text(const char* what) { return std::string(what) + " (" + std::strerror(errno) + ")"; }

std::string set_capabilities(const std::vector<int>& keep) {
  cap_t caps = cap_init();  // all clear
  if (caps == nullptr) return errno_text("cap_init");
  std::vector<cap_value_t> values(keep.begin(), keep.end());
  std::string error;
  if (!values.empty() &&
      (cap_set_flag(caps, CAP_PERMITTED, static_cast<int>(values.size()), values.data(), CAP_SET) != 0 ||
       cap_set_flag(caps, CAP_EFFECTIVE, static_cast<int>(values.size()), values.data(), CAP_SET) != 0))
    error = errno_text("cap_set_flag");
  if (error.empty() && cap_set_proc(caps) != 0) error = errno_text("cap_set_proc");
  cap_free(caps);
  return error;
}

// Drops from the bounding set every capability not kept, so no later exec (a helper, a hook) can gain one
// back through file capabilities. Needs CAP_SETPCAP, so it runs while still root.
std::string trim_bounding_set(const std::vector<int>& keep) {
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (std::find(keep.begin(), keep.end(), cap) != keep.end()) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0) continue;  // absent, or unknown to this kernel
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return errno_text("prctl(PR_CAPBSET_DROP)");
  }
  return {};
}

}  // namespace

std::string drop_privileges(const std::string& user, const std::vector<int>& keep_capabilities) {
  if (user == "root") return {};
  errno = 0;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return "user '" + user + "' does not exist";
  // Capabilities inherited through the ambient set never survive the drop.
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (::geteuid() != 0) {
    if (::geteuid() != pw->pw_uid)
      return "running as uid " + std::to_string(::geteuid()) + ", cannot become '" + user + "'";
    // Already that user (started by systemd's User=, say): still keep no more than the named capabilities.
    return set_capabilities(keep_capabilities);
  }
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  // Keep the permitted set across setuid so the named capabilities survive, then trim it.
  if (auto e = trim_bounding_set(keep_capabilities); !e.empty()) return e;
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return errno_text("prctl(PR_SET_KEEPCAPS)");
  if (::setgroups(0, nullptr) != 0) return errno_text("setgroups");
  if (::setgid(gid) != 0) return errno_text("setgid");
  if (::setuid(uid) != 0) return errno_text("setuid");
  if (::setuid(0) == 0) return "could regain root after setuid";  // fail closed
  if (auto e = set_capabilities(keep_capabilities); !e.empty()) return e;
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  return {};
}

std::string hand_over_directory(const std::string& dir, const std::string& user) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create '" + dir + "' (" + ec.message() + ")";
  if (user == "root") return {};
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return "user '" + user + "' does not exist";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno_text(("open '" + dir + "'").c_str());
  std::string error;
  if (::fchown(fd, pw->pw_uid, pw->pw_gid) != 0) error = errno_text(("chown '" + dir + "'").c_str());
  DIR* entries = error.empty() ? ::fdopendir(::dup(fd)) : nullptr;
  while (entries != nullptr && error.empty()) {
    const dirent* e = ::readdir(entries);
    if (e == nullptr) break;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (::fchownat(fd, e->d_name, pw->pw_uid, pw->pw_gid, AT_SYMLINK_NOFOLLOW) != 0)
      error = errno_text(("chown '" + dir + "/" + e->d_name + "'").c_str());
  }
  if (entries != nullptr) ::closedir(entries);
  ::close(fd);
  return error;
}

}  // namespace pb
