#pragma once
// The TFTP server: requests on one UDP port, each transfer on its own socket (its TID, RFC 1350 section 4),
// connected to the client so the kernel drops strangers' packets. Transfers are tftp::ReadTransfer and
// tftp::WriteTransfer state machines; this file only moves datagrams, reads files and keeps time. One timer
// every 20 ms drives retransmissions; windows go out with one sendmmsg.
#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/net.hpp"
#include "common/udp.hpp"
#include "common/uv.hpp"
#include "provisiond/fd.hpp"
#include "provisiond/stats.hpp"
#include "provisiond/store.hpp"
#include "provisiond/tftp_transfer.hpp"

namespace pb::prov {

struct RenameRule {
  std::string pattern;
  std::string replacement;
};

class MacAccess;
class FetchRecorder;
class ProxyCache;

struct TftpServerOptions {
  Ipv4Address listen;
  std::uint16_t port = 69;  // 0: any (tests)
  tftp::Limits limits;
  std::uint32_t max_transfers = 1000;
  bool write = false;
  std::vector<RenameRule> rename;
  MacAccess* mac_access = nullptr;   // files named after a MAC only to its lease (owned by the service); null: all
  FetchRecorder* fetches = nullptr;  // notes each phone's last read (owned by the service); null: none
  ProxyCache* proxy = nullptr;       // names the root lacks, from the upstream (owned by the service); null: none
};

class TftpServer {
 public:
  TftpServer(uv_loop_t* loop, FileStore& store, Stats& stats, TftpServerOptions options);
  ~TftpServer();
  TftpServer(const TftpServer&) = delete;
  TftpServer& operator=(const TftpServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  void update(const TftpServerOptions& options);
  void stop() noexcept;

  struct Transfer;
  class BatchSink;

  // The name after the rename rules (tftpd-hpa's -m): exposed for tests.
  std::string rename(std::string name) const;

 private:
  void on_requests() noexcept;
  void on_request(const udp::Datagram& d) noexcept;
  bool wait_for_proxy(const udp::Datagram& d, std::uint64_t key, const std::string& name) noexcept;
  void on_tick() noexcept;
  void send_error(const sockaddr_in& to, tftp::ErrorCode code, std::string_view message) noexcept;
  void finish(Transfer* t) noexcept;
  void compile_rules();

  uv_loop_t* loop_;
  FileStore& store_;
  Stats& stats_;
  TftpServerOptions options_;
  std::unique_ptr<udp::Socket> socket_;
  std::unique_ptr<udp::Socket> error_socket_;
  std::uint16_t port_ = 0;
  std::unique_ptr<udp::Watcher> watcher_;
  udp::ReceiveBatch batch_{32, 4 + tftp::kMaxBlksize};
  std::unique_ptr<BatchSink> sink_;
  uv::Handle<uv_timer_t> tick_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
  std::vector<std::pair<std::unique_ptr<RE2>, std::string>> rules_;
  std::vector<std::uint8_t> recv_buf_;
  // Clients whose read request waits for the caching proxy's fetch: a repeated request is a duplicate.
  std::unordered_set<std::uint64_t> waiting_;
  bool after_fetch_ = false;  // replaying a request whose fetch ended: answer from the kept copies
  std::shared_ptr<int> token_ = std::make_shared<int>(0);  // fetch callbacks hold it weakly
};

}  // namespace pb::prov
