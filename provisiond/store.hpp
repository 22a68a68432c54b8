#pragma once
// The one file store behind HTTP, HTTPS and TFTP.
//
// Every name is normalized by path.hpp and then opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
// relative to a directory descriptor of the root, so neither "..", an absolute symlink nor a relative one
// pointing out of the root can escape it. Where openat2 is missing (ENOSYS, kernels before 5.6) or refused
// (EPERM, the answer of container and systemd seccomp filters), the store switches once, for good, to a walk
// that refuses every symlink.
// Only regular files are served. Small files are kept in memory and revalidated (open + fstat) at most once
// per `revalidate_ms`, like nginx's open_file_cache_valid: a changed file is served within that time.
//
// Uploads (HTTP PUT, TFTP WRQ) go to a separate directory, flat under their file name, through a hidden
// temporary file renamed into place on success, so a reader never sees half a file and a failed upload
// leaves nothing. Disk I/O here is synchronous: the files are small and the disk is local.
//
// reconfigure() (SIGHUP) applies new options at once: caps, the upload switch, the root and upload
// directories. An upload already running finishes in the directory it started in.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.hpp"
#include "provisiond/fd.hpp"
#include "provisiond/path.hpp"

struct open_how;  // <linux/openat2.h>

namespace pb::prov {

enum class StoreError {
  NotFound,   // no such regular file (directories and hidden names included)
  Forbidden,  // traversal, escaping symlink, the upload directory
  BadName,    // bad encoding, over-long
  TooLarge,   // upload over the per-file or per-phone cap
  Disabled,   // uploads are off
  Io,
};

const char* to_string(StoreError e) noexcept;
StoreError from_path_error(PathError e) noexcept;

struct FileMeta {
  std::uint64_t size = 0;
  std::int64_t mtime_s = 0;   // seconds since the epoch (Last-Modified has second resolution)
  std::string etag;           // "\"<inode>-<size>-<mtime ns>\"", strong
  std::string last_modified;  // mtime_s as an HTTP date, formatted once
  std::string_view type;      // Content-Type
};

struct CachedFile {
  FileMeta meta;
  std::string content;
  std::uint64_t checked_ms = 0;  // when open + fstat last confirmed it
  dev_t dev = 0;
  ino_t ino = 0;
  std::int64_t mtime_ns = 0;
};

// What open() hands out: either a descriptor (large files, for sendfile/pread) or cached bytes.
struct OpenedFile {
  FileMeta meta;  // filled for descriptors only: cached files carry theirs (info() picks), so a hit copies nothing
  UniqueFd fd;
  std::shared_ptr<const CachedFile> cached;  // when set, fd is empty
  const FileMeta& info() const noexcept { return cached ? cached->meta : meta; }
};

// Files rendered from templates (rendered_files.hpp), by lower-cased relative name.
using RenderedFiles = std::unordered_map<std::string, std::shared_ptr<const CachedFile>>;

// The openat2(2) system call's shape: returns a descriptor, or -1 with errno set.
using Openat2Fn = int (*)(int dirfd, const char* path, ::open_how* how, std::size_t size) noexcept;

struct StoreOptions {
  std::string root;
  std::string upload_dir;  // empty: uploads disabled
  std::uint64_t cache_file_bytes = 256 * 1024;
  std::uint64_t cache_bytes = 64ull << 20;
  std::uint64_t revalidate_ms = 1000;
  std::uint64_t max_upload_bytes = 8ull << 20;
  std::uint64_t max_phone_bytes = 64ull << 20;
  Openat2Fn openat2 = nullptr;  // null: the system call (tests inject a seccomp-like refusal)
};

class Upload;

class FileStore {
 public:
  // Opens (and creates when missing) the root and upload directories. Throws at start-up only.
  explicit FileStore(StoreOptions options);

  // Applies new options (SIGHUP). Opens the directories first and throws, changing nothing, when it cannot;
  // otherwise every later request sees the new caps, upload switch and directories. Uploads already begun
  // keep their directory; the cache is emptied when the root or the cache sizes change.
  void reconfigure(StoreOptions options);

  // `name` is decoded already (percent_decode for HTTP); `backslash` maps '\' to '/' (TFTP).
  Result<OpenedFile, StoreError> open(std::string_view name, bool backslash, std::uint64_t now_ms) noexcept;

  // Starts an upload of `name` (stored under its base name). `expected_size` (0: unknown) is checked
  // against the caps before a byte is written.
  Result<Upload, StoreError> begin_upload(std::string_view name, std::uint64_t expected_size) noexcept;
  Result<bool, StoreError> remove_upload(std::string_view name) noexcept;

  // Drops the in-memory copy of `relative` (a normalized name): its file was just replaced or removed.
  void forget(const std::string& relative) noexcept;

  // Rendered files are found before the root's, whatever the case of the request. Set at start and on reload.
  void set_rendered(std::shared_ptr<const RenderedFiles> files) noexcept { rendered_ = std::move(files); }
  const auto& rendered() const noexcept { return rendered_; }

  const StoreOptions& options() const noexcept { return options_; }
  std::uint64_t cached_bytes() const noexcept { return cache_bytes_; }
  // False once openat2 proved missing or refused and names are confined by the symlink-refusing walk.
  bool uses_openat2() const noexcept { return openat2_; }

 private:
  friend class Upload;
  struct Directories;
  static Directories open_directories(const StoreOptions& options);
  Result<UniqueFd, StoreError> open_beneath(const std::string& relative) noexcept;
  int call_openat2(const char* path, ::open_how& how) const noexcept;
  bool openat2_refused() const noexcept;
  Result<std::string, StoreError> upload_name(std::string_view name) const noexcept;

  StoreOptions options_;
  UniqueFd root_fd_;
  std::shared_ptr<const UniqueFd> upload_fd_;  // null: uploads off; shared with the uploads begun in it
  std::string upload_relative_;                // the upload directory's path beneath the root, when it is inside it
  bool openat2_ = true;                        // cleared once openat2 is missing or refused; never set back
  std::unordered_map<std::string, std::shared_ptr<CachedFile>> cache_;
  std::shared_ptr<const RenderedFiles> rendered_;  // null: no templates
  std::uint64_t cache_bytes_ = 0;
  std::uint64_t upload_counter_ = 0;
};

// A file being uploaded: a hidden temporary in the upload directory. commit() renames it into place;
// destroying an uncommitted Upload removes the temporary.
class Upload {
 public:
  Upload(Upload&&) noexcept;
  Upload& operator=(Upload&&) noexcept;
  ~Upload();

  // False (and nothing written) once the per-file cap would be passed.
  Result<bool, StoreError> write(std::span<const std::uint8_t> bytes) noexcept;
  // Renames the file into place; true when it did not exist before.
  Result<bool, StoreError> commit() noexcept;
  std::uint64_t size() const noexcept { return written_; }
  const std::string& name() const noexcept { return final_name_; }

 private:
  friend class FileStore;
  Upload(FileStore* store, std::shared_ptr<const UniqueFd> dir, UniqueFd fd, std::string temp,
         std::string final_name) noexcept;
  FileStore* store_ = nullptr;           // for the caps in force now: they may rise or fall mid-upload
  std::shared_ptr<const UniqueFd> dir_;  // the upload directory this upload began in
  UniqueFd fd_;
  std::string temp_name_, final_name_;
  std::uint64_t written_ = 0;
  bool done_ = false;
};

}  // namespace pb::prov
