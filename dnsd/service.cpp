#include "dnsd/service.hpp"

#include <arpa/inet.h>

#include <ctime>
#include <filesystem>

#include "common/log.hpp"
#include "dnsd/dynamic_names.hpp"
#include "dnsd/forwarder.hpp"
#include "dnsd/health_monitor.hpp"
#include "dnsd/notify.hpp"
#include "dnsd/serial.hpp"
#include "dnsd/site_zone.hpp"
#include "dnsd/tcp_server.hpp"
#include "dnsd/udp_worker.hpp"

namespace pb::dns {
namespace {

constexpr unsigned kZoneFilePollMs = 2000;

class DnsService final : public Service {
 public:
  explicit DnsService(DaemonContext& ctx)
      : loop_(ctx.loop), model_(ctx.model), shared_(ctx.metrics), serials_(state_directory(*model_) + "/serials") {
    const auto& s = model_->dnsd;
    serial_ = static_cast<std::uint32_t>(std::time(nullptr));
    if (!rebuild()) throw std::runtime_error("the zones did not load");
    if (!s.forward.upstream.empty())
      shared_.forward_clients =
          s.forward.clients.empty()
              ? std::vector<Ipv4Prefix>{Ipv4Prefix{model_->site.address.network(), model_->site.address.length}}
              : s.forward.clients;
    if (!s.forward.upstream.empty())
      forwarder_ =
          std::make_unique<Forwarder>(loop_, s.forward, static_cast<std::uint16_t>(s.edns_payload), shared_.stats);
    udp::Options o;
    o.address = s.address.str();
    o.port = s.port;
    o.reuse_port = true;
    o.packet_info = s.address.value == 0;  // a wildcard bind must answer from the address that was asked
    o.receive_buffer = 1 << 20;
    o.send_buffer = 1 << 20;
    for (std::uint32_t i = 0; i < s.workers; ++i) {
      workers_.push_back(std::make_unique<UdpWorker>(o, shared_, s.rrl, model_->site.address, forwarder_.get()));
      o.port = workers_.front()->port();  // port 0 (tests): every worker and TCP share the port the first got
    }
    // The worker threads start on the loop's first turn, after the daemon has dropped privileges.
    start_timer_ = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
    start_timer_->data = this;
    uv_timer_start(
        start_timer_.get(),
        [](uv_timer_t* t) {
          auto* self = static_cast<DnsService*>(t->data);
          for (auto& w : self->workers_) w->start();
          self->start_timer_.reset();
        },
        0, 0);
    TcpOptions t;
    t.address = s.address.value;
    t.port = o.port;
    t.idle_timeout_ms = s.tcp_idle_timeout_ms;
    t.max_connections = s.tcp_max_connections;
    for (const auto& a : s.secondaries) t.secondaries.push_back(a.value);
    t.forwarder = forwarder_.get();
    tcp_ = std::make_unique<TcpServer>(loop_, t, shared_);
    start_health();
    watch_zone_files();
    follow_leases();
    log::info("dnsd", "serving {} zones on {}:{} (udp x{}, tcp)", zones_.zones.size(), o.address, o.port, s.workers);
  }

  void reload(std::shared_ptr<const config::Model> model) override {
    const auto& old = model_->dnsd;
    const auto& now = model->dnsd;
    if (old.port != now.port || old.address != now.address || old.workers != now.workers || !(old.rrl == now.rrl) ||
        !(old.forward == now.forward) || old.secondaries != now.secondaries)
      log::warning("dnsd", "listening, workers, rrl, forwarding and secondaries change only on restart");
    auto previous = model_;
    model_ = std::move(model);
    if (!rebuild()) {
      model_ = previous;  // the zones did not load: keep serving the old ones
      return;
    }
    if (!(old.health == now.health) || previous->site.call_server != model_->site.call_server) start_health();
    watch_zone_files();
    if (old.dynamic_names != now.dynamic_names || old.lease_dir != now.lease_dir) follow_leases();
  }

