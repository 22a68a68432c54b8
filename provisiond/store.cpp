#include "provisiond/store.hpp"

#include "provisiond/http_logic.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "common/log.hpp"

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Polycom and friends name their uploads "<MAC>-app.log": the first 12 hex digits say which phone.
std::string_view mac_prefix(std::string_view name) noexcept {
  if (name.size() < 12) return {};
  for (std::size_t i = 0; i < 12; ++i)
    if (!is_hex(name[i])) return {};
  return name.substr(0, 12);
}

bool same_ci(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

StoreError from_errno(int e) noexcept {
  switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG: return StoreError::NotFound;
    case EXDEV:  // RESOLVE_BENEATH: the path (a symlink or "..") leaves the root
    case ELOOP:
    case EACCES:
    case EPERM: return StoreError::Forbidden;
    default: return StoreError::Io;
  }
}

UniqueFd open_directory(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw std::runtime_error("cannot open directory '" + path + "' (" + std::strerror(errno) + ")");
  return fd;
}

// Fallback confinement for kernels before 5.6: one component at a time, refusing every symlink.
int walk_beneath(int root, const std::string& relative) noexcept {
  UniqueFd dir;
  int at = root;
  std::size_t start = 0;
  while (true) {
    const auto slash = relative.find('/', start);
    const std::string part = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (slash == std::string::npos)
      return ::openat(at, part.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    UniqueFd next(::openat(at, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return -1;
    dir = std::move(next);
    at = dir.get();
    start = slash + 1;
  }
}

// Polycom-style uploads of one phone in `dir` (their names start with its MAC), `except` left out.
std::uint64_t phone_bytes(int dir_fd, std::string_view mac, std::string_view except) noexcept {
  std::uint64_t total = 0;
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return 0;
  }
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view n = e->d_name;
    if (n == except || !same_ci(mac_prefix(n), mac)) continue;
    struct stat st {};
    if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      total += static_cast<std::uint64_t>(st.st_size);
  }
  ::closedir(dir);
  return total;
}

}  // namespace

const char* to_string(StoreError e) noexcept {
  switch (e) {
    case StoreError::NotFound: return "not-found";
    case StoreError::Forbidden: return "forbidden";
    case StoreError::BadName: return "bad-name";
    case StoreError::TooLarge: return "too-large";
    case StoreError::Disabled: return "disabled";
    case StoreError::Io: return "io";
  }
  return "unknown";
}

StoreError from_path_error(PathError e) noexcept {
  switch (e) {
    case PathError::Traversal: return StoreError::Forbidden;
    case PathError::Hidden:
    case PathError::Empty: return StoreError::NotFound;
    case PathError::BadEncoding:
    case PathError::TooLong: return StoreError::BadName;
  }
  return StoreError::BadName;
}

struct FileStore::Directories {
  UniqueFd root;
  std::shared_ptr<const UniqueFd> upload;
  std::string upload_relative;
};

FileStore::Directories FileStore::open_directories(const StoreOptions& options) {
  Directories d;
  d.root = open_directory(options.root);
  if (!options.upload_dir.empty()) {
    d.upload = std::make_shared<const UniqueFd>(open_directory(options.upload_dir));
    std::error_code ec;
    const auto root = fs::canonical(options.root, ec).string();
    const auto up = fs::canonical(options.upload_dir, ec).string();
    if (!ec && up.size() > root.size() && up.compare(0, root.size(), root) == 0 && up[root.size()] == '/')
      d.upload_relative = up.substr(root.size() + 1);
  }
  return d;
}

FileStore::FileStore(StoreOptions options) { reconfigure(std::move(options)); }

void FileStore::reconfigure(StoreOptions options) {
  Directories d = open_directories(options);  // throws before anything changes
  const bool flush = options.root != options_.root || options.cache_file_bytes != options_.cache_file_bytes ||
                     options.cache_bytes != options_.cache_bytes;
  options_ = std::move(options);
  root_fd_ = std::move(d.root);
  upload_fd_ = std::move(d.upload);
  upload_relative_ = std::move(d.upload_relative);
  if (flush) {
    cache_.clear();  // files handed out keep their bytes (shared_ptr)
    cache_bytes_ = 0;
  }
}

int FileStore::call_openat2(const char* path, ::open_how& how) const noexcept {
  if (options_.openat2 != nullptr) return options_.openat2(root_fd_.get(), path, &how, sizeof how);
  return static_cast<int>(::syscall(SYS_openat2, root_fd_.get(), path, &how, sizeof how));
}

