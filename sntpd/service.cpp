#include "sntpd/service.hpp"

#include <cmath>

#include "common/log.hpp"
#include "sntpd/discipline.hpp"
#include "sntpd/server.hpp"
#include "sntpd/system_clock.hpp"
#include "sntpd/timestamp.hpp"
#include "sntpd/upstream.hpp"

namespace pb::ntp {
namespace {

constexpr const char* kName = "sntpd";

ClockConfig clock_config(const config::SntpdSection& s, std::int8_t precision) {
  return ClockConfig{.local = s.local,
                     .local_stratum = static_cast<std::uint8_t>(s.local_stratum),
                     .kernel_stratum = static_cast<std::uint8_t>(s.kernel_stratum),
                     .holdover = static_cast<double>(s.holdover),
                     .poll = static_cast<std::int8_t>(s.poll),
                     .precision = precision};
}

std::unique_ptr<RateLimiter> make_limiter(const config::SntpdSection& s) {
  return std::make_unique<RateLimiter>(static_cast<std::uint32_t>(s.rate_limit),
                                       static_cast<std::uint32_t>(s.rate_burst), s.kod);
}

std::vector<config::UpstreamSpec> upstream_specs(const config::SntpdSection& s) {
  std::vector<config::UpstreamSpec> out;
  for (const auto& text : s.upstream)
    if (auto spec = config::parse_upstream(text)) out.push_back(*spec);  // validated by the loader
  return out;
}

class SntpdService : public Service {
 public:
  explicit SntpdService(DaemonContext& c)
      : loop_(c.loop),
        model_(c.model),
        precision_(measure_precision()),
        clock_(clock_config(c.model->sntpd, precision_)),
        limiter_(make_limiter(c.model->sntpd)),
        limiter_ptr_(limiter_.get()),
        metrics_(c.metrics),
        server_metrics_(c.metrics),
        offset_(
            c.metrics.gauge("sntpd_offset_seconds",
                            "offset of the selected upstream as last measured (upstream minus host clock): the "
                            "correction added to replies, or while disciplining the offset last slewed or stepped")),
        dispersion_(c.metrics.gauge("sntpd_root_dispersion_seconds", "root dispersion announced now")),
        stratum_(c.metrics.gauge("sntpd_stratum", "stratum announced now")),
        server_(c.loop, server_options(*c.model), clock_, &limiter_ptr_, server_metrics_),
        tick_(c.loop, uv_timer_init) {
    const auto& s = c.model->sntpd;
    for (auto st : {SourceState::unsynchronised, SourceState::local, SourceState::kernel, SourceState::holdover,
                    SourceState::synchronised})
      state_gauges_[static_cast<std::size_t>(st)] =
          &c.metrics.gauge("sntpd_source_state", "1 for the current source state", {{"state", state_name(st)}});
    start_upstreams(s);
    housekeeping();
    tick_->data = this;
    uv_timer_start(
        tick_.get(), [](uv_timer_t* t) { static_cast<SntpdService*>(t->data)->housekeeping(); }, 1000, 1000);
    log::info(kName, "serving on {}:{} (precision 2^{}, rate limit {}/s per client)",
              config::sntpd_bind_address(*model_).str(), server_.port(), precision_, s.rate_limit);
  }

  void reload(std::shared_ptr<const config::Model> model) override {
    const auto& old = model_->sntpd;
    const auto& s = model->sntpd;
    if (s.port != old.port || config::sntpd_bind_address(*model) != config::sntpd_bind_address(*model_))
      log::warning(kName, "address and port changes take effect at restart");
    clock_.configure(clock_config(s, precision_));
    limiter_ = make_limiter(s);
    limiter_ptr_ = limiter_.get();
    discipline_.configure(s.discipline, s.step_threshold);
    const bool restart_upstreams = s.upstream != old.upstream || s.poll != old.poll;
    model_ = std::move(model);
    if (restart_upstreams) start_upstreams(model_->sntpd);
    housekeeping();
  }

  void stop() override {
    server_.stop();
    upstreams_.reset();
    tick_.reset();
  }

