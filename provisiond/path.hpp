#pragma once
// Request names to paths beneath the root, as a pure function (no file system), so every refusal is unit
// tested. HTTP, HTTPS and TFTP share it, which is what makes their answers the same.
//
// The rules: the name is split on '/' (TFTP clients also send '\'), empty and "." components vanish,
// a ".." component is refused outright (never "resolved"), a component starting with '.' is hidden, and
// a NUL or control byte is refused. A leading '/' means the root, so "/etc/passwd" is <root>/etc/passwd.
// The file system's own confinement (openat2 RESOLVE_BENEATH, store.cpp) is the second wall: it stops
// symlinks that point out of the root.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pb::prov {

enum class PathError {
  BadEncoding,  // malformed %xx, %00, control bytes
  Traversal,    // a ".." component
  Hidden,       // a component starting with '.', or the upload directory
  Empty,        // the root itself: there is no directory listing
  TooLong,
};

const char* to_string(PathError e) noexcept;

// "%2e%2e" -> "..": decodes percent escapes of an HTTP request target's path (no '+' rule: that is forms).
Result<std::string, PathError> percent_decode(std::string_view in) noexcept;

// A decoded name to a relative path "a/b/c" (no leading '/', no empty, "." or ".." component).
Result<std::string, PathError> normalize(std::string_view name, bool backslash_is_slash) noexcept;

// The last component of a normalized path: uploads are stored flat under their file name.
std::string_view base_name(std::string_view relative) noexcept;

// The Content-Type for a name, from its extension.
std::string_view content_type(std::string_view name) noexcept;

}  // namespace pb::prov
