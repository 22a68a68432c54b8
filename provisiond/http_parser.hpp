#pragma once
// An incremental HTTP/1.1 request-head parser (RFC 9112), after picohttpparser and h2o: it is handed the
// whole buffer received so far and says Complete, Incomplete ("need more bytes", never an error) or Error
// with the status to answer. It keeps only how far it has looked for the end of the head, so feeding a
// request one byte at a time costs linear time. Views in Request point into the caller's buffer and are
// valid until that buffer changes.
//
// Limits are checked as soon as they can be: a request line longer than max_request_line is 414 before
// its end arrives, a head larger than max_header_bytes or with more than max_headers fields is 431, a
// method that is not a token is 400 at its first byte (a TLS ClientHello on the HTTP port is refused at once).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pb::prov::http {

enum class Method { Get, Head, Put, Delete, Other };

struct Limits {
  std::size_t max_request_line = 8192;
  std::size_t max_header_bytes = 16384;
  std::size_t max_headers = 64;
};

struct Request {
  Method method = Method::Other;
  std::string_view method_text;
  std::string_view path;   // the request target's path, still percent-encoded, starting with '/'
  std::string_view query;  // after '?', without it
  int minor_version = 1;   // HTTP/1.<minor>
  bool keep_alive = true;
  std::optional<std::uint64_t> content_length;
  bool expect_continue = false;
  std::string_view host, range, if_range, if_none_match, if_modified_since, user_agent;
  std::size_t head_bytes = 0;  // bytes of the head, request line to the empty line included
};

enum class Status { Complete, Incomplete, Error };

struct Outcome {
  Status status = Status::Incomplete;
  int http_status = 0;      // for Error: 400, 414, 431, 501, 505
  const char* reason = "";  // for Error: a short name, counted and logged ("header-too-large")
};

class Parser {
 public:
  explicit Parser(Limits limits) noexcept : limits_(limits) {}
  // Parses the head at the start of `buffer`. On Complete, `out` is filled and head_bytes says where the body
  // (or the next pipelined request) begins; call reset() before parsing the next request.
  Outcome parse(std::string_view buffer, Request& out) noexcept;
  void reset() noexcept { scanned_ = 0; }

 private:
  Outcome parse_head(std::string_view head, Request& out) const noexcept;
  Limits limits_;
  std::size_t scanned_ = 0;  // bytes already searched for the end of the head
};

}  // namespace pb::prov::http