 private:
  static udp::Options server_options(const config::Model& m) {
    const Ipv4Address address = config::sntpd_bind_address(m);
    return udp::Options{.address = address.str(),
                        .port = m.sntpd.port,
                        // one socket on one thread: no SO_REUSEPORT group to join
                        // Bound to 0.0.0.0, a reply must leave from the address the request was sent to
                        // (clients drop answers from another address): IP_PKTINFO tells which.
                        .packet_info = address.value == 0,
                        .timestamps = true,
                        .receive_buffer = 1 << 20};
  }

  void start_upstreams(const config::SntpdSection& s) {
    upstreams_.reset();
    discipline_.configure(s.discipline, s.step_threshold);
    if (s.upstream.empty()) return;
    upstreams_ = std::make_unique<Upstreams>(loop_, upstream_specs(s), static_cast<std::int8_t>(s.poll), precision_,
                                             metrics_, [this] { on_upstream_change(); });
  }

  void on_upstream_change() {
    const double now = monotonic();
    if (auto selected = upstreams_->select(now)) {
      if (selected->name != selected_name_) {
        log::info(kName, "selected upstream '{}' (offset {:+.6f} s, delay {:.6f} s, stratum {})", selected->name,
                  selected->best.offset, selected->best.delay, selected->best.stratum);
        selected_name_ = selected->name;
      }
      discipline(*selected, now);
      clock_.synchronised(selected->best, selected->latest.time, selected->address, now,
                          to_ntp(realtime()) + add_seconds(0, clock_.correction()));
    } else if (!upstreams_->any_reachable()) {
      if (!selected_name_.empty()) log::warning(kName, "every upstream lost");
      selected_name_.clear();
      clock_.lost(now);
    }
    housekeeping();
  }

  // Serve corrected time, or (discipline = true and CAP_SYS_TIME) move the system clock instead: by the newest
  // sample of the selected upstream, once (Discipline says when).
  void discipline(const Upstreams::Selected& selected, double now) {
    const double offset = selected.latest.offset;
    std::string error;
    switch (discipline_.next(selected.latest, now)) {
      case Adjustment::none: return;
      case Adjustment::correct_replies: clock_.set_correction(selected.best.offset); return;
      case Adjustment::step:
        error = step(offset);
        if (error.empty()) {
          log::info(kName, "stepped the system clock by {:+.6f} s", offset);
          upstreams_->clear_samples();  // and the replies still in flight, measured across the step
        }
        break;
      case Adjustment::slew: error = slew(offset); break;
    }
    if (!error.empty()) {
      log::warning(kName, "cannot adjust the system clock ({}); correcting replies instead", error);
      discipline_.failed();
      clock_.set_correction(selected.best.offset);
      return;
    }
    clock_.set_correction(0);
  }

  void housekeeping() {
    const auto& s = model_->sntpd;
    clock_.set_kernel(s.kernel_sync && !s.discipline ? read_kernel_sync() : KernelSync{});
    const double now = monotonic();
    const SourceState state = clock_.evaluate(now);
    if (state != last_state_) {
      log::info(kName, "source state {} -> {}", state_name(last_state_), state_name(state));
      last_state_ = state;
    }
    const ServerState a = clock_.announce(now, 0);
    offset_.set(discipline_.measured_offset(clock_.correction()));
    dispersion_.set(a.root_dispersion);
    stratum_.set(a.stratum);
    for (std::size_t i = 0; i < state_gauges_.size(); ++i)
      if (state_gauges_[i]) state_gauges_[i]->set(i == static_cast<std::size_t>(state) ? 1 : 0);
  }

  uv_loop_t* loop_;
  std::shared_ptr<const config::Model> model_;
  std::int8_t precision_;
  Clock clock_;
  std::unique_ptr<RateLimiter> limiter_;
  RateLimiter* limiter_ptr_;
  metrics::Registry& metrics_;
  ServerMetrics server_metrics_;
  metrics::Gauge& offset_;
  metrics::Gauge& dispersion_;
  metrics::Gauge& stratum_;
  std::array<metrics::Gauge*, 5> state_gauges_{};
  Server server_;
  std::unique_ptr<Upstreams> upstreams_;
  uv::Handle<uv_timer_t> tick_;
  SourceState last_state_ = SourceState::unsynchronised;
  std::string selected_name_;
  Discipline discipline_{false, 1.0};
};

}  // namespace

std::unique_ptr<Service> start_service(DaemonContext& context) { return std::make_unique<SntpdService>(context); }

}  // namespace pb::ntp
