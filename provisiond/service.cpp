#include "provisiond/service.hpp"

#include <ctime>
#include <optional>
#include <stdexcept>

#include "common/log.hpp"
#include "common/upstream_url.hpp"
#include "provisiond/http_server.hpp"
#include "provisiond/mac_access.hpp"
#include "provisiond/phone_fetches.hpp"
#include "provisiond/proxy_cache.hpp"
#include "provisiond/rendered_files.hpp"
#include "provisiond/store.hpp"
#include "provisiond/tftp_server.hpp"
#include "provisiond/tls.hpp"

namespace pb::prov {
namespace {

StoreOptions store_options(const config::Model& m) {
  const auto& s = m.provisiond;
  StoreOptions o;
  o.root = config::provisiond_root(m);
  if (s.upload.enabled) o.upload_dir = config::provisiond_upload_dir(m);
  o.cache_file_bytes = s.limits.cache_file_bytes;
  o.cache_bytes = s.limits.cache_bytes;
  o.max_upload_bytes = s.upload.max_file_bytes;
  o.max_phone_bytes = s.upload.max_phone_bytes;
  return o;
}

HttpServerOptions http_options(const config::Model& m, std::uint16_t port, MacAccess& access, FetchRecorder& fetches,
                               ProxyCache* proxy) {
  const auto& s = m.provisiond;
  HttpServerOptions o;
  o.listen = s.listen;
  o.port = port;
  o.limits.max_request_line = s.limits.max_request_line;
  o.limits.max_header_bytes = s.limits.max_header_bytes;
  o.limits.max_headers = s.limits.max_headers;
  o.handler.uploads = s.upload.enabled;
  o.handler.allow_delete = s.upload.allow_delete;
  o.handler.max_upload_bytes = s.upload.max_file_bytes;
  o.max_connections = s.limits.max_connections;
  o.max_connections_per_client = s.limits.max_connections_per_client;
  o.header_timeout_ms = s.limits.header_timeout_ms;
  o.idle_timeout_ms = s.limits.idle_timeout_ms;
  o.send_timeout_ms = s.limits.send_timeout_ms;
  o.mac_access = &access;
  o.fetches = &fetches;
  o.proxy = proxy;
  return o;
}

TftpServerOptions tftp_options(const config::Model& m, MacAccess& access, FetchRecorder& fetches, ProxyCache* proxy) {
  const auto& s = m.provisiond;
  TftpServerOptions o;
  o.listen = s.listen;
  o.port = s.tftp.port;
  o.limits.max_blksize = s.tftp.max_blksize;
  o.limits.max_windowsize = s.tftp.max_windowsize;
  o.limits.timeout_ms = s.tftp.timeout_ms;
  o.limits.max_timeout_ms = s.tftp.max_timeout_ms;
  o.limits.give_up_ms = s.tftp.give_up_s * 1000;
  o.limits.rollover = s.tftp.rollover;
  o.limits.max_upload_bytes = s.upload.max_file_bytes;
  o.max_transfers = s.tftp.max_transfers;
  o.write = s.tftp.write && s.upload.enabled;
  for (const auto& r : s.tftp.rename) o.rename.push_back({r.pattern, r.replacement});
  o.mac_access = &access;
  o.fetches = &fetches;
  o.proxy = proxy;
  return o;
}

// The caching proxy, when provisiond.proxy.upstream is set (checked when the set loaded).
std::unique_ptr<ProxyCache> make_proxy(const config::Model& m, uv_loop_t* loop, metrics::Registry& registry) {
  const auto& p = m.provisiond.proxy;
  if (p.upstream.empty()) return nullptr;
  std::string why;
  auto url = parse_upstream_url(p.upstream, why);
  if (!url) throw std::runtime_error("provisiond.proxy.upstream: " + why);
  UpstreamOptions up;
  up.url = *url;
  up.timeout_ms = p.timeout_ms;
  up.max_file_bytes = p.max_file_bytes;
  up.ca_file = config::provisiond_file(m, p.ca_file);
  ProxyOptions o;
  o.directory = config::provisiond_proxy_dir(m);
  o.upstream = p.upstream;
  o.fresh_ms = std::uint64_t{p.fresh_s} * 1000;
  o.retry_ms = std::uint64_t{p.retry_s} * 1000;
  o.now_ms = [loop] { return uv_now(loop); };
  return std::make_unique<ProxyCache>(std::move(o), std::make_unique<UpstreamFetcher>(loop, std::move(up)), registry);
}

TlsOptions tls_options(const config::Model& m) {
  const auto& h = m.provisiond.https;
  TlsOptions o;
  o.certificate = config::provisiond_file(m, h.certificate);
  o.key = config::provisiond_file(m, h.key);
  o.generated_dir = config::provisiond_tls_dir(m);
  o.common_name = "provision." + m.site.domain;
  for (const auto& ca : h.client_ca) o.client_ca.push_back(config::provisiond_file(m, ca));
  o.verify_client = h.verify_client;
  o.allow_expired_client = h.allow_expired_client;
  return o;
}

// Renders provisiond.templates for `model` into the store. The set was checked when it loaded, so an error
// here means a template or the inventory changed since: the files rendered before stay.
void render_templates(const config::Model& model, FileStore& store) {
  const auto rendered = phone_template::render_all(model);
  for (const auto& p : rendered.problems) {
    if (p.error)
      log::error("provisiond", "{}: {}", p.key, p.message);
    else
      log::warning("provisiond", "{}: {}", p.key, p.message);
  }
  if (!rendered.ok()) {
    log::error("provisiond", "templates: the files rendered before are served until the next reload");
    return;
  }
  store.set_rendered(make_rendered_files(rendered, store.rendered().get(), std::time(nullptr)));
  if (!model.provisiond.templates.empty())
    log::info("provisiond", "{} files rendered from {} templates", rendered.files.size(),
              model.provisiond.templates.size());
}

class ProvisionService final : public Service {
 public:
  explicit ProvisionService(DaemonContext& ctx)
      : model_(ctx.model),
        store_(store_options(*ctx.model)),
        mac_access_(config::dhcpd_state_dir(*ctx.model), config::provisiond_mac_files_leased(*ctx.model)),
        fetches_(ctx.loop, phone_fetches::path(ctx.model->site.state_dir)),
        proxy_(make_proxy(*ctx.model, ctx.loop, ctx.metrics)),
        http_stats_(ctx.metrics, "http"),
        https_stats_(ctx.metrics, "https"),
        tftp_stats_(ctx.metrics, "tftp") {
    render_templates(*model_, store_);
    const auto& s = model_->provisiond;
    if (s.http)
      http_.emplace(ctx.loop, store_, http_stats_, http_options(*model_, s.port, mac_access_, fetches_, proxy_.get()),
                    nullptr);
    if (s.https.enabled) {
      tls_ = make_tls_context(tls_options(*model_));
      https_.emplace(ctx.loop, store_, https_stats_,
                     http_options(*model_, s.https.port, mac_access_, fetches_, proxy_.get()), tls_.get());
    }
    if (s.tftp.enabled)
      tftp_.emplace(ctx.loop, store_, tftp_stats_, tftp_options(*model_, mac_access_, fetches_, proxy_.get()));
    log::info("provisiond", "serving '{}'{}{}{}", config::provisiond_root(*model_),
              http_ ? fmt::format(", http port {}", http_->port()) : "",
              https_ ? fmt::format(", https port {}", https_->port()) : "",
              tftp_ ? fmt::format(", tftp port {}", tftp_->port()) : "");
  }

