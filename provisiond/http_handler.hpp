#pragma once
// What to answer to one parsed request, given the file store: the status line and headers, and where the
// body comes from (cached bytes or a file descriptor for sendfile). No sockets here; http_server.cpp moves
// the bytes. PUT bodies stream through http_server.cpp into FileStore::begin_upload.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "provisiond/fd.hpp"
#include "provisiond/http_parser.hpp"
#include "provisiond/store.hpp"

namespace pb::prov::http {

struct Response {
  int status = 200;
  std::string head;                          // status line, fields, empty line
  std::shared_ptr<const CachedFile> cached;  // body bytes [offset, offset + length) of cached->content ...
  std::string inline_body;                   // ... or a short generated body (errors)
  UniqueFd fd;                               // ... or [offset, offset + length) of this file
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // body bytes to send (0 for HEAD and 304)
  bool close = false;        // close the connection once sent
};

struct HandlerOptions {
  bool uploads = true;
  bool allow_delete = false;
  std::uint64_t max_upload_bytes = 8ull << 20;
};

// "Date: ...\r\n" for the current second; the server refreshes it once per second.
struct Clock {
  std::uint64_t now_ms = 0;
  std::string date;  // IMF-fixdate
};

// An error (or other body-less) answer. `close` adds "Connection: close".
Response error_response(int status, bool close, const Clock& clock, std::string_view extra_headers = {});

// GET, HEAD and DELETE; PUT only for its refusals (a PUT the server should accept returns status 0).
Response handle(const Request& request, FileStore& store, const HandlerOptions& options, const Clock& clock);

// The status for a store error.
int status_for(StoreError e) noexcept;

// The answer to a finished upload.
Response upload_done(bool created, bool keep_alive, const Clock& clock);

}  // namespace pb::prov::http
