#include "common/daemon.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "common/log.hpp"
#include "common/metrics_server.hpp"
#include "common/privilege.hpp"

namespace pb {
namespace {

constexpr int kExitStartFailed = 1;
constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;  // EX_CONFIG, as chrony and systemd expect
constexpr std::uint64_t kStopGraceMs = 2000;

struct Options {
  std::string config_dir = "/etc/phoneboot";
  bool check_only = false;
  std::string log_level;
};

void apply_log_level(const Options& options, const config::ServiceCommon& common) {
  log::Level level = log::Level::info;
  log::parse_level(options.log_level.empty() ? common.log_level : options.log_level, level);
  log::set_level(level);
}

class Runner {
 public:
  Runner(const DaemonSpec& spec, Options options, std::shared_ptr<const config::Model> model)
      : spec_(spec), options_(std::move(options)), model_(std::move(model)) {}

  int run() {
    DaemonContext context{loop_.get(), registry_, model_};
    try {
      service_ = spec_.start(context);
      metrics_server_ = std::make_unique<metrics::Server>(loop_.get(), registry_, spec_.common(*model_).metrics_port);
    } catch (const std::exception& e) {
      log::error(spec_.name, "cannot start ({})", e.what());
      return kExitStartFailed;
    }
    if (spec_.writable_directories)
      for (const auto& dir : spec_.writable_directories(*model_))
        if (auto error = hand_over_directory(dir, model_->site.user); !error.empty()) {
          log::error(spec_.name, "cannot hand '{}' to '{}' ({})", dir, model_->site.user, error);
          return kExitStartFailed;
        }
    const auto caps = spec_.capabilities ? spec_.capabilities(*model_) : std::vector<int>{};
    if (auto error = drop_privileges(model_->site.user, caps); !error.empty()) {
      log::error(spec_.name, "cannot drop privileges to '{}' ({})", model_->site.user, error);
      return kExitStartFailed;
    }
    if (model_->site.user == "root")
      log::warning(spec_.name, "running as root with every capability (site.user = \"root\")");
    watch_signal(sigterm_, SIGTERM);
    watch_signal(sigint_, SIGINT);
    watch_signal(sighup_, SIGHUP);
    log::info(spec_.name, "started with configuration '{}'", options_.config_dir);
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    log::info(spec_.name, "stopped");
    return 0;
  }

 private:
  void watch_signal(uv::Handle<uv_signal_t>& handle, int signum) {
    handle = uv::Handle<uv_signal_t>(loop_.get(), uv_signal_init);
    handle->data = this;
    uv_signal_start(
        handle.get(), [](uv_signal_t* h, int sig) { static_cast<Runner*>(h->data)->on_signal(sig); }, signum);
  }

  void on_signal(int signum) {
    if (signum == SIGHUP) return reload();
    if (stopping_) return;
    stopping_ = true;
    log::info(spec_.name, "stopping on signal {}", signum);
    service_->stop();
    metrics_server_.reset();
    sighup_.reset();
    sigint_.reset();
    sigterm_.reset();
    // A handle left open by mistake must not keep a stopping daemon alive.
    stop_timer_ = uv::Handle<uv_timer_t>(loop_.get(), uv_timer_init);
    stop_timer_->data = this;
    uv_timer_start(
        stop_timer_.get(),
        [](uv_timer_t* t) {
          log::warning(static_cast<Runner*>(t->data)->spec_.name, "handles still open {} ms after stop; exiting",
                       kStopGraceMs);
          uv_stop(t->loop);
        },
        kStopGraceMs, 0);
    uv_unref(stop_timer_.base());
  }

  void reload() {
    auto result = config::load(options_.config_dir);
    if (!result.model) {
      log::error(spec_.name, "reload refused, keeping the running configuration ({} errors)",
                 result.diagnostics.all().size());
      for (const auto& d : result.diagnostics.all()) log::error(spec_.name, "{}", d.str());
      return;
    }
    model_ = std::move(result.model);
    apply_log_level(options_, spec_.common(*model_));
    service_->reload(model_);
    log::info(spec_.name, "reloaded configuration '{}'", options_.config_dir);
  }

  const DaemonSpec& spec_;
  Options options_;
  std::shared_ptr<const config::Model> model_;
  // Declared in start-up order; destroyed in reverse before loop_ runs the close callbacks.
  uv::Loop loop_;
  metrics::Registry registry_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<metrics::Server> metrics_server_;
  uv::Handle<uv_signal_t> sigterm_, sigint_, sighup_;
  uv::Handle<uv_timer_t> stop_timer_;
  bool stopping_ = false;
};

}  // namespace

int run_daemon(int argc, char** argv, const DaemonSpec& spec) {
  Options options;
  CLI::App app{"phoneboot-" + spec.name + ": part of the phoneboot voice-VLAN appliance"};
  app.add_option("-c,--config", options.config_dir, "configuration folder (site.toml and friends)");
  app.add_flag("--check-config", options.check_only, "validate the configuration and exit");
  app.add_option("--log-level", options.log_level, "debug, info, warning or error (overrides the configuration)")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  std::signal(SIGPIPE, SIG_IGN);

  auto result = config::load(options.config_dir);
  for (const auto& d : result.diagnostics.all()) std::fprintf(stderr, "%s\n", d.str().c_str());
  if (!result.model) {
    log::error(spec.name, "invalid configuration '{}' ({} problems)", options.config_dir,
               result.diagnostics.all().size());
    return kExitConfig;
  }
  if (options.check_only) {
    if (spec.validate && spec.common(*result.model).enabled) {
      const auto errors = spec.validate(*result.model);
      for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
      if (!errors.empty()) {
        log::error(spec.name, "invalid configuration '{}' ({} problems)", options.config_dir, errors.size());
        return kExitConfig;
      }
    }
    log::info(spec.name, "configuration '{}' is valid", options.config_dir);
    return 0;
  }
  const auto& common = spec.common(*result.model);
  if (!common.enabled) {
    log::info(spec.name, "disabled in '{}', not starting", options.config_dir);
    return 0;
  }
  apply_log_level(options, common);
  Runner runner(spec, std::move(options), std::move(result.model));
  return runner.run();
}

}  // namespace pb