// True when openat2 itself is unavailable rather than the one file refused: ENOSYS from kernels before 5.6,
// EPERM from seccomp filters (Docker's and systemd's default profiles answer unknown calls so). EPERM can
// also be a file's own answer (a fanotify veto), so an open of the root itself decides.
bool FileStore::openat2_refused() const noexcept {
  const int e = errno;
  if (e != ENOSYS && e != EPERM) return false;
  ::open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  const int fd = call_openat2(".", how);
  if (fd >= 0) {
    ::close(fd);
    errno = e;
    return false;
  }
  const bool refused = errno == ENOSYS || errno == EPERM;
  errno = e;
  return refused;
}

Result<UniqueFd, StoreError> FileStore::open_beneath(const std::string& relative) noexcept {
  if (openat2_) {
    ::open_how how{};
    how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;  // O_NONBLOCK: a FIFO must not hang us
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const int fd = call_openat2(relative.c_str(), how);
    if (fd >= 0) return UniqueFd(fd);
    if (!openat2_refused()) return Err{from_errno(errno)};
    openat2_ = false;
    log::warning("provisiond", "store: openat2 unavailable ({}); names are confined by a walk refusing every symlink",
                 std::strerror(errno));
  }
  const int fd = walk_beneath(root_fd_.get(), relative);
  if (fd < 0) return Err{from_errno(errno)};
  return UniqueFd(fd);
}

void FileStore::forget(const std::string& relative) noexcept {
  auto it = cache_.find(relative);
  if (it == cache_.end()) return;
  cache_bytes_ -= it->second->content.size();
  cache_.erase(it);
}

