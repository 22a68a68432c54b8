#include "tools/phoneboot/supervisor.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "common/log.hpp"
#include "common/uv.hpp"

namespace pb::tools {
namespace {

constexpr const char* kComponent = "phoneboot";
constexpr std::uint64_t kFirstBackoffMs = 500;
constexpr std::uint64_t kMaxBackoffMs = 30000;
constexpr std::uint64_t kStableRunMs = 30000;  // a child up this long starts again from the first backoff
constexpr std::uint64_t kKillAfterMs = 5000;

class Supervisor;

struct Child {
  Supervisor* owner = nullptr;
  SupervisedService service;
  uv::Handle<uv_process_t> process;
  uv::Handle<uv_timer_t> restart_timer;
  bool running = false;
  std::uint64_t started_ms = 0;
  std::uint64_t backoff_ms = kFirstBackoffMs;
};

class Supervisor {
 public:
  Supervisor(std::string config_dir, const std::vector<SupervisedService>& services)
      : config_dir_(std::move(config_dir)) {
    for (const auto& s : services) {
      auto child = std::make_unique<Child>();
      child->owner = this;
      child->service = s;
      child->restart_timer = uv::Handle<uv_timer_t>(loop_.get(), uv_timer_init);
      child->restart_timer->data = child.get();
      children_.push_back(std::move(child));
    }
  }

  int run() {
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
      auto& h = signals_.emplace_back(loop_.get(), uv_signal_init);
      h->data = this;
      uv_signal_start(
          h.get(), [](uv_signal_t* s, int signum) { static_cast<Supervisor*>(s->data)->on_signal(signum); }, sig);
    }
    for (auto& c : children_) spawn(*c);
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    log::info(kComponent, "all services stopped");
    return 0;
  }

 private:
  void spawn(Child& c) {
    std::vector<std::string> args = {c.service.binary, "-c", config_dir_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    uv_stdio_container_t stdio[3];
    for (int fd = 0; fd < 3; ++fd) {
      stdio[fd].flags = UV_INHERIT_FD;
      stdio[fd].data.fd = fd;
    }
    uv_process_options_t options{};
    options.file = argv[0];
    options.args = argv.data();
    options.stdio = stdio;
    options.stdio_count = 3;
    options.exit_cb = [](uv_process_t* p, int64_t status, int signal) {
      auto* child = static_cast<Child*>(p->data);
      child->owner->on_exit(*child, status, signal);
    };
    c.process = uv::Handle<uv_process_t>();
    const int rc = uv_spawn(loop_.get(), c.process.get(), &options);
    c.process.mark_initialized();  // uv_spawn initializes the handle even when it fails
    c.process->data = &c;
    if (rc < 0) {
      log::error(kComponent, "cannot start '{}' ({})", c.service.binary, uv_strerror(rc));
      schedule_restart(c);
      return;
    }
    c.running = true;
    c.started_ms = uv_now(loop_.get());
    log::info(kComponent, "started {} (pid {})", c.service.name, c.process->pid);
  }

  void on_exit(Child& c, int64_t status, int signal) {
    c.running = false;
    if (stopping_) {
      log::info(kComponent, "{} stopped (status {}, signal {})", c.service.name, status, signal);
      c.process.reset();
      c.restart_timer.reset();
      if (std::none_of(children_.begin(), children_.end(), [](auto& ch) { return ch->running; })) finish();
      return;
    }
    const std::uint64_t ran_ms = uv_now(loop_.get()) - c.started_ms;
    if (ran_ms >= kStableRunMs) c.backoff_ms = kFirstBackoffMs;
    std::string why =
        signal != 0 ? "killed by signal " + std::to_string(signal) : "exited with status " + std::to_string(status);
    if (status == 78) why += " (invalid configuration)";
    log::warning(kComponent, "service '{}' {} after {} ms; restarting in {} ms", c.service.name, why, ran_ms,
                 c.backoff_ms);
    c.process.reset();
    schedule_restart(c);
  }

  void schedule_restart(Child& c) {
    uv_timer_start(
        c.restart_timer.get(),
        [](uv_timer_t* t) {
          auto* child = static_cast<Child*>(t->data);
          child->owner->spawn(*child);
        },
        c.backoff_ms, 0);
    c.backoff_ms = std::min(c.backoff_ms * 2, kMaxBackoffMs);
  }

  void on_signal(int signum) {
    if (signum == SIGHUP) {
      log::info(kComponent, "passing SIGHUP to the services");
      for (auto& c : children_)
        if (c->running) uv_process_kill(c->process.get(), SIGHUP);
      return;
    }
    if (stopping_) return;
    stopping_ = true;
    log::info(kComponent, "stopping all services (signal {})", signum);
    for (auto& c : children_) {
      c->restart_timer.reset();
      if (c->running) uv_process_kill(c->process.get(), SIGTERM);
    }
    if (std::none_of(children_.begin(), children_.end(), [](auto& ch) { return ch->running; })) return finish();
    kill_timer_ = uv::Handle<uv_timer_t>(loop_.get(), uv_timer_init);
    kill_timer_->data = this;
    uv_timer_start(
        kill_timer_.get(),
        [](uv_timer_t* t) {
          auto* self = static_cast<Supervisor*>(t->data);
          for (auto& c : self->children_)
            if (c->running) {
              log::warning(kComponent, "{} did not stop in {} ms; killing it", c->service.name, kKillAfterMs);
              uv_process_kill(c->process.get(), SIGKILL);
            }
        },
        kKillAfterMs, 0);
  }

  void finish() {
    kill_timer_.reset();
    signals_.clear();
  }

  std::string config_dir_;
  uv::Loop loop_;
  std::vector<std::unique_ptr<Child>> children_;
  std::vector<uv::Handle<uv_signal_t>> signals_;
  uv::Handle<uv_timer_t> kill_timer_;
  bool stopping_ = false;
};

}  // namespace

std::string find_service_binary(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const std::string file = "phoneboot-" + name;
  for (const fs::path& dir : {self.parent_path(), self.parent_path().parent_path() / "sbin"}) {
    const fs::path candidate = dir / file;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

int supervise(const std::string& config_dir, const std::vector<SupervisedService>& services) {
  std::signal(SIGPIPE, SIG_IGN);
  Supervisor supervisor(std::filesystem::absolute(config_dir).string(), services);
  return supervisor.run();
}

}  // namespace pb::tools
