// phoneboot: the operator's command. check, print-config, keys, run, status, leases, phones, render.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "common/config/model.hpp"
#include "common/log.hpp"
#include "dnsd/site_zone.hpp"
#include "tools/phoneboot/leases.hpp"
#include "tools/phoneboot/render.hpp"
#include "tools/phoneboot/status.hpp"
#include "tools/phoneboot/supervisor.hpp"

namespace {

constexpr int kExitInvalid = 1;
constexpr int kExitConfig = 78;

// Prints every diagnostic; returns the model or null.
std::shared_ptr<const pb::config::Model> load_and_report(const std::string& dir) {
  auto result = pb::config::load(dir);
  for (const auto& d : result.diagnostics.all()) std::fprintf(stderr, "%s\n", d.str().c_str());
  return result.model;
}

bool enabled(const pb::config::Model& m, const std::string& name) {
  if (name == "dhcpd") return m.dhcpd.common.enabled;
  if (name == "dnsd") return m.dnsd.common.enabled;
  if (name == "sntpd") return m.sntpd.common.enabled;
  return m.provisiond.common.enabled;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"phoneboot: the voice-VLAN appliance (DHCP, DNS, SNTP, provisioning) for one site"};
  app.require_subcommand(1);
  std::string dir = "/etc/phoneboot";
  auto* check = app.add_subcommand("check", "validate a configuration folder and say what each service will serve");
  auto* print = app.add_subcommand("print-config", "print the effective configuration (defaults filled in) as TOML");
  auto* keys = app.add_subcommand("keys", "list every configuration key with its default and meaning");
  auto* run = app.add_subcommand("run", "start and supervise the enabled services");
  auto* status = app.add_subcommand("status", "ask each enabled service how it is (exit 3 when one is down)");
  auto* leases = app.add_subcommand("leases", "list the addresses dhcpd has leased, from its lease journal");
  bool all_leases = false;
  leases->add_flag("-a,--all", all_leases, "also the released, expired and reclaimed ones");
  auto* phones = app.add_subcommand("phones", "list the inventory's phones with the address each one holds");
  auto* render = app.add_subcommand("render", "show the per-phone files rendered from provisiond.templates");
  std::string render_what;
  render->add_option("file-or-mac", render_what, "a rendered file to print, or a phone's MAC to list its files");
  for (auto* sub : {check, print, run, status, leases, phones, render})
    sub->add_option("-c,--config", dir, "configuration folder");
  CLI11_PARSE(app, argc, argv);

  if (*keys) {
    std::fputs(pb::config::reference().c_str(), stdout);
    return 0;
  }
  auto model = load_and_report(dir);
  if (!model) return *run ? kExitConfig : kExitInvalid;
  if (*check) {
    // The zones are built exactly as dnsd builds them at start (zone files through ldns, collisions between
    // the site, dnsd.record and the files), so a broken zone file fails here and not at 3 a.m. on a reload.
    if (model->dnsd.common.enabled) {
      const auto zones = pb::dns::build_zones(*model, 1);
      for (const auto& error : zones.errors) std::fprintf(stderr, "%s\n", error.c_str());
      if (!zones.errors.empty()) return kExitInvalid;
    }
    for (const auto& line : pb::config::summaries(*model)) std::printf("%s\n", line.c_str());
    return 0;
  }
  if (*status) return pb::tools::print_status(*model);
  if (*leases) return pb::tools::print_leases(*model, all_leases);
  if (*phones) return pb::tools::print_phones(*model);
  if (*render) return pb::tools::print_rendered(*model, render_what);
  if (*print) {
    std::fputs(pb::config::print(*model).c_str(), stdout);
    return 0;
  }
  std::vector<pb::tools::SupervisedService> services;
  for (const char* name : pb::config::kServiceNames) {
    if (!enabled(*model, name)) continue;
    auto binary = pb::tools::find_service_binary(name);
    if (binary.empty()) {
      pb::log::warning("phoneboot", "service '{}' is enabled but phoneboot-{} is not installed; skipping", name, name);
      continue;
    }
    services.push_back({name, binary});
  }
  return pb::tools::supervise(dir, services);
}
