#include "provisiond/http_handler.hpp"

#include <fmt/format.h>

#include "provisiond/http_logic.hpp"
#include "provisiond/path.hpp"

namespace pb::prov::http {
namespace {

constexpr std::string_view kServer = "Server: phoneboot-provisiond\r\n";

void start_head(std::string& h, int status, const Clock& clock) {
  h.reserve(320);
  fmt::format_to(std::back_inserter(h), "HTTP/1.1 {} {}\r\n", status, status_text(status));
  h += kServer;
  h += "Date: ";
  h += clock.date;
  h += "\r\n";
}

void end_head(std::string& h, const Request& r, bool close) {
  if (close)
    h += "Connection: close\r\n";
  else if (r.minor_version == 0)
    h += "Connection: keep-alive\r\n";
  h += "\r\n";
}

}  // namespace

int status_for(StoreError e) noexcept {
  switch (e) {
    case StoreError::NotFound: return 404;
    case StoreError::Forbidden: return 403;
    case StoreError::BadName: return 400;
    case StoreError::TooLarge: return 413;
    case StoreError::Disabled: return 405;
    case StoreError::Io: return 500;
  }
  return 500;
}

Response error_response(int status, bool close, const Clock& clock, std::string_view extra_headers) {
  Response r;
  r.status = status;
  r.close = close;
  r.inline_body = fmt::format("{} {}\n", status, status_text(status));
  r.length = r.inline_body.size();
  start_head(r.head, status, clock);
  r.head += "Content-Type: text/plain\r\n";
  fmt::format_to(std::back_inserter(r.head), "Content-Length: {}\r\n", r.length);
  r.head += extra_headers;
  if (close) r.head += "Connection: close\r\n";
  r.head += "\r\n";
  return r;
}

Response upload_done(bool created, bool keep_alive, const Clock& clock) {
  Response r;
  r.status = created ? 201 : 204;
  r.close = !keep_alive;
  start_head(r.head, r.status, clock);
  if (created) r.head += "Content-Length: 0\r\n";
  if (r.close) r.head += "Connection: close\r\n";
  r.head += "\r\n";
  return r;
}

Response handle(const Request& request, FileStore& store, const HandlerOptions& options, const Clock& clock) {
  const bool close = !request.keep_alive;
  const std::string_view allow =
      !options.uploads ? "Allow: GET, HEAD\r\n"
                       : (options.allow_delete ? "Allow: GET, HEAD, PUT, DELETE\r\n" : "Allow: GET, HEAD, PUT\r\n");
  auto decoded = percent_decode(request.path);
  if (!decoded) return error_response(400, close, clock);

  switch (request.method) {
    case Method::Get:
    case Method::Head: break;
    case Method::Put: {
      if (!options.uploads) return error_response(405, close, clock, allow);
      if (!request.content_length) return error_response(411, true, clock);
      // The body will not be read: close, or its bytes would be taken for the next request.
      if (*request.content_length > options.max_upload_bytes) return error_response(413, true, clock);
      Response accept;
      accept.status = 0;
      return accept;
    }
    case Method::Delete: {
      if (!options.uploads || !options.allow_delete) return error_response(405, close, clock, allow);
      auto removed = store.remove_upload(decoded.value());
      if (!removed) return error_response(status_for(removed.error()), close, clock);
      Response r;
      r.status = 204;
      r.close = close;
      start_head(r.head, 204, clock);
      end_head(r.head, request, close);
      return r;
    }
    case Method::Other: return error_response(405, close, clock, allow);
  }

  auto opened = store.open(decoded.value(), false, clock.now_ms);
  if (!opened) return error_response(status_for(opened.error()), close, clock);
  OpenedFile& file = opened.value();
  const FileMeta& meta = file.info();

  Response r;
  r.close = close;
  if (not_modified(request.if_none_match, request.if_modified_since, meta.etag, meta.mtime_s)) {
    r.status = 304;
    start_head(r.head, 304, clock);
    fmt::format_to(std::back_inserter(r.head), "ETag: {}\r\nLast-Modified: {}\r\n", meta.etag, meta.last_modified);
    end_head(r.head, request, close);
    return r;
  }
  const RangeDecision range = decide_range(request.range, request.if_range, meta.size, meta.etag, meta.mtime_s);
  if (range.kind == RangeKind::Unsatisfiable) {
    return error_response(416, close, clock, fmt::format("Content-Range: bytes */{}\r\n", meta.size));
  }
  r.status = range.kind == RangeKind::Partial ? 206 : 200;
  r.offset = range.kind == RangeKind::Partial ? range.range.first : 0;
  const std::uint64_t length = range.kind == RangeKind::Partial ? range.range.length() : meta.size;
  start_head(r.head, r.status, clock);
  fmt::format_to(std::back_inserter(r.head),
                 "Content-Type: {}\r\nContent-Length: {}\r\nETag: {}\r\nLast-Modified: {}\r\nAccept-Ranges: bytes\r\n",
                 meta.type, length, meta.etag, meta.last_modified);
  if (r.status == 206)
    fmt::format_to(std::back_inserter(r.head), "Content-Range: bytes {}-{}/{}\r\n", range.range.first, range.range.last,
                   meta.size);
  end_head(r.head, request, close);
  if (request.method == Method::Head) return r;
  r.length = length;
  r.cached = std::move(file.cached);
  r.fd = std::move(file.fd);
  return r;
}

}  // namespace pb::prov::http