Result<OpenedFile, StoreError> FileStore::open(std::string_view name, bool backslash, std::uint64_t now_ms) noexcept {
  auto rel = normalize(name, backslash);
  if (!rel) return Err{from_path_error(rel.error())};
  const std::string& relative = rel.value();
  if (rendered_ && !rendered_->empty()) {
    if (auto it = rendered_->find(ascii_lower(relative)); it != rendered_->end()) {
      OpenedFile out;
      out.cached = it->second;
      return out;
    }
  }
  if (!upload_relative_.empty() && relative.compare(0, upload_relative_.size(), upload_relative_) == 0 &&
      (relative.size() == upload_relative_.size() || relative[upload_relative_.size()] == '/'))
    return Err{StoreError::Forbidden};

  auto it = cache_.find(relative);
  if (it != cache_.end() && now_ms - it->second->checked_ms < options_.revalidate_ms) {
    OpenedFile out;
    out.cached = it->second;
    return out;
  }
  auto opened = open_beneath(relative);
  if (!opened) {
    if (it != cache_.end()) {
      cache_bytes_ -= it->second->content.size();
      cache_.erase(it);
    }
    return Err{opened.error()};
  }
  UniqueFd fd = std::move(opened.value());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Err{StoreError::Io};
  if (!S_ISREG(st.st_mode)) return Err{StoreError::NotFound};
  const std::int64_t mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;

  if (it != cache_.end()) {
    auto& c = *it->second;
    if (c.dev == st.st_dev && c.ino == st.st_ino && c.mtime_ns == mtime_ns &&
        c.meta.size == static_cast<std::uint64_t>(st.st_size)) {
      c.checked_ms = now_ms;
      OpenedFile out;
      out.cached = it->second;
      return out;
    }
    cache_bytes_ -= c.content.size();
    cache_.erase(it);
  }

  OpenedFile out;
  out.meta.size = static_cast<std::uint64_t>(st.st_size);
  out.meta.mtime_s = st.st_mtim.tv_sec;
  out.meta.etag = fmt::format("\"{:x}-{:x}-{:x}\"", st.st_ino, st.st_size, mtime_ns);
  out.meta.type = content_type(relative);
  out.meta.last_modified = http::format_http_date(out.meta.mtime_s);

  if (out.meta.size <= options_.cache_file_bytes && cache_bytes_ + out.meta.size <= options_.cache_bytes) {
    try {
      auto c = std::make_shared<CachedFile>();
      c->content.resize(out.meta.size);
      std::size_t got = 0;
      while (got < c->content.size()) {
        const ssize_t n = ::pread(fd.get(), c->content.data() + got, c->content.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      if (got == c->content.size()) {
        c->meta = out.meta;
        c->checked_ms = now_ms;
        c->dev = st.st_dev;
        c->ino = st.st_ino;
        c->mtime_ns = mtime_ns;
        cache_bytes_ += c->content.size();
        cache_[relative] = c;
        out.cached = std::move(c);
        return out;
      }
    } catch (const std::bad_alloc&) {
      // Serve from the descriptor instead.
    }
  }
  out.fd = std::move(fd);
  return out;
}

Result<std::string, StoreError> FileStore::upload_name(std::string_view name) const noexcept {
  auto rel = normalize(name, true);
  if (!rel) return Err{from_path_error(rel.error())};
  return std::string(base_name(rel.value()));
}

Result<Upload, StoreError> FileStore::begin_upload(std::string_view name, std::uint64_t expected_size) noexcept {
  if (!upload_fd_) return Err{StoreError::Disabled};
  auto final_name = upload_name(name);
  if (!final_name) return Err{final_name.error()};
  if (expected_size > options_.max_upload_bytes) return Err{StoreError::TooLarge};
  if (auto mac = mac_prefix(final_name.value()); !mac.empty())
    if (phone_bytes(upload_fd_->get(), mac, final_name.value()) + expected_size > options_.max_phone_bytes)
      return Err{StoreError::TooLarge};
  // Hidden, so never taken for an upload by phone_bytes() or served should the directory be under the root.
  std::string temp = fmt::format(".upload-{}-{}", ::getpid(), ++upload_counter_);
  UniqueFd fd(::openat(upload_fd_->get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) return Err{from_errno(errno)};
  return Upload(this, upload_fd_, std::move(fd), std::move(temp), std::move(final_name.value()));
}

Result<bool, StoreError> FileStore::remove_upload(std::string_view name) noexcept {
  if (!upload_fd_) return Err{StoreError::Disabled};
  auto final_name = upload_name(name);
  if (!final_name) return Err{final_name.error()};
  if (::unlinkat(upload_fd_->get(), final_name.value().c_str(), 0) != 0) return Err{from_errno(errno)};
  return true;
}

Upload::Upload(FileStore* store, std::shared_ptr<const UniqueFd> dir, UniqueFd fd, std::string temp,
               std::string final_name) noexcept
    : store_(store),
      dir_(std::move(dir)),
      fd_(std::move(fd)),
      temp_name_(std::move(temp)),
      final_name_(std::move(final_name)) {}

Upload::Upload(Upload&& o) noexcept
    : store_(std::exchange(o.store_, nullptr)),
      dir_(std::move(o.dir_)),
      fd_(std::move(o.fd_)),
      temp_name_(std::move(o.temp_name_)),
      final_name_(std::move(o.final_name_)),
      written_(o.written_),
      done_(std::exchange(o.done_, true)) {}

Upload& Upload::operator=(Upload&& o) noexcept {
  if (this != &o) {
    this->~Upload();
    new (this) Upload(std::move(o));
  }
  return *this;
}

Upload::~Upload() {
  if (store_ != nullptr && !done_) ::unlinkat(dir_->get(), temp_name_.c_str(), 0);
}

Result<bool, StoreError> Upload::write(std::span<const std::uint8_t> bytes) noexcept {
  if (done_ || store_ == nullptr) return Err{StoreError::Io};
  if (bytes.size() > store_->options_.max_upload_bytes - written_) return Err{StoreError::TooLarge};
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd_.get(), bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Err{StoreError::Io};
    off += static_cast<std::size_t>(n);
  }
  written_ += bytes.size();
  return true;
}

Result<bool, StoreError> Upload::commit() noexcept {
  if (done_ || store_ == nullptr) return Err{StoreError::Io};
  if (auto mac = mac_prefix(final_name_); !mac.empty())
    if (phone_bytes(dir_->get(), mac, final_name_) + written_ > store_->options_.max_phone_bytes)
      return Err{StoreError::TooLarge};
  // Data on disk before the name points at it: a crash leaves the old file or the new one, never an empty one.
  if (::fdatasync(fd_.get()) != 0) return Err{StoreError::Io};
  fd_.reset();
  const int dir = dir_->get();
  const bool created = ::faccessat(dir, final_name_.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0;
  if (::renameat(dir, temp_name_.c_str(), dir, final_name_.c_str()) != 0) return Err{from_errno(errno)};
  done_ = true;
  return created;
}

}  // namespace pb::prov
