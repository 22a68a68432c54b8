#pragma once
// Per-phone files rendered from templates and the phone inventory: what provisiond.templates asks for.
// The configuration check renders them all (a template that does not compile, or a name no phone can have,
// stops the set with file:line:col), and provisiond serves what it renders at start and on each reload.
//
// What a template can use (tmpl::Template checks every name when it compiles):
//   mac, mac_upper, mac_colon        0004f2aabbcc, 0004F2AABBCC, 00:04:f2:aa:bb:cc
//   name, template, type, manufacturer, model, proxy_group, extension, identification_address, label,
//   address, ip                      the phone's inventory row (ip: its `IP Address` column, or empty)
//   <column>                         every other inventory column, by its header lower-cased with each run of
//                                    other characters than [a-z0-9] turned into '_' ("SIP Password" -> sip_password)
//   site.domain, site.address, site.timezone, site.vlan, site.provision_url, site.provision_host,
//   site.sip_port, site.sips_port, site.time_server (the appliance's address when sntpd runs, else empty)
//   call_servers                     a list: index (1, 2, ...), name, fqdn, address
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/inventory.hpp"
#include "common/template.hpp"

namespace pb::config {
struct Model;
}

namespace pb::phone_template {

// The placeholder a template's file name carries, as in seeds/001's config_files attribute.
inline constexpr std::string_view mac_placeholder = "[MACADDRESS]";

tmpl::Object schema(const config::Model& model, const inventory::Inventory& inventory);
tmpl::Object phone_data(const config::Model& model, const inventory::Phone& phone);

// An inventory column's header as a template name: "SIP Password" -> "sip_password".
std::string column_name(std::string_view header);

struct File {
  std::string name;  // relative to the served root, no leading '/': "0004f2aabbcc-registration.cfg"
  std::string content;
  std::size_t template_index = 0;  // into model.provisiond.templates
  std::size_t phone_line = 0;      // the phone's inventory line
  std::array<std::uint8_t, 6> mac{};
  std::string phone_name;  // the row's Name
};

struct Problem {
  bool error = true;  // false: a warning (the rest is rendered and served)
  std::string key;    // "provisiond.templates[0].source"
  std::string message;
};

struct Rendered {
  std::vector<File> files;  // ordered by template, then inventory line
  std::vector<Problem> problems;
  bool ok() const noexcept;
};

// Reads site.inventory and every template, and renders each phone's files. Never throws for bad input.
Rendered render_all(const config::Model& model);

}  // namespace pb::phone_template