  void stop() override {
    health_.reset();  // checks stop with their records
    leases_.reset();
    notifier_.reset();
    file_watches_.clear();
    start_timer_.reset();
    workers_.clear();    // each joins its thread: no more hand-overs to the forwarder
    forwarder_.reset();  // pending forwards end without answers
    tcp_.reset();
  }

 private:
  // Builds the zones beside the running tables and swaps them in; on any error the running ones stay.
  bool rebuild() {
    auto b = build_zones(*model_, serial_, dynamic_);
    if (!b.errors.empty()) {
      for (const auto& e : b.errors) log::error("dnsd", "zone not loaded: {}", e);
      return false;
    }
    const auto moved = serials_.apply(b.zones, static_cast<std::uint32_t>(std::time(nullptr)));
    zones_ = std::move(b.zones);
    publish();
    if (!moved.empty() && model_->dnsd.notify && !model_->dnsd.secondaries.empty()) {
      if (!notifier_) notifier_ = std::make_unique<Notifier>(loop_);
      for (const auto& apex : moved) notifier_->notify(apex, model_->dnsd.secondaries, model_->dnsd.notify_port);
    }
    return true;
  }

  void publish() {
    CompileOptions o;
    o.edns_payload = static_cast<std::uint16_t>(model_->dnsd.edns_payload);
    o.only_live = model_->dnsd.health.only_live;
    if (health_) o.live = health_->live();
    shared_.store(compile(zones_, o));
  }

  void start_health() {
    health_.reset();
    const auto& h = model_->dnsd.health;
    if (h.check == "none" || model_->site.call_server.empty()) {
      publish();
      return;
    }
    health_ = std::make_unique<HealthMonitor>(loop_, *model_, shared_.stats.registry(), [this] { publish(); });
    publish();
  }

  // DHCP clients' names follow dhcpd's lease journal; each change of the published set rebuilds the zones.
  void follow_leases() {
    leases_.reset();
    dynamic_.clear();
    const auto& s = model_->dnsd;
    if (!s.dynamic_names) return;
    const std::string dir = s.lease_dir.empty() ? config::dhcpd_state_dir(*model_) : s.lease_dir;
    leases_ = std::make_unique<LeaseFollower>(loop_, dir, [this](std::vector<DynamicName> names) {
      log::info("dnsd", "{} dynamic names from DHCP leases", names.size());
      dynamic_ = std::move(names);
      rebuild();
    });
  }

  // A zone file edited in place reloads the zones (a broken edit keeps the old ones and is logged).
  void watch_zone_files() {
    file_watches_.clear();
    for (const auto& zf : model_->dnsd.zone_file) {
      const auto path = (std::filesystem::path(model_->directory) / zf.file).string();
      uv::Handle<uv_fs_poll_t> h(loop_, uv_fs_poll_init);
      h->data = this;
      uv_fs_poll_start(
          h.get(),
          [](uv_fs_poll_t* p, int status, const uv_stat_t*, const uv_stat_t*) {
            if (status < 0) return;
            auto* self = static_cast<DnsService*>(p->data);
            log::info("dnsd", "zone file changed, reloading");
            self->rebuild();
          },
          path.c_str(), kZoneFilePollMs);
      file_watches_.push_back(std::move(h));
    }
  }

  uv_loop_t* loop_;
  std::shared_ptr<const config::Model> model_;
  Shared shared_;
  ZoneSet zones_;
  std::uint32_t serial_ = 0;              // of the generated zones as built: the time at start (serials_ raises it)
  SerialKeeper serials_;                  // kept in <state_dir>/dnsd/serials across restarts
  std::unique_ptr<Forwarder> forwarder_;  // before the workers and TCP, which point at it
  std::vector<std::unique_ptr<UdpWorker>> workers_;
  uv::Handle<uv_timer_t> start_timer_;
  std::unique_ptr<TcpServer> tcp_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<LeaseFollower> leases_;
  std::vector<DynamicName> dynamic_;
  std::vector<uv::Handle<uv_fs_poll_t>> file_watches_;
};

}  // namespace

std::string state_directory(const config::Model& model) { return model.site.state_dir + "/dnsd"; }

std::unique_ptr<Service> start_service(DaemonContext& context) { return std::make_unique<DnsService>(context); }

}  // namespace pb::dns