  void reload(std::shared_ptr<const config::Model> model) override {
    const auto& old = model_->provisiond;
    const auto& s = model->provisiond;
    if (s.port != old.port || s.https.port != old.https.port || s.http != old.http ||
        s.https.enabled != old.https.enabled || !(s.listen == old.listen) || !(s.https == old.https) ||
        s.tftp.port != old.tftp.port || s.tftp.enabled != old.tftp.enabled || !(s.proxy == old.proxy))
      log::warning("provisiond",
                   "listening address, ports, TLS settings, the proxy and turning a protocol on or off change "
                   "on restart; the rest applies now");
    // The store first: the servers' new upload rules must find the caps and the directory they expect.
    try {
      store_.reconfigure(store_options(*model));
    } catch (const std::exception& e) {
      log::error("provisiond", "reload: {}; files and uploads stay as they were", e.what());
    }
    render_templates(*model, store_);
    mac_access_.set_enabled(config::provisiond_mac_files_leased(*model));
    if (http_) http_->update(http_options(*model, old.port, mac_access_, fetches_, proxy_.get()));
    if (https_) https_->update(http_options(*model, old.https.port, mac_access_, fetches_, proxy_.get()));
    if (tftp_) tftp_->update(tftp_options(*model, mac_access_, fetches_, proxy_.get()));
    model_ = std::move(model);
  }

  void stop() override {
    if (http_) http_->stop();
    if (https_) https_->stop();
    if (tftp_) tftp_->stop();
  }

 private:
  std::shared_ptr<const config::Model> model_;
  FileStore store_;
  MacAccess mac_access_;               // before the servers, which hold pointers to these two
  FetchRecorder fetches_;              // <state_dir>/provisiond/phones
  std::unique_ptr<ProxyCache> proxy_;  // null: no upstream; before the servers, which point at it
  Stats http_stats_, https_stats_, tftp_stats_;
  SslCtxPtr tls_;
  std::optional<HttpServer> http_, https_;
  std::optional<TftpServer> tftp_;
};

}  // namespace

std::unique_ptr<Service> start_service(DaemonContext& context) { return std::make_unique<ProvisionService>(context); }

}  // namespace pb::prov
