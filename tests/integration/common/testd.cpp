// phoneboot-testd: echoes UDP datagrams on 127.0.0.1:<sntpd.port>. Uses the sntpd section only for its keys
// (enabled, log level, metrics port, port); it exists to test common/daemon.cpp, not to serve anything.
#include <sys/capability.h>

#include "common/daemon.hpp"
#include "common/log.hpp"
#include "common/udp.hpp"

namespace {

class Echo final : public pb::Service {
 public:
  Echo(pb::DaemonContext& ctx)
      : socket_({.address = "127.0.0.1", .port = ctx.model->sntpd.port}),
        batch_(16, 2048),
        replies_(16, 2048),
        echoed_(ctx.metrics.counter("testd_echoed_total", "datagrams echoed")),
        watcher_(ctx.loop, socket_.fd(), [this] { on_readable(); }) {}

  void reload(std::shared_ptr<const pb::config::Model> model) override {
    pb::log::info("testd", "reload: port in the new set is {}", model->sntpd.port);
  }
  void stop() override { watcher_.stop(); }

 private:
  void on_readable() {
    const std::size_t n = batch_.receive(socket_.fd());
    for (std::size_t i = 0; i < n; ++i) {
      auto d = batch_.at(i);
      auto out = replies_.next();
      std::copy(d.data.begin(), d.data.end(), out.begin());
      replies_.commit(d.data.size(), d.peer);
      echoed_.inc();
    }
    replies_.flush(socket_.fd());
  }

  pb::udp::Socket socket_;
  pb::udp::ReceiveBatch batch_;
  pb::udp::SendBatch replies_;
  pb::metrics::Counter& echoed_;
  pb::udp::Watcher watcher_;
};

}  // namespace

int main(int argc, char** argv) {
  return pb::run_daemon(
      argc, argv,
      {.name = "testd",
       .common = [](const pb::config::Model& m) -> const pb::config::ServiceCommon& { return m.sntpd.common; },
       .start = [](pb::DaemonContext& ctx) -> std::unique_ptr<pb::Service> { return std::make_unique<Echo>(ctx); },
       .capabilities = [](const pb::config::Model&) { return std::vector<int>{CAP_NET_BIND_SERVICE}; }});
}
